internal import Testing

@testable internal import Config

/// What a reload may not change: the settings a running gateway spent at start.
@Suite("Settings fixed at start")
struct RestartRequiredChangesTests {
    private func configuration(_ change: (inout GatewayConfiguration) -> Void = { _ in }) -> GatewayConfiguration {
        var configuration = GatewayConfiguration(
            listen: Listener(host: "127.0.0.1", port: 8080), workers: 2, file: "gateway.yaml")
        configuration.admin = AdminListener(host: "127.0.0.1", port: 9901)
        change(&configuration)
        return configuration
    }

    @Test("An identical configuration, or one that changes only reloadable settings, may be reloaded")
    func reloadable() {
        let running = configuration()
        #expect(running.restartRequiredChanges(from: running).isEmpty)
        let changed = configuration {
            $0.routes = [Route(service: "a.B", backend: "x")]
            $0.cors = CORSPolicy(allowedOrigins: ["http://example.com"])
            $0.limits.maxResponseMessageBytes = 1 << 20
            $0.limits.drainTimeout = .seconds(3)
            $0.accessLog = AccessLog(path: "/tmp/access.log")
        }
        #expect(changed.restartRequiredChanges(from: running).isEmpty)
    }

    @Test("Each setting fixed at start is named with its old and new values, in file order; max_request_body is not one")
    func fixed() {
        let running = configuration()
        let changed = configuration {
            $0.listen.port = 9090
            $0.listen.reusePort = true
            $0.workers = 4
            $0.limits.maxRequestBodyBytes = 1024
            $0.limits.maxConnections = 10
            $0.limits.idleTimeout = .seconds(5)
            $0.admin = nil
        }
        #expect(
            changed.restartRequiredChanges(from: running) == [
                "listen.port changed from 8080 to 9090",
                "listen.reuse_port changed from false to true",
                "workers changed from 2 to 4",
                "limits.max_connections changed from 50000 to 10",
                "limits.idle_timeout changed from 60.0 seconds to 5.0 seconds",
                "admin changed from 127.0.0.1:9901 to none",
            ])
    }

    @Test("The front end's TLS files and the remaining limits count too")
    func tlsAndLimits() {
        let running = configuration()
        let changed = configuration {
            $0.listen.host = "0.0.0.0"
            $0.listen.tls = ServerTLS(certificateFile: "/c.pem", keyFile: "/k.pem")
            $0.limits.maxRequestHeaderBytes = 8192
            $0.limits.headerReadTimeout = .seconds(1)
        }
        #expect(
            changed.restartRequiredChanges(from: running) == [
                "listen.host changed from 127.0.0.1 to 0.0.0.0",
                "listen.tls changed from none to cert_file /c.pem, key_file /k.pem",
                "limits.max_request_headers changed from 16384 bytes to 8192 bytes",
                "limits.header_read_timeout changed from 10.0 seconds to 1.0 seconds",
            ])
    }
}
