internal import Foundation
internal import Testing

@testable internal import Config

/// Positive fixtures and the defaults contract of `gateway.yaml`.
@Suite("Valid configurations")
struct GatewayConfigurationTests {
    @Test("A minimal file gets every documented default")
    func minimalDefaults() throws {
        let path = Fixtures.path("valid/minimal.yaml")
        let configuration = try GatewayConfiguration.load(path: path)

        #expect(configuration.file == path)
        #expect(configuration.listen == Listener(host: "0.0.0.0", port: 8080))
        #expect(configuration.workers == 0)
        #expect(configuration.backends.count == 1)
        #expect(configuration.backends[0].name == "orders")
        #expect(configuration.backends[0].host == "127.0.0.1")
        #expect(configuration.backends[0].port == 50051)
        #expect(configuration.backends[0].connectTimeout == .seconds(5))
        #expect(configuration.backends[0].location == SourceLocation(file: path, line: 5, column: 5))
        #expect(configuration.routes.map(\.service.value) == ["orders.OrderService"])
        #expect(configuration.routes[0].service.location == SourceLocation(file: path, line: 8, column: 14))
        #expect(configuration.routes[0].backend == "orders")
        #expect(configuration.cors == CORSPolicy())
        #expect(!configuration.cors.isEnabled)
        #expect(configuration.cors.maxAge == .seconds(600))
        #expect(configuration.limits == Limits())
        #expect(configuration.limits.maxRequestBodyBytes == 4_194_304)
        #expect(configuration.limits.maxResponseMessageBytes == 4_194_304)
        #expect(configuration.limits.maxRequestHeaderBytes == 16_384)
        #expect(configuration.limits.idleTimeout == .seconds(60))
        #expect(configuration.limits.headerReadTimeout == .seconds(10))
    }

    @Test("Descriptor paths are resolved against the configuration file's folder")
    func descriptorPathsResolved() throws {
        let configuration = try GatewayConfiguration.load(path: Fixtures.path("valid/full.yaml"))
        let folder = URL(fileURLWithPath: Fixtures.path("valid")).standardizedFileURL.path
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path

        #expect(
            configuration.descriptorFiles.map(\.value) == [
                "\(folder)/examples/orders/orders.binpb",
                "/opt/protos/billing.binpb",
                "\(parent)/shared/common.binpb",
            ]
        )
        #expect(configuration.descriptorFiles.map(\.location.line) == [7, 8, 9])
        #expect(configuration.descriptorFiles.allSatisfy { $0.location.column == 5 })
    }

    @Test("Descriptor paths given to parse(yaml:file:) with a relative file name become absolute")
    func relativeFileNameMakesAbsolutePaths() throws {
        let yaml = """
            descriptors: [x.binpb]
            backends: [{name: a, address: "h:1"}]
            routes: [{service: a.A, backend: a}]
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, file: "conf/gateway.yaml")
        let expected = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent("conf/x.binpb").standardizedFileURL.path
        #expect(configuration.descriptorFiles.map(\.value) == [expected])
        #expect(configuration.file == "conf/gateway.yaml")
    }

    @Test("Every key of the full example is read")
    func fullFile() throws {
        let configuration = try GatewayConfiguration.load(path: Fixtures.path("valid/full.yaml"))

        #expect(configuration.listen == Listener(host: "127.0.0.1", port: 9090))
        #expect(configuration.workers == 4)
        #expect(configuration.backends.map(\.name) == ["orders", "billing-v2.eu_west", "search"])
        #expect(configuration.backends.map(\.host) == ["127.0.0.1", "::1", "search.internal"])
        #expect(configuration.backends.map(\.port) == [50051, 50052, 443])
        #expect(configuration.backends.map(\.authority) == ["127.0.0.1:50051", "[::1]:50052", "search.internal:443"])
        #expect(configuration.backends.map(\.connectTimeout) == [.milliseconds(250), .milliseconds(1500), .seconds(5)])
        #expect(
            configuration.routes.map(\.service.value) == [
                "orders.OrderService", "billing.v2.BillingService", "_search.Search",
            ]
        )
        #expect(configuration.routes.map(\.backend) == ["orders", "billing-v2.eu_west", "search"])
        #expect(configuration.backend(named: "search")?.port == 443)

        let cors = configuration.cors
        #expect(cors.allowedOrigins == ["http://localhost:8000", "https://app.example.com:8443"])
        #expect(cors.allowCredentials)
        #expect(cors.allowedHeaders == ["x-grpc-web", "x-user-agent", "authorization"])
        #expect(cors.exposeHeaders == ["x-request-id"])
        #expect(cors.maxAge == .seconds(3600))

        #expect(
            configuration.limits
                == Limits(
                    maxRequestBodyBytes: 8 * 1024 * 1024,
                    maxResponseMessageBytes: 1_048_576,
                    maxRequestHeaderBytes: 32_000,
                    idleTimeout: .seconds(120),
                    headerReadTimeout: .milliseconds(500)
                )
        )
    }

    @Test("lowerCamel keys are accepted everywhere, as in google.api.Service YAML")
    func camelCaseKeys() throws {
        let configuration = try GatewayConfiguration.load(path: Fixtures.path("valid/camel_case.yaml"))

        #expect(configuration.listen == Listener(host: "::", port: 0))
        #expect(configuration.backends[0].connectTimeout == .nanoseconds(100))
        #expect(configuration.cors.allowedOrigins == ["*"])
        #expect(configuration.cors.maxAge == .zero)
        #expect(configuration.limits.maxRequestBodyBytes == 1)
        #expect(configuration.limits.maxResponseMessageBytes == 4_000_000_000)
        #expect(configuration.limits.maxRequestHeaderBytes == 1024)
        #expect(configuration.limits.headerReadTimeout == .microseconds(90))
    }

    @Test("A bracketed IPv6 listen host is stored without brackets")
    func bracketedListenHost() throws {
        let yaml = """
            listen: {host: "[::1]"}
            descriptors: [x.binpb]
            backends: [{name: a, address: "h:1"}]
            routes: [{service: a.A, backend: a}]
            """
        #expect(try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml").listen.host == "::1")
    }

    @Test("An empty optional section keeps its defaults")
    func emptySection() throws {
        let yaml = """
            cors:
            limits:
            descriptors: [x.binpb]
            backends: [{name: a, address: "h:1"}]
            routes: [{service: a.A, backend: a}]
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml")
        #expect(configuration.cors == CORSPolicy())
        #expect(configuration.limits == Limits())
    }

    @Test("Values built in code carry a placeholder location")
    func builtInCode() {
        let configuration = GatewayConfiguration(
            backends: [Backend(name: "a", host: "::1", port: 1)],
            routes: [Route(service: "a.A", backend: "a")]
        )
        #expect(configuration.file == "<code>")
        #expect(configuration.backends[0].location == .unspecified)
        #expect(configuration.backends[0].authority == "[::1]:1")
        #expect(configuration.routes[0].service.location.description == "<code>")
    }
}

