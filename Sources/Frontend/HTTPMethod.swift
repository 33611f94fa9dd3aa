internal import Glibc

/// The request methods the front end serves; any other method is answered 501 by the server.
public enum HTTPMethod: String, Sendable {
    case get = "GET"
    case post = "POST"
    case head = "HEAD"
    case put = "PUT"
    case delete = "DELETE"
    case options = "OPTIONS"
    case patch = "PATCH"

    /// The method spelled by `token` (case-sensitive, RFC 9110 §9.1), nil for any other.
    init?(token: UnsafeRawBufferPointer) {
        // Compared as bytes: building a String per request just to switch on it costs an allocation.
        func matches(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == token.count
                && memcmp(literal.utf8Start, token.baseAddress!, token.count) == 0
        }
        guard token.count >= 3 else { return nil }
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
            return nil
        }
    }
}
