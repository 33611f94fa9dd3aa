/// The `host:port` form of backend addresses, and the host rules shared with `listen.host`.
///
/// Accepted hosts: a DNS name or IPv4 address (`[A-Za-z0-9.-_]+`), or an IPv6 address. In
/// `host:port` an IPv6 address must be bracketed (`[::1]:50051`, RFC 3986 §3.2.2), because its
/// colons would otherwise be read as the port separator. Hosts are returned without brackets.
enum AddressSyntax {
    /// The hint appended to every address error.
    static let advice = "write host:port, such as 127.0.0.1:50051, localhost:50051 or [::1]:50051"

    /// Splits `host:port`.
    /// - Parameter text: The address text.
    /// - Returns: The host (without brackets) and the text after the last colon, or a reason.
    static func split(_ text: String) -> Result<(host: String, port: Substring), Problem> {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(Problem("has '[' without ']'"))
            }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(Problem("has no port after ']'"))
            }
            guard isIPv6(host) else {
                return .failure(Problem("has \"\(host)\" in brackets, which is not an IPv6 address"))
            }
            return .success((host, rest.dropFirst()))
        }
        guard let colon = text.lastIndex(of: ":") else {
            return .failure(Problem("has no port"))
        }
        let host = String(text[..<colon])
        if host.contains(":") {
            return .failure(Problem("looks like an IPv6 address without brackets"))
        }
        guard isHostName(host) else {
            return .failure(Problem("has \"\(host)\", which is not a host name or IPv4 address"))
        }
        return .success((host, text[text.index(after: colon)...]))
    }

    /// Whether the text is a plausible DNS name or IPv4 address (letters, digits, `.`, `-`, `_`).
    static func isHostName(_ host: String) -> Bool {
        !host.isEmpty
            && host.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    return true
                default:
                    return false
                }
            }
    }

    /// Whether the text is shaped like an IPv6 address: hex digits, colons (at least two), and dots
    /// for an embedded IPv4 tail. The kernel does the exact check when it binds or connects.
    static func isIPv6(_ host: String) -> Bool {
        host.utf8.filter { $0 == UInt8(ascii: ":") }.count >= 2
            && host.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "."):
                    return true
                default:
                    return false
                }
            }
    }

    /// Why an address was refused, phrased to follow the quoted address.
    struct Problem: Error {
        /// The reason, e.g. "has no port".
        var reason: String

        /// Creates a reason.
        init(_ reason: String) {
            self.reason = reason
        }
    }
}
