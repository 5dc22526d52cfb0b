// swift-tools-version: 6.2
import PackageDescription

/// One list of settings for every target: Swift 6 mode with complete strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableExperimentalFeature("StrictConcurrency=complete"),
]

let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let ahc: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTLS: Target.Dependency = .product(name: "HummingbirdTLS", package: "hummingbird")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let propertyBased: Target.Dependency = .product(name: "PropertyBased", package: "swift-property-based")

let package = Package(
    name: "bosun",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bosun", targets: ["bosun"]),
        .executable(name: "kubernetes-simulator", targets: ["kubernetes-simulator"]),
        .executable(name: "nomad-simulator", targets: ["nomad-simulator"]),
        .executable(name: "bosun-bench", targets: ["bosun-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // gzip for chart archives (.tgz); Foundation has none on Linux.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // PostgreSQL for replicas (issue 17): the wire protocol with a connection pool, TLS, SCRAM
        // and LISTEN/NOTIFY. Most of its graph (NIO, NIO SSL, crypto, lifecycle) is built already.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The vocabulary: values, config, the DeploymentTarget protocol. No I/O beyond reading files.
        .target(name: "BosunCore", dependencies: [yams, crypto], swiftSettings: swiftSettings),
        .target(name: "BosunDiff", dependencies: ["BosunCore", crypto], swiftSettings: swiftSettings),
        .target(name: "BosunGit", dependencies: ["BosunCore", subprocess, logging], swiftSettings: swiftSettings),
        .target(name: "BosunRender", dependencies: ["BosunCore", "BosunGit", subprocess], swiftSettings: swiftSettings),
        // Pure translations of Argo CD and Flux objects into Bosun config (`bosun import`).
        .target(name: "BosunImport", dependencies: ["BosunCore"], swiftSettings: swiftSettings),
        .target(
            name: "BosunCharts",
            dependencies: ["BosunCore", ahc, crypto, .product(name: "CompressNIO", package: "compress-nio")],
            swiftSettings: swiftSettings),
        .target(name: "BosunHost", dependencies: ["BosunCore", subprocess, logging, crypto], swiftSettings: swiftSettings),
        // SOPS and age on swift-crypto; Yams to read YAML with its layout, Subprocess for gpg.
        .target(name: "BosunSecrets", dependencies: ["BosunCore", crypto, yams, subprocess], swiftSettings: swiftSettings),
        .target(name: "BosunKubernetes", dependencies: ["BosunCore", ahc, logging, crypto], swiftSettings: swiftSettings),
        .target(name: "BosunNomad", dependencies: ["BosunCore", ahc, logging], swiftSettings: swiftSettings),
        .target(name: "BosunPodman", dependencies: ["BosunCore", ahc, logging, crypto], swiftSettings: swiftSettings),
        .target(
            name: "BosunStore",
            dependencies: ["BosunCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        // The PostgreSQL store, with the leases and messages of replicas (issue 17).
        .target(
            name: "BosunStorePostgres",
            dependencies: ["BosunCore", "BosunStore", logging, serviceLifecycle, .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings),
        .target(
            name: "BosunEngine",
            dependencies: ["BosunCore", "BosunDiff", "BosunGit", "BosunRender", "BosunCharts", "BosunStore", "BosunSecrets", logging, metrics],
            swiftSettings: swiftSettings),
        .target(
            name: "BosunServer",
            dependencies: [
                "BosunEngine", "BosunCore", "BosunDiff", "BosunGit", "BosunRender", "BosunStore", "BosunStorePostgres", hummingbird, hummingbirdTLS,
                crypto, logging, metrics, serviceLifecycle, ahc,
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "BosunCLI",
            dependencies: [
                "BosunCore", "BosunDiff", "BosunGit", "BosunRender", "BosunHost", "BosunKubernetes", "BosunNomad",
                "BosunPodman", "BosunStore", "BosunEngine", "BosunServer", "BosunImport", "BosunCharts", "BosunSecrets", argumentParser, ahc, logging, serviceLifecycle, crypto,
            ],
            swiftSettings: swiftSettings),
        .executableTarget(name: "bosun", dependencies: ["BosunCLI"], swiftSettings: swiftSettings),

        // Test support: never linked into `bosun`.
        .target(
            name: "BosunTesting", dependencies: ["BosunCore", "BosunEngine", "BosunStore", "BosunStorePostgres", "BosunGit", "BosunRender", subprocess, crypto, logging],
            path: "TestSupport/BosunTesting", swiftSettings: swiftSettings),
        .target(
            name: "KubernetesSimulator",
            dependencies: ["BosunCore", hummingbird, hummingbirdTLS, logging],
            path: "TestSupport/KubernetesSimulator",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "kubernetes-simulator",
            dependencies: ["KubernetesSimulator", argumentParser, hummingbird],
            path: "TestSupport/kubernetes-simulator",
            swiftSettings: swiftSettings),
        .target(
            name: "NomadSimulator",
            dependencies: ["BosunCore", hummingbird, logging, serviceLifecycle],
            path: "TestSupport/NomadSimulator",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "nomad-simulator",
            dependencies: ["NomadSimulator", argumentParser, hummingbird],
            path: "TestSupport/nomad-simulator",
            swiftSettings: swiftSettings),

        // Benchmarks print figures; run them with `swift run -c release bosun-bench`.
        .executableTarget(
            name: "bosun-bench",
            dependencies: [
                "BosunCore", "BosunDiff", "BosunGit", "BosunRender", "BosunTesting", "BosunEngine", "BosunStore",
                "BosunHost", argumentParser, logging, "NomadSimulator", "BosunServer", ahc, serviceLifecycle,
                "KubernetesSimulator", "BosunNomad", "BosunKubernetes", "BosunCharts", "BosunPodman", "BosunSecrets", crypto,
                "BosunStorePostgres",
            ],
            path: "Benchmarks/bosun-bench",
            swiftSettings: swiftSettings),

        .testTarget(
            name: "BosunCoreTests", dependencies: ["BosunCore", "BosunTesting", propertyBased],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunDiffTests", dependencies: ["BosunDiff", "BosunCore", propertyBased], resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunSecretsTests", dependencies: ["BosunSecrets", "BosunCore", "BosunTesting", propertyBased],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "BosunGitTests", dependencies: ["BosunGit", "BosunCore", "BosunTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunRenderTests", dependencies: ["BosunRender", "BosunGit", "BosunCore", "BosunTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunChartsTests", dependencies: ["BosunCharts", "BosunCore", "BosunTesting"],
            swiftSettings: swiftSettings),
        .testTarget(name: "BosunHostTests", dependencies: ["BosunHost", "BosunCore", "BosunTesting"], swiftSettings: swiftSettings),
        // One suite for both stores (SQLite, and PostgreSQL on a real server).
        .testTarget(
            name: "BosunStoreTests", dependencies: ["BosunStore", "BosunStorePostgres", "BosunCore", "BosunTesting", logging],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunEngineTests",
            dependencies: ["BosunEngine", "BosunCore", "BosunStore", "BosunGit", "BosunRender", "BosunTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunKubernetesTests",
            dependencies: ["BosunKubernetes", "BosunCore", "BosunTesting", hummingbird, hummingbirdTLS, serviceLifecycle],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunNomadTests", dependencies: ["BosunNomad", "BosunCore", "BosunRender", "BosunTesting", "NomadSimulator"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "BosunPodmanTests", dependencies: ["BosunPodman", "BosunCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KubernetesSimulatorTests",
            dependencies: ["KubernetesSimulator", "BosunCore", "BosunTesting", "kubernetes-simulator"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NomadSimulatorTests",
            dependencies: ["NomadSimulator", "BosunCore", "BosunTesting", "nomad-simulator"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "BosunServerTests",
            dependencies: [
                "BosunServer", "BosunEngine", "BosunCore", "BosunStore", "BosunGit", "BosunRender", "BosunTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"), ahc, serviceLifecycle,
            ],
            exclude: ["Browser"],  // the DevTools driver the browser test runs with python3
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["BosunCore", "BosunTesting", "bosun", "kubernetes-simulator", "nomad-simulator"],
            swiftSettings: swiftSettings),
    ]
)
