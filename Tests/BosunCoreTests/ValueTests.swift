import BosunCore
import Foundation
import Testing

@Suite struct JSONTests {
    @Test func keepsKeyOrderAndRoundTrips() throws {
        let text = #"{"b":1,"a":[true,null,2.5,"x\n\"y\""],"c":{"z":-3,"é":"\u00e9"}}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(try JSONParser.parse(value.jsonString()) == value)
        #expect(try JSONParser.parse(value.prettyJSONString()) == value)
        #expect(value["c"]?["é"]?.stringValue == "é")
    }

    @Test func refusesDuplicateKeysDeepNestingAndBadText() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a":1,"a":2}"#) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse("[1,]") }
        do {
            _ = try JSONParser.parse("{\n  \"a\": tru\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func objectEqualityIgnoresOrderAndNumbersCompareByValue() {
        let a: JSONValue = ["x": 1, "y": "z"]
        let b: JSONValue = ["y": "z", "x": 1.0]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
    }
}

@Suite struct YAMLTests {
    @Test func resolvesScalarsAsKubernetesDoes() throws {
        let value = try YAMLDecoder().value("""
            a: 1
            b: "1"
            c: true
            d: yes
            e: ~
            f: 1.5
            g: 0x1F
            h: hello world
            i: '007'
            j: !!str 12
            k: 1e3
            """)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .string("1"))
        #expect(value["c"] == .bool(true))
        #expect(value["d"] == .bool(true))
        #expect(value["e"] == .null)
        #expect(value["f"] == .double(1.5))
        #expect(value["g"] == .int(31))
        #expect(value["h"] == .string("hello world"))
        #expect(value["i"] == .string("007"))
        #expect(value["j"] == .string("12"))
        #expect(value["k"] == .double(1000))
    }

    @Test func splitsDocumentsAndSkipsEmptyOnes() throws {
        let docs = try YAMLDecoder().documents("""
            ---
            a: 1
            ---
            ---
            # only a comment
            ---
            b: 2
            """)
        #expect(docs.map(\.line) == [2, 7])
        #expect(docs[1].value["b"] == .int(2))
    }

    @Test func refusesAliasBombsAndDuplicateKeys() {
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: YAMLParseError.self) { try YAMLDecoder().documents(bomb) }
        #expect(throws: YAMLParseError.self) { try YAMLDecoder().documents("a: 1\na: 2\n") }
        #expect(throws: YAMLParseError.self) {
            try YAMLDecoder().documents(String(repeating: "[", count: 400) + String(repeating: "]", count: 400))
        }
    }

    @Test(arguments: [
        "plain", "with space", "true", "no", "123", "1.5", "", " lead", "trail ", "a: b", "# hash", "- dash", "x #y",
        "multi\nline\n", "multi\nline", "tab\there", "quote\"s", "colon:", "@at", "~", "null", "y", "0x10", "é ü",
        "ends with newlines\n\n", "  indented\nblock",
    ])
    func writesStringsThatReadBackTheSame(text: String) throws {
        let value: JSONValue = ["key": .string(text), "list": [.string(text)], "nested": ["k": .string(text)]]
        let yaml = YAMLWriter.string(value)
        #expect(try YAMLDecoder().value(yaml) == value, "\(yaml)")
    }

    @Test func writesBlockStyleInSourceOrder() {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x", "labels": [:]],
            "data": ["script": "echo hi\nexit 0\n"], "list": [["name": "a", "v": 1], "b", []],
        ]
        #expect(YAMLWriter.string(value) == """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
              labels: {}
            data:
              script: |
                echo hi
                exit 0
            list:
            - name: a
              v: 1
            - b
            - []

            """)
    }
}

@Suite struct SemVerTests {
    let tags = ["v1.0.0", "v1.4.0", "1.4.1-rc.1", "v1.9.3", "v2.0.0-rc.1", "v2.0.0", "2.1.0", "not-a-version"].compactMap(SemVer.init)

    @Test(arguments: [
        (">=1.4 <2", "1.9.3"), ("^1.4", "1.9.3"), ("~1.4", "1.4.0"), ("1.x", "1.9.3"), ("*", "2.1.0"),
        (">=2.0.0-rc.0 <2.0.0", "2.0.0-rc.1"), ("1.4.1-rc.1", "1.4.1-rc.1"), ("<1.4 || >=2.1", "2.1.0"), ("1.0 - 1.4", "1.4.0"),
        ("=1.0.0", "1.0.0"), (">= 1.4, < 2", "1.9.3"),
    ])
    func picksTheHighestMatch(range: String, expected: String) throws {
        let r = try SemVerRange(range.replacingOccurrences(of: ",", with: ""))
        #expect(r.best(of: tags)?.description == expected)
    }

    @Test func preReleasesOnlyWhenTheRangeNamesOne() throws {
        #expect(try SemVerRange(">=1.0 <3").best(of: tags)?.description == "2.1.0")
        #expect(try !SemVerRange(">=1.4").matches(SemVer("3.0.0-beta.1")!))
        #expect(SemVer("1.0.0-alpha")! < SemVer("1.0.0-alpha.1")!)
        #expect(SemVer("1.0.0-alpha.beta")! < SemVer("1.0.0-beta")!)
        #expect(SemVer("1.0.0-rc.1")! < SemVer("1.0.0")!)
    }

    @Test func badRangesAreErrors() {
        for bad in ["", ">=x.4", "1.2.3.4", "^", "|| 1"] {
            #expect(throws: SemVerRange.ParseError.self, "\(bad)") { try SemVerRange(bad) }
        }
    }
}

@Suite struct DurationTests {
    @Test func parsesAndFormats() throws {
        #expect(try DurationText.parse("90s") == .seconds(90))
        #expect(try DurationText.parse("3m") == .seconds(180))
        #expect(try DurationText.parse("1h30m") == .seconds(5400))
        #expect(try DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        for bad in ["", "5", "5 minutes", "1x", "-3s", "m"] {
            #expect(throws: DurationText.ParseError.self, "\(bad)") { try DurationText.parse(bad) }
        }
    }
}

@Suite struct ResourceTests {
    @Test func keysAndAnnotations() throws {
        let r = try #require(Resource(try YAMLDecoder().value("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              annotations: { argocd.argoproj.io/sync-wave: "-2", bosun.dev/prune: "false" }
            """)))
        #expect(r.key.description == "apps/Deployment/shop/web")
        #expect(r.syncWave == -2)
        #expect(r.isPruneDisabled)
        #expect(ResourceKey("/ConfigMap/default/x") == ResourceKey(group: "", kind: "ConfigMap", namespace: "default", name: "x"))
        #expect(Annotations.trackingID(app: "shop", key: r.key) == "shop:apps/Deployment:shop/web")
        var copy = r
        copy.setLabel(Annotations.appLabel, "shop")
        #expect(copy.label("bosun.dev/app") == "shop")
    }
}
