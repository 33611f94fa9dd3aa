public import Glibc

/// A bound, listening TCP socket with `SO_REUSEPORT`, so that each worker thread can own a
/// socket on the same port and the kernel spreads new connections over the workers (no
/// accept-lock and no hand-off between threads).
public struct ListeningSocket: Sendable {
    /// The file descriptor, non-blocking.
    public let descriptor: Int32
    /// The port actually bound (useful when 0 was asked for).
    public let port: Int

    /// How a socket relates to the other workers' sockets.
    public enum Sharing: Sendable {
        /// The only socket on the port (workers share it through ``duplicate()``).
        case exclusive
        /// The first of a `SO_REUSEPORT` group. It binds *before* enabling the option, so a
        /// stale process still listening with `SO_REUSEPORT` makes the bind fail ("address
        /// already in use") instead of silently sharing our traffic.
        case firstOfGroup
        /// A later member of the group started by `firstOfGroup`.
        case joiningGroup
    }

    /// Binds `host:port` (IPv4 or IPv6 literal, or a name resolved once here) and listens.
    /// - Throws: ``ReactorError`` naming the address and the system error.
    public static func bind(host: String, port: Int, sharing: Sharing = .exclusive, backlog: Int32 = 1024) throws(ReactorError) -> ListeningSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw ReactorError("cannot resolve listen address \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }

        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ReactorError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if sharing == .joiningGroup {
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Linux copies TCP_NODELAY to accepted sockets: streamed chunks must not wait for Nagle.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ReactorError("cannot listen on \(host):\(port): \(reason)")
        }
        if sharing == .firstOfGroup {
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ReactorError("listen on \(host):\(port): \(reason)")
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let boundPort = withUnsafeMutablePointer(to: &storage) { pointer -> Int in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        return ListeningSocket(descriptor: fd, port: boundPort)
    }

    /// Another descriptor for the same listening socket, for another worker's loop to accept on
    /// (each loop closes its own descriptor; the kernel hands each connection to one of them).
    public func duplicate() throws(ReactorError) -> ListeningSocket {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw ReactorError("dup of the listening socket: \(String(cString: strerror(errno)))") }
        return ListeningSocket(descriptor: copy, port: port)
    }
}
