internal import Testing

@testable internal import Config

/// The `backends:` keys for several endpoints, balancing, keepalive, health checks and windows.
@Suite("Backend configuration")
struct BackendConfigurationTests {
    @Test("A single address gets the documented defaults")
    func defaults() throws {
        let yaml = """
            descriptors: [x.binpb]
            backends: [{name: b, address: "127.0.0.1:1"}]
            routes: [{service: a.S, backend: b}]
            """
        let backend = try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml").backends[0]
        #expect(backend.endpoints == [Backend.Endpoint(host: "127.0.0.1", port: 1)])
        #expect(backend.balancing == .roundRobin)
        #expect(backend.dnsRefresh == .seconds(30))
        #expect(backend.maxConcurrentCalls == 10_000)
        #expect(backend.keepalive == Backend.Keepalive(interval: .seconds(300), timeout: .seconds(20)))
        #expect(backend.healthCheck == nil)
        #expect(backend.tls == nil)
        #expect(backend.streamWindow == 1 << 20)
        #expect(backend.connectionWindow == 16 << 20)
    }

    @Test("Several endpoints, a policy, keepalive, health checks and windows are read as written")
    func everything() throws {
        let yaml = """
            descriptors: [x.binpb]
            backends:
              - name: b
                endpoints: ["127.0.0.1:1", "[::1]:2", "orders.internal:3"]
                balancing: least_request
                maxConcurrentCalls: 50
                keepalive: {interval: 10s, timeout: 1s}
                health_check: {interval: 500ms, timeout: 250ms, unhealthy_threshold: 3, healthy_threshold: 2, service: orders}
                stream_window: 256KiB
                connection_window: 8MiB
            routes: [{service: a.S, backend: b}]
            """
        let backend = try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml").backends[0]
        #expect(backend.endpoints.map(\.description) == ["127.0.0.1:1", "[::1]:2", "orders.internal:3"])
        #expect(backend.balancing == .leastRequest)
        #expect(backend.maxConcurrentCalls == 50)
        #expect(backend.keepalive == Backend.Keepalive(interval: .seconds(10), timeout: .seconds(1)))
        #expect(
            backend.healthCheck
                == Backend.HealthCheck(
                    interval: .milliseconds(500), timeout: .milliseconds(250), unhealthyThreshold: 3, healthyThreshold: 2,
                    service: "orders"))
        #expect(backend.streamWindow == 256 * 1024)
        #expect(backend.connectionWindow == 8 << 20)
    }

    @Test(
        "dns_refresh is read as written, in either spelling; 0s means resolve once at start",
        arguments: [
            ("dns_refresh: 5m", Duration.seconds(300)),
            ("dns_refresh: 250ms", .milliseconds(250)),
            ("dnsRefresh: 10s", .seconds(10)),
            ("dns_refresh: 0s", .zero),
        ])
    func dnsRefresh(line: String, expected: Duration) throws {
        let yaml = """
            descriptors: [x.binpb]
            backends:
              - name: b
                address: "orders.internal:50051"
                \(line)
            routes: [{service: a.S, backend: b}]
            """
        let backend = try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml").backends[0]
        #expect(backend.dnsRefresh == expected)
    }
}
