import BosunCLI

/// The `bosun` executable: everything lives in BosunCLI.
@main
struct Entrypoint {
    static func main() async {
        await Bosun.main(nil)
    }
}
