internal import Glibc

/// A request method. Any token is one (RFC 9110 §9.1): besides the standard ones, an HttpRule's
/// `custom` kind (PURGE, say) reaches the router like any other.
public struct HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    /// The method as sent (methods are case-sensitive).
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")
    public static let patch = HTTPMethod(rawValue: "PATCH")

    public var description: String { rawValue }

    /// The method spelled by `token` (already checked to be a token). The common ones are
    /// compared as bytes and share their constant, so most requests build no String for it.
    init(token: UnsafeRawBufferPointer) {
        func matches(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == token.count && memcmp(literal.utf8Start, token.baseAddress!, token.count) == 0
        }
        if matches("GET") {
            self = .get
        } else if matches("POST") {
            self = .post
        } else if matches("PUT") {
            self = .put
        } else if matches("DELETE") {
            self = .delete
        } else if matches("PATCH") {
            self = .patch
        } else if matches("HEAD") {
            self = .head
        } else if matches("OPTIONS") {
            self = .options
        } else {
            self = HTTPMethod(rawValue: String(decoding: token, as: UTF8.self))
        }
    }
}
