// swift-tools-version:6.1
//
// The gateway: HTTP/1.1 (gRPC-Web, REST/JSON) in front, gRPC over HTTP/2 behind.
//
// Modules sit in a one-way stack (see Sources/Gateway/Documentation.docc/Design.md):
//   tier 5  gateway (executable)
//   tier 4  Gateway
//   tier 3  Frontend   Backend
//   tier 2  Reactor                 Routing   ProtoJSON   Config
//   tier 1  CLibevent  CLibeventOpenSSL  CNghttp2  GRPCWire  Schema
// Pure modules (GRPCWire, Schema, Routing, ProtoJSON, Config) import no C module and do no I/O.
import PackageDescription

/// Settings every target shares: explicit existentials, imports that carry an access level and
/// do not leak members, as Hummingbird and grpc-swift-2 do.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["gateway"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // Tier 1: C libraries, each behind one system-library target with a shim header.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        .systemLibrary(
            name: "CLibeventOpenSSL",
            pkgConfig: "libevent_openssl",
            providers: [.apt(["libevent-dev", "libssl-dev"])]
        ),
        .systemLibrary(
            name: "CNghttp2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),

        // Tier 1: pure protocol and schema logic.
        .target(name: "GRPCWire", swiftSettings: strictSettings),
        .target(
            name: "Schema",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strictSettings
        ),

        // Tier 2.
        .target(name: "Routing", dependencies: ["Schema"], swiftSettings: strictSettings),
        .target(name: "ProtoJSON", dependencies: ["Schema"], swiftSettings: strictSettings),
        .target(
            name: "Config",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(name: "Reactor", dependencies: ["CLibevent"], swiftSettings: strictSettings),

        // Tier 3: the two network edges. They never import each other.
        .target(
            name: "Frontend", dependencies: ["Reactor", "CLibevent", "CLibeventOpenSSL"], swiftSettings: strictSettings),
        .target(
            name: "Backend",
            dependencies: ["Reactor", "CLibevent", "CLibeventOpenSSL", "CNghttp2", "GRPCWire"],
            swiftSettings: strictSettings
        ),

        // Tier 4: the proxy that binds both edges together.
        .target(
            name: "Gateway",
            dependencies: [
                "Frontend", "Backend", "Reactor", "GRPCWire", "Schema", "Routing", "ProtoJSON", "Config",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Tier 5: the thin executable.
        .executableTarget(
            name: "gateway",
            dependencies: [
                "Gateway", "Config",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Unit tests: one target per module, no sockets in the pure ones.
        .testTarget(name: "GRPCWireTests", dependencies: ["GRPCWire"], swiftSettings: strictSettings),
        .testTarget(
            name: "SchemaTests",
            dependencies: ["Schema"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RoutingTests",
            dependencies: ["Routing", "Schema"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ProtoJSONTests",
            dependencies: ["ProtoJSON", "Schema"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FrontendTests", dependencies: ["Frontend", "GRPCWire"], swiftSettings: strictSettings),
        .testTarget(name: "BackendTests", dependencies: ["Backend"], swiftSettings: strictSettings),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "Config", "GRPCWire"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),

        // Benchmarks: executables that print figures and never assert.
        .executableTarget(
            name: "ProtoJSONBenchmark",
            dependencies: ["ProtoJSON", "Schema", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Tests/Benchmarks/ProtoJSONBenchmark",
            swiftSettings: strictSettings
        ),
    ]
)
