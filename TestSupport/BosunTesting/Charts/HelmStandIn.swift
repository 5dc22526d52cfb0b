import Foundation

/// A `helm` stand-in for tests: `helm template` with the flags Bosun passes, run through Helm
/// v4's own template engine (PyPI's helm-python-sdk), each call's arguments recorded as one
/// JSON line in `$BOSUN_HELM_RECORD` when set. Users run the real `helm` (3 or 4).
public enum HelmStandIn {
    /// Whether the SDK is installed (CI pip-installs it).
    public static var isAvailable: Bool {
        (try? Shell.executeBlocking(["python3", "-c", "import helm_python"]))?.status == 0
    }

    /// Writes `helm` into `directory` (created); put the folder first on PATH.
    @discardableResult
    public static func install(in directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("helm")
        try Data(script.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return directory
    }

    static let script = #"""
        #!/usr/bin/env python3
        # helm stand-in for Bosun's tests: `helm template` through Helm v4's engine (helm-python-sdk).
        import json, os, sys
        import helm_python as helm

        def merge(base, over):
            for k, v in over.items():
                if isinstance(v, dict) and isinstance(base.get(k), dict):
                    merge(base[k], v)
                else:
                    base[k] = v
            return base

        args = sys.argv[1:]
        record = os.environ.get("BOSUN_HELM_RECORD")
        if record:
            try:
                with open(record, "a") as f:
                    f.write(json.dumps(args) + "\n")
            except OSError:
                pass  # a record file of a test that has ended
        if args[:1] == ["version"]:
            print("v4.0.0+stand-in")
            sys.exit(0)
        if args[:1] != ["template"]:
            sys.stderr.write("helm stand-in: only `helm template` is supported\n")
            sys.exit(2)
        positional, values_files, namespace, include_crds = [], [], "default", False
        i = 1
        while i < len(args):
            a = args[i]
            if a in ("--values", "-f"):
                values_files.append(args[i + 1]); i += 2
            elif a in ("--namespace", "-n"):
                namespace = args[i + 1]; i += 2
            elif a in ("--api-versions", "-a", "--kube-version"):
                i += 2  # recorded above; the SDK's render takes no capabilities
            elif a == "--include-crds":
                include_crds = True; i += 1
            elif a.startswith("-"):
                sys.stderr.write("helm stand-in: unknown flag %s\n" % a); sys.exit(2)
            else:
                positional.append(a); i += 1
        if len(positional) != 2:
            sys.stderr.write("helm stand-in: want RELEASE CHART\n"); sys.exit(2)
        release, chart_dir = positional
        values = {}
        for path in values_files:
            with open(path) as f:
                merge(values, helm.values_from_yaml(f.read()) or {})
        try:
            chart = helm.Chart.load(chart_dir)
            out = chart.render(values=values, name=release, namespace=namespace, is_install=True)
        except helm.HelmError as e:
            sys.stderr.write("Error: %s\n" % e); sys.exit(1)
        if include_crds:
            for crd in chart.crds:
                print("---\n# Source: %s\n%s" % (crd.get("filename") or crd.get("name"), crd["data"].strip()))
        for path in sorted(out):
            text = out[path].strip()
            if path.endswith("NOTES.txt") or not text:
                continue
            print("---\n# Source: %s\n%s" % (path, text))
        """#
}
