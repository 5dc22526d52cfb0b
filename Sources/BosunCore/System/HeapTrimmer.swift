#if canImport(Glibc)
import Glibc
#endif

/// glibc keeps the pages a burst freed (the first sync of every application, a webhook storm)
/// inside its arenas, fragmented, for the life of the process; handing the free ones back keeps
/// the resident size near what is really in use. `bosun serve` does it every few seconds.
public enum HeapTrimmer {
    /// Hands free heap pages back to the system now.
    public static func trimNow() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }

    /// Trims every `interval` until cancelled.
    public static func run(every interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            trimNow()
        }
    }

    #if canImport(Glibc)
    // <malloc.h> is not part of the Glibc module: look the function up instead.
    private static let trim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
    }
    #endif
}
