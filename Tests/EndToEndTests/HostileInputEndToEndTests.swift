import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The hostile-input corpus (`Tests/BosunCoreTests/Fixtures/hostile/`) through the `bosun`
    /// binary, each run under a memory and CPU limit (`prlimit`): every manifest renders or is
    /// refused with the expected error naming the file, every broken config is reported at its
    /// lines, and a 100 MB document is refused without being read. A crash, a hang or a blown
    /// limit fails the test.
    @Suite(.serialized) struct HostileInputEndToEndTests {
        /// 1 GiB of address space (the Swift runtime alone reserves a few hundred MB) and 30 s of CPU.
        static let limits = ["prlimit", "--as=\(1 << 30)", "--cpu=30", "--"]

        static func expectations(_ folder: String) throws -> JSONObject {
            let text = try String(contentsOf: Reliability.corpus(folder).appendingPathComponent("expected.yaml"), encoding: .utf8)
            return try YAMLDecoder().value(text).objectValue ?? JSONObject()
        }

        static func limited(_ arguments: [String]) async throws -> Shell.Result {
            try await Shell.execute(limits + [Binaries.bosun] + arguments, environment: ["BOSUN_CACHE_DIR": NSTemporaryDirectory() + "bosun-e2e-cache"])
        }

        @Test("each hostile manifest, rendered by the binary under limits, renders or fails as expected, naming the file")
        func manifestCorpus() async throws {
            let expected = try Self.expectations("manifests")
            // One repository, each file in its own folder, so each render sees only that file.
            let repo = try GitRepository()
            defer { repo.remove() }
            for entry in expected {
                let folder = repo.url.appendingPathComponent("cases/\(entry.key)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: Reliability.corpus("manifests").appendingPathComponent(entry.key),
                                                 to: folder.appendingPathComponent(entry.key))
            }
            try repo.commit("corpus")
            var refused = 0, rendered = 0
            for entry in expected {
                let result = try await Self.limited(["render", "--repo", repo.path, "--path", "cases/\(entry.key)"])
                let output = result.stdout + result.stderr
                #expect(result.status == 0 || result.status == 1, "\(entry.key): exit \(result.status) (a crash or a blown limit)\n\(output.prefix(500))")
                if let error = entry.value["error"]?.stringValue {
                    refused += 1
                    #expect(result.status == 1, "\(entry.key) rendered, expected \"\(error)\"")
                    #expect(output.contains(error), "\(entry.key): \(output.prefix(500))")
                    #expect(output.contains(entry.key), "\(entry.key): the error does not name the file: \(output.prefix(500))")
                } else if let count = entry.value["renders"]?.intValue {
                    rendered += 1
                    #expect(result.status == 0, "\(entry.key): \(output.prefix(500))")
                    #expect(output.contains("rendered \(count) resource"), "\(entry.key): \(output.prefix(300))")
                }
            }
            #expect(refused + rendered == expected.count)
            print("hostile manifests through the binary: \(refused) refused with the expected error, \(rendered) rendered")
        }

        @Test("each broken config is reported by bosun validate at its lines, under limits")
        func configCorpus() async throws {
            let expected = try Self.expectations("configs")
            for entry in expected {
                let path = Reliability.corpus("configs").appendingPathComponent(entry.key).path
                let result = try await Self.limited(["validate", "--config", path])
                #expect(result.status == 1, "\(entry.key): exit \(result.status)")
                for fragment in entry.value.arrayValue?.compactMap(\.stringValue) ?? [] {
                    // "N: message": the report names the file and line N.
                    let parts = fragment.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2 else { continue }
                    let placed = parts[0] == "0" ? entry.key : "\(entry.key):\(parts[0]):"
                    #expect(result.stdout.contains(placed) && result.stdout.contains(parts[1]), "\(entry.key): missing \"\(fragment)\" in\n\(result.stdout)")
                }
            }
            print("hostile configs through the binary: \(expected.count) reported")
        }

        @Test("a 100 MB manifest is refused by size, naming the file, without reading it")
        func hundredMegabyteDocument() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            let folder = repo.url.appendingPathComponent("app")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let big = folder.appendingPathComponent("huge.yaml")
            // A ConfigMap whose one value is 100 MB long (compresses to almost nothing in Git).
            _ = FileManager.default.createFile(atPath: big.path, contents: Data("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: huge }\ndata:\n  v: \"".utf8))
            let handle = try FileHandle(forWritingTo: big)
            try handle.seekToEnd()
            let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
            for _ in 0..<100 { try handle.write(contentsOf: chunk) }
            try handle.write(contentsOf: Data("\"\n".utf8))
            try handle.close()
            try repo.write("app/small.yaml", Reliability.configMap("small", "v"))
            try repo.commit("huge")
            // Under a memory limit smaller than the file would take to decode.
            let result = try await Shell.execute(["prlimit", "--as=\(1 << 30)", "--cpu=60", "--", Binaries.bosun, "render", "--repo", repo.path, "--path", "app"],
                                           environment: ["BOSUN_CACHE_DIR": NSTemporaryDirectory() + "bosun-e2e-cache"])
            let output = result.stdout + result.stderr
            #expect(result.status == 1, "exit \(result.status): \(output.prefix(500))")
            #expect(output.contains("huge.yaml"), "\(output.prefix(500))")
            print("100 MB manifest: \(output.split(separator: "\n").first ?? "")")
        }
    }
}
