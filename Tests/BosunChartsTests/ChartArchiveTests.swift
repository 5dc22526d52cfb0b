import BosunCharts
import BosunTesting
import Foundation
import Testing

/// The strict `.tgz` reader: what a hostile or broken chart archive gets.
@Suite struct ChartArchiveTests {
    /// A tar.gz built by Python's tarfile, which writes whatever member names it is told.
    static func craft(_ members: String, in dir: TemporaryDirectory) async throws -> Data {
        let out = dir.appending("crafted-\(UUID().uuidString.prefix(6)).tgz")
        try await Shell.run(["python3", "-c", """
            import io, tarfile, sys
            t = tarfile.open(sys.argv[1], "w:gz")
            def add(name, data=b"x", kind=None, target=None):
                info = tarfile.TarInfo(name)
                if kind == "sym": info.type = tarfile.SYMTYPE; info.linkname = target; t.addfile(info)
                elif kind == "hard": info.type = tarfile.LNKTYPE; info.linkname = target; t.addfile(info)
                else: info.size = len(data); t.addfile(info, io.BytesIO(data))
            \(members)
            t.close()
            """, out.path])
        return try Data(contentsOf: out)
    }

    @Test func readsAChartPackedByTar() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = try ChartFixture(name: "demo", version: "1.2.3", files: ["templates/cm.yaml": "kind: ConfigMap\n"]).package(into: dir.url)
        let archive = try TarArchive(gzipped: data, name: "demo-1.2.3.tgz")
        #expect(Set(archive.files.map(\.path)) == ["demo/Chart.yaml", "demo/templates/cm.yaml"])
        #expect(archive.topFolder == "demo")
        try archive.write(to: dir.appending("out"), strippingTop: true)
        #expect(FileManager.default.fileExists(atPath: dir.appending("out/templates/cm.yaml").path))
    }

    @Test func refusesWhatIsNotGzip() throws {
        #expect(throws: ChartError.self) { try TarArchive(gzipped: Data("<html>not found</html>".utf8), name: "x.tgz") }
        do {
            _ = try TarArchive(gzipped: Data("<html>".utf8), name: "charts: x-1.0.0.tgz")
        } catch {
            #expect(error.description.contains("charts: x-1.0.0.tgz is not a gzip archive"))
        }
    }

    @Test func refusesPathsThatLeaveTheChart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let dotdot = try await Self.craft("add('demo/Chart.yaml'); add('demo/../../etc/evil')", in: dir)
        #expect { try TarArchive(gzipped: dotdot, name: "demo.tgz") } throws: { ($0 as? ChartError)?.message.contains("leaves the chart") == true }
        let absolute = try await Self.craft("add('/etc/evil')", in: dir)
        #expect { try TarArchive(gzipped: absolute, name: "demo.tgz") } throws: { ($0 as? ChartError)?.message.contains("absolute path") == true }
        let link = try await Self.craft("add('demo/Chart.yaml'); add('demo/templates/x', kind='sym', target='../../../etc/passwd')", in: dir)
        #expect { try TarArchive(gzipped: link, name: "demo.tgz") } throws: { ($0 as? ChartError)?.message.contains("outside the chart") == true }
        let inside = try await Self.craft("add('demo/Chart.yaml'); add('demo/templates/x', kind='sym', target='../Chart.yaml')", in: dir)
        #expect(try TarArchive(gzipped: inside, name: "demo.tgz").files.map(\.path) == ["demo/Chart.yaml"])
    }

    @Test func refusesMoreThanTwentyMiBUnpacked() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Zeros compress to almost nothing: a small download that would fill the disk.
        let bomb = try await Self.craft("add('demo/Chart.yaml'); add('demo/big', b'\\0' * (21 << 20))", in: dir)
        #expect(bomb.count < 1 << 20)
        #expect { try TarArchive(gzipped: bomb, name: "demo.tgz") } throws: { ($0 as? ChartError)?.message.contains("more than 20 MiB") == true }
    }
}
