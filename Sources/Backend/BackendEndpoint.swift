internal import Glibc

/// One resolved backend address: a configured host (name or literal) and one IP address it
/// resolved to. Resolved off the workers' loops (a name lookup never blocks a worker), then
/// shared read-only by every worker.
///
/// A name with several addresses gives several endpoints with the same `host` and `port`: each is
/// balanced, backed off and health-checked on its own. Two endpoints are equal when host, port and
/// address are, which is what re-resolution compares (see ``EndpointChange``).
public struct BackendEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host as configured (used for `:authority` and TLS server name).
    public let host: String
    /// The port.
    public let port: Int
    /// The socket address bytes (`sockaddr_in` or `sockaddr_in6`).
    let addressBytes: [UInt8]
    let family: Int32
    /// The address in numeric form (`10.0.0.7`, `::1`), for messages.
    public let address: String

    /// Makes an endpoint from a numeric address, or nil if `address` is not an IPv4 or IPv6
    /// literal. No lookup happens.
    init?(host: String, port: Int, address: String) {
        guard (0...65_535).contains(port) else { return nil }
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = UInt16(port).bigEndian
            self.init(host: host, port: port, family: AF_INET, bytes: Self.bytes(of: &v4))
            return
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = UInt16(port).bigEndian
            self.init(host: host, port: port, family: AF_INET6, bytes: Self.bytes(of: &v6))
            return
        }
        return nil
    }

    /// Makes an endpoint from a socket address returned by `getaddrinfo`.
    private init(host: String, port: Int, family: Int32, bytes: [UInt8]) {
        self.host = host
        self.port = port
        self.family = family
        self.addressBytes = bytes
        self.address = Self.numericAddress(family: family, bytes: bytes)
    }

    /// "host:port" as configured, plus the address when the host is a name:
    /// `orders.internal:50051 (10.0.0.7)`. Several endpoints can share one name, and a message
    /// must say which of them failed.
    public var description: String {
        address == host ? authority : "\(authority) (\(address))"
    }

    /// The value for the `:authority` pseudo-header: "host:port" as configured, brackets around
    /// an IPv6 literal.
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether `host` is an IP literal: it resolves to itself, so re-resolving it is pointless.
    public static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Resolves `host` to every address it has, both families.
    ///
    /// A literal IP resolves to itself without a lookup. A name goes through `getaddrinfo`
    /// (blocking: call it on the resolver thread or at start, never on a worker's loop). The
    /// result has no duplicates and a stable order (IPv4 before IPv6, then by address bytes), so
    /// a DNS server that rotates its answers does not look like a change.
    /// - Returns: at least one endpoint.
    /// - Throws: a message naming the host and the resolver's reason (NXDOMAIN, timeout).
    public static func resolve(host: String, port: Int) throws(BackendError) -> [BackendEndpoint] {
        if let literal = BackendEndpoint(host: host, port: port, address: host) {
            return [literal]
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, result != nil else {
            throw BackendError("cannot resolve backend host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var endpoints: [BackendEndpoint] = []
        var next = result
        while let info = next {
            next = info.pointee.ai_next
            let family = info.pointee.ai_family
            guard family == AF_INET || family == AF_INET6, let address = info.pointee.ai_addr else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen)))
            endpoints.append(BackendEndpoint(host: host, port: port, family: family, bytes: bytes))
        }
        guard !endpoints.isEmpty else {
            throw BackendError("cannot resolve backend host \(host): no IPv4 or IPv6 address")
        }
        return canonicalOrder(endpoints)
    }

    /// `endpoints` without duplicates, IPv4 before IPv6, then by address bytes: an order that
    /// does not depend on how the name server happened to order its answer.
    static func canonicalOrder(_ endpoints: [BackendEndpoint]) -> [BackendEndpoint] {
        Array(Set(endpoints)).sorted { first, second in
            if first.family != second.family { return first.family == AF_INET }
            if first.addressBytes != second.addressBytes {
                return first.addressBytes.lexicographicallyPrecedes(second.addressBytes)
            }
            return (first.host, first.port) < (second.host, second.port)
        }
    }

    private static func bytes<Address>(of address: inout Address) -> [UInt8] {
        withUnsafeBytes(of: &address) { Array($0) }
    }

    /// `inet_ntop` of the address inside a `sockaddr_in` / `sockaddr_in6`.
    private static func numericAddress(family: Int32, bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let converted: UnsafePointer<CChar>? = bytes.withUnsafeBytes { raw in
            if family == AF_INET {
                let offset = MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!
                return inet_ntop(AF_INET, raw.baseAddress! + offset, &text, socklen_t(text.count))
            }
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
            return inet_ntop(AF_INET6, raw.baseAddress! + offset, &text, socklen_t(text.count))
        }
        guard converted != nil else { return "?" }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// A failure of the back end that is not a gRPC status: a bad address, a socket that could not
/// be made.
public struct BackendError: Error, CustomStringConvertible, Sendable {
    /// What failed, in words.
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
