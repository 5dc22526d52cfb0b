#if canImport(Glibc)
import Glibc
#endif

/// glibc keeps the pages a burst freed (the first sync of every application, a webhook storm)
/// inside its arenas, fragmented, for the life of the process; handing the free ones back every
/// few seconds keeps `bosun serve`'s resident size near what it really uses.
enum HeapTrimmer {
    static func run(every interval: Duration = .seconds(5)) async {
        #if canImport(Glibc)
        // <malloc.h> is not part of the Glibc module: look the function up instead.
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        let trim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            _ = trim(0)
        }
        #endif
    }
}
