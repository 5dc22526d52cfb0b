import BosunCore
import Foundation
import Testing

/// The corpus of hostile input under `Fixtures/hostile/`, in process: every manifest either
/// decodes or fails with an error that has a place, every broken config reports exactly the
/// problems `expected.yaml` lists, and the generated bombs are refused. The same corpus runs
/// through the `bosun` binary under memory and CPU limits in `HostileInputEndToEndTests`.
@Suite("Hostile input")
struct HostileInputTests {
    static func folder(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: "hostile/\(name)", withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }

    static func expectations(_ name: String) throws -> JSONObject {
        let text = try String(contentsOf: folder(name).appendingPathComponent("expected.yaml"), encoding: .utf8)
        return try YAMLDecoder().value(text).objectValue ?? JSONObject()
    }

    static func files(_ name: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder(name).path).filter { $0 != "expected.yaml" }.sorted()
    }

    @Test("every file of the manifest corpus has an expectation, and every expectation a file")
    func manifestCorpusIsComplete() throws {
        let expected = try Self.expectations("manifests")
        #expect(Set(expected.keys) == Set(try Self.files("manifests")))
        #expect(expected.count >= 20)
    }

    @Test("each hostile manifest decodes or fails with a placed error; the ones expected to fail do")
    func manifestsDecodeOrFailWithAPlace() throws {
        let expected = try Self.expectations("manifests")
        for file in try Self.files("manifests") {
            let data = try Data(contentsOf: Self.folder("manifests").appendingPathComponent(file))
            // Text that is not UTF-8 (or carries NUL) is turned away before decoding, by the renderer.
            guard let text = String(validating: data, as: UTF8.self), !data.contains(0) else {
                #expect(expected[file]?["error"]?.stringValue?.contains("UTF-8") == true || expected[file]?["note"] != nil, "\(file)")
                continue
            }
            let message: String?
            if file.hasSuffix(".json") {
                do {
                    _ = try JSONParser.parse(YAMLDecoder.withoutByteOrderMark(text))
                    message = nil
                } catch {
                    #expect(error.line >= 1, "\(file): \(error)")
                    message = error.message
                }
            } else {
                do {
                    _ = try YAMLDecoder().documents(text)
                    message = nil
                } catch {
                    #expect(error.line >= 1, "\(file): \(error) has no line")
                    message = error.message
                }
            }
            // A decoding error is what the renderer reports, word for word; the other expected
            // errors (not a manifest, declared twice...) come from the renderer's own checks.
            if let message {
                let wanted = expected[file]?["error"]?.stringValue ?? "(no error)"
                #expect(message.contains(wanted), "\(file): decoding failed with \"\(message)\", expected \"\(wanted)\"")
            }
        }
    }

    @Test("nesting a hundred thousand levels deep is refused, in flow and block style, YAML and JSON")
    func deepNestingIsRefused() throws {
        let flow = "a: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: YAMLParseError.self) { try YAMLDecoder().documents(flow) }
        let dashes = "a:\n" + String(repeating: "- ", count: 50_000) + "x\n"
        #expect(throws: YAMLParseError.self) { try YAMLDecoder().documents(dashes) }
        let block = (0..<400).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined() + String(repeating: " ", count: 400) + "v\n"
        #expect { try YAMLDecoder().documents(block) } throws: { ($0 as? YAMLParseError)?.message.contains("deeper than 256") == true }
        let json = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect { try JSONParser.parse(json) } throws: { ($0 as? JSONParseError)?.message.contains("deeper than 512") == true }
        let objects = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Data(objects.utf8)) }
    }

    @Test("an alias bomb is refused once it would expand past the node budget, however it is built")
    func aliasBombsAreRefused() throws {
        var levels = ["l0: &l0 [" + Array(repeating: "\"lol\"", count: 10).joined(separator: ",") + "]"]
        for level in 1..<12 { levels.append("l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ",") + "]") }
        #expect { try YAMLDecoder().documents(levels.joined(separator: "\n")) } throws: {
            ($0 as? YAMLParseError)?.message.contains("alias bomb") == true
        }
        // Many documents that each stay under the budget still share one budget.
        let document = "a: &a [" + Array(repeating: "x", count: 1000).joined(separator: ",") + "]\nb: [" + Array(repeating: "*a", count: 1000).joined(separator: ",") + "]\n"
        let stream = Array(repeating: document, count: 3).joined(separator: "---\n")
        #expect(throws: YAMLParseError.self) { try YAMLDecoder().documents(stream) }
        // A decoder with a smaller budget refuses sooner.
        var small = YAMLDecoder()
        small.maxNodes = 1000
        #expect(throws: YAMLParseError.self) { try small.documents(document) }
    }

    @Test("invalid UTF-8 and lone surrogates in JSON are refused with their place")
    func invalidTextInJSON() throws {
        let bytes: [UInt8] = Array("{\"a\":\"caf".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect { try JSONParser.parse(Data(bytes)) } throws: { ($0 as? JSONParseError)?.message.contains("invalid UTF-8") == true }
        #expect { try JSONParser.parse(#"{"a":"\ud800"}"#) } throws: { ($0 as? JSONParseError)?.message.contains("surrogate") == true }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a":"\udc00x"}"#) }
        #expect { try JSONParser.parse("{\"a\":1,\n\"a\":2}") } throws: { ($0 as? JSONParseError)?.line == 2 }
    }

    @Test("a byte-order mark before the first document is not content")
    func byteOrderMark() throws {
        let documents = try YAMLDecoder().documents("\u{FEFF}apiVersion: v1\r\nkind: ConfigMap\r\n")
        #expect(documents.count == 1 && documents.first?.value["kind"] == "ConfigMap")
    }

    @Test("every file of the config corpus has an expectation, and every expectation a file")
    func configCorpusIsComplete() throws {
        #expect(Set(try Self.expectations("configs").keys) == Set(try Self.files("configs")))
    }

    @Test("each broken config reports exactly the expected problems, each at its line")
    func brokenConfigsReportEveryProblem() throws {
        let expected = try Self.expectations("configs")
        for file in try Self.files("configs") {
            let path = try Self.folder("configs").appendingPathComponent(file).path
            let wanted = expected[file]?.arrayValue?.compactMap(\.stringValue) ?? []
            do {
                _ = try ConfigLoader.load(file: path)
                Issue.record("\(file) was accepted; expected \(wanted)")
            } catch {
                let found = error.diagnostics.map { "\($0.line): \($0.path.isEmpty ? "" : "\($0.path): ")\($0.message)" }
                for fragment in wanted {
                    #expect(found.contains { $0.hasPrefix(fragment) }, "\(file): no diagnostic \"\(fragment)\" in \(found)")
                }
                // Nothing reported twice, and nothing without a place (a whole-file problem has line 0 or 1).
                #expect(Set(error.diagnostics).count == error.diagnostics.count, "\(file)")
                // Values from the file that may be secrets are never echoed.
                #expect(!error.description.contains("plain-text-token-do-not-print"))
            }
        }
    }

    @Test("a config of 20 MB is read in one go and a deep one refused, neither crashing the reader")
    func largeAndDeepConfigs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bosun-hostile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let big = folder.appendingPathComponent("big.yaml")
        try Data(("apiVersion: bosun.dev/v1\nkind: Config\ntargets: [{ name: local, type: host }]\n# " + String(repeating: "x", count: 20 << 20) + "\n").utf8).write(to: big)
        #expect(try ConfigLoader.load(file: big.path).targets.count == 1)
        let deep = folder.appendingPathComponent("deep.yaml")
        try Data(("apiVersion: bosun.dev/v1\nkind: Config\nx: " + String(repeating: "[", count: 100_000)).utf8).write(to: deep)
        #expect { try ConfigLoader.load(file: deep.path) } throws: { ($0 as? ConfigError)?.diagnostics.first?.line == 3 }
    }
}