/// The CORS origin check used on every cross-origin request.
@Suite("CORS policy")
struct CORSPolicyTests {
    @Test(
        "Exact origins match exactly",
        arguments: [
            ("http://localhost:8000", true),
            ("http://localhost:8001", false),
            ("https://localhost:8000", false),
            ("http://localhost:8000/", false),
            ("HTTP://LOCALHOST:8000", false),
            ("null", false),
        ]
    )
    func exactOrigins(origin: String, allowed: Bool) {
        let policy = CORSPolicy(allowedOrigins: ["http://localhost:8000"])
        #expect(policy.isEnabled)
        #expect(policy.allows(origin: origin) == allowed)
    }

    @Test("A wildcard allows every origin, and no origins turns CORS off")
    func wildcardAndOff() {
        #expect(CORSPolicy(allowedOrigins: ["*"]).allows(origin: "https://anything.example"))
        #expect(!CORSPolicy().isEnabled)
        #expect(!CORSPolicy().allows(origin: "http://localhost:8000"))
    }

    @Test("The gRPC status headers are always exposed")
    func alwaysExposed() {
        #expect(CORSPolicy.alwaysExposedHeaders == ["grpc-status", "grpc-message", "grpc-status-details-bin"])
    }
}

/// Which `cors.allowed_origins` entries the parser accepts.
@Suite("CORS origins in YAML")
struct CORSOriginParsingTests {
    /// A configuration whose only interesting part is one allowed origin.
    static func yaml(origin: String) -> String {
        """
        descriptors: [x.binpb]
        backends: [{name: a, address: "h:1"}]
        routes: [{service: a.A, backend: a}]
        cors: {allowed_origins: ["\(origin)"]}
        """
    }

    @Test(
        "Serialized origins are accepted and lower-cased",
        arguments: [
            ("http://localhost:8000", "http://localhost:8000"),
            ("https://Example.COM", "https://example.com"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://[::1]", "http://[::1]"),
            ("chrome-extension://abc", "chrome-extension://abc"),
        ]
    )
    func accepted(origin: String, stored: String) throws {
        let configuration = try GatewayConfiguration.parse(yaml: Self.yaml(origin: origin), file: "g.yaml")
        #expect(configuration.cors.allowedOrigins == [stored])
    }

    @Test(
        "Anything else is refused",
        arguments: [
            "localhost:8000", "http://", "http://host/", "http://host:", "http://host:x", "http://[::1",
            "http://a b", "null", "1http://x",
        ]
    )
    func refused(origin: String) {
        #expect(throws: ConfigError.self) {
            try GatewayConfiguration.parse(yaml: Self.yaml(origin: origin), file: "g.yaml")
        }
    }
}
