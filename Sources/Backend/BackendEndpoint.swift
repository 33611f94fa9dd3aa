public import Glibc

/// One resolved backend address. Resolved once when configuration is bound (a name lookup
/// never blocks a worker's loop), then shared read-only by every worker.
public struct BackendEndpoint: Sendable, CustomStringConvertible {
    /// The host as configured (used for `:authority` when the client sent no `Host`).
    public let host: String
    /// The port.
    public let port: Int
    /// The socket address bytes (`sockaddr_in` or `sockaddr_in6`).
    let addressBytes: [UInt8]
    let family: Int32

    /// "host:port", as configured.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The value for the `:authority` pseudo-header.
    public var authority: String { description }

    /// Resolves `host` (a literal or a name) to its first address.
    /// - Throws: a message naming the host and the resolver's reason.
    public static func resolve(host: String, port: Int) throws(BackendError) -> BackendEndpoint {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw BackendError("cannot resolve backend host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        let bytes = UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen))
        return BackendEndpoint(host: host, port: port, addressBytes: Array(bytes), family: info.pointee.ai_family)
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
