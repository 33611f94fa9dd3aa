internal import Synchronization
internal import Testing

@testable internal import Backend

/// Re-resolution with a scripted name server: last good answers survive failures, literals are
/// never looked up, a start-up failure is fatal.
@Suite("Endpoint resolver")
struct EndpointResolverTests {
    /// A name server whose answers a test changes between refreshes; records its lookups.
    /// Literals resolve to themselves, as ``BackendEndpoint/resolve(host:port:)`` does.
    final class ScriptedNameServer: Sendable {
        /// Addresses by host; a missing host fails like NXDOMAIN.
        let answers: Mutex<[String: [String]]>
        let lookups = Mutex<[String]>([])

        init(_ answers: [String: [String]]) {
            self.answers = Mutex(answers)
        }

        func set(_ host: String, _ addresses: [String]?) {
            answers.withLock { $0[host] = addresses }
        }

        var lookup: EndpointResolver.Lookup {
            { (host, port) throws(BackendError) in
                self.lookups.withLock { $0.append(host) }
                if BackendEndpoint.isLiteral(host) {
                    return [BackendEndpoint(host: host, port: port, address: host)!]
                }
                guard let addresses = self.answers.withLock({ $0[host] }) else {
                    throw BackendError("cannot resolve backend host \(host): Name or service not known")
                }
                return BackendEndpoint.canonicalOrder(
                    addresses.map { BackendEndpoint(host: host, port: port, address: $0)! })
            }
        }
    }

    static let orders = EndpointResolver.Entry(host: "orders.internal", port: 50051)

    @Test("Start-up resolves every entry, and a failure there is an error naming the host")
    func start() throws {
        let dns = ScriptedNameServer(["orders.internal": ["10.0.0.2", "10.0.0.1"]])
        let resolver = try EndpointResolver(
            backend: "orders", entries: [Self.orders, .init(host: "10.9.9.9", port: 1)], refreshInterval: .seconds(30),
            lookup: dns.lookup)
        #expect(
            resolver.endpoints.map(\.description) == [
                "orders.internal:50051 (10.0.0.1)", "orders.internal:50051 (10.0.0.2)", "10.9.9.9:1",
            ])
        let error = #expect(throws: BackendError.self) {
            try EndpointResolver(
                backend: "orders", entries: [.init(host: "missing.internal", port: 1)], refreshInterval: .seconds(30),
                lookup: dns.lookup)
        }
        #expect(error?.description.contains("missing.internal") == true)
    }

    @Test("A refresh reports what changed and the new list")
    func change() throws {
        let dns = ScriptedNameServer(["orders.internal": ["10.0.0.1", "10.0.0.2"]])
        var resolver = try EndpointResolver(
            backend: "orders", entries: [Self.orders], refreshInterval: .seconds(30), lookup: dns.lookup)
        let same = resolver.refresh()
        #expect(same.change.isEmpty)
        #expect(same.failures.isEmpty)

        dns.set("orders.internal", ["10.0.0.3", "10.0.0.2"])
        let moved = resolver.refresh()
        #expect(moved.change.added.map(\.address) == ["10.0.0.3"])
        #expect(moved.change.kept.map(\.address) == ["10.0.0.2"])
        #expect(moved.change.retired.map(\.address) == ["10.0.0.1"])
        #expect(moved.endpoints.map(\.address) == ["10.0.0.2", "10.0.0.3"])
        #expect(resolver.endpoints == moved.endpoints)
    }

    @Test("A failed lookup keeps that entry's last good answer and is reported")
    func failureKeepsLastGood() throws {
        let dns = ScriptedNameServer(["orders.internal": ["10.0.0.1"], "billing.internal": ["10.0.1.1"]])
        var resolver = try EndpointResolver(
            backend: "mixed", entries: [Self.orders, .init(host: "billing.internal", port: 7)],
            refreshInterval: .seconds(30), lookup: dns.lookup)
        dns.set("orders.internal", nil)
        dns.set("billing.internal", ["10.0.1.2"])
        let refresh = resolver.refresh()
        #expect(refresh.failures.map(\.entry) == [Self.orders])
        #expect(refresh.failures.first?.reason.contains("Name or service not known") == true)
        #expect(refresh.endpoints.map(\.address) == ["10.0.0.1", "10.0.1.2"], "orders kept, billing moved")
        #expect(refresh.change.retired.map(\.address) == ["10.0.1.1"])

        dns.set("orders.internal", ["10.0.0.5"])
        #expect(resolver.refresh().endpoints.map(\.address) == ["10.0.0.5", "10.0.1.2"], "recovers on success")
    }

    @Test("Literal addresses are never looked up again, and a backend of literals needs no refresh")
    func literals() throws {
        let dns = ScriptedNameServer(["orders.internal": ["10.0.0.9"]])
        var fixed = try EndpointResolver(
            backend: "fixed", entries: [.init(host: "10.0.0.1", port: 1), .init(host: "::1", port: 2)],
            refreshInterval: .seconds(30), lookup: dns.lookup)
        #expect(!fixed.needsRefresh)
        dns.lookups.withLock { $0.removeAll() }
        #expect(fixed.refresh().change.isEmpty)
        #expect(dns.lookups.withLock { $0 }.isEmpty)

        var mixed = try EndpointResolver(
            backend: "mixed", entries: [.init(host: "10.0.0.1", port: 1), Self.orders], refreshInterval: .seconds(30),
            lookup: dns.lookup)
        #expect(mixed.needsRefresh)
        dns.lookups.withLock { $0.removeAll() }
        _ = mixed.refresh()
        #expect(dns.lookups.withLock { $0 } == ["orders.internal"])
    }

    @Test("dns_refresh 0s means resolve once: no refresh is needed")
    func refreshOff() throws {
        let dns = ScriptedNameServer(["orders.internal": ["10.0.0.1"]])
        let resolver = try EndpointResolver(
            backend: "orders", entries: [Self.orders], refreshInterval: .zero, lookup: dns.lookup)
        #expect(!resolver.needsRefresh)
    }

    @Test("An address two entries share is one endpoint only if the entries name the same host")
    func union() throws {
        let dns = ScriptedNameServer(["orders.internal": ["10.0.0.1"]])
        let resolver = try EndpointResolver(
            backend: "orders", entries: [Self.orders, .init(host: "orders.internal", port: 50051)],
            refreshInterval: .seconds(30), lookup: dns.lookup)
        #expect(resolver.endpoints.count == 1)
    }
}
