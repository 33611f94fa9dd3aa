/// The HTTP method a route answers: one named method, or any method.
///
/// `google.api.HttpRule` sets it with `get`, `put`, `post`, `delete`, `patch`, or
/// `custom { kind: … }`, where the kind can be any method (`HEAD`, `OPTIONS`) or `"*"` for every
/// method (protocols.md B5). A route for one named method is preferred over a `*` route with the
/// same path, so `custom { kind: "*" }` works as a fallback and is never ambiguous with a named one.
public enum RouteMethod: Sendable, Hashable, CustomStringConvertible {
    /// Any method (`custom { kind: "*" }`).
    case any
    /// One method, upper-case (`GET`).
    case named(String)

    /// Reads a method as an `HTTPRule` or `custom.kind` writes it.
    ///
    /// Kinds are upper-cased: HTTP methods are case-sensitive (RFC 9110 §9.1) and every registered
    /// one is upper-case, so a config saying `kind: head` means `HEAD`, not a method no client sends.
    /// - Parameter kind: `GET`, `post`, `HEAD`, `*`, …
    /// - Throws: ``RoutingError/Code/invalidMethod`` when the kind is empty (the rule sets no pattern)
    ///   or not an HTTP token (RFC 9110 §5.6.2).
    public init(kind: String) throws(RoutingError) {
        if kind == "*" {
            self = .any
            return
        }
        guard !kind.isEmpty else {
            throw RoutingError(code: .invalidMethod, message: "the rule sets no HTTP method and path")
        }
        guard kind.utf8.allSatisfy(Self.isTokenByte) else {
            throw RoutingError(code: .invalidMethod, message: "'\(kind)' is not an HTTP method")
        }
        self = .named(kind.uppercased())
    }

    /// Whether a request with this method is answered by this route.
    @inline(__always)
    func accepts(_ method: String) -> Bool {
        switch self {
        case .any: true
        case .named(let name): name == method
        }
    }

    /// `GET`, or `*` for any method.
    public var description: String {
        switch self {
        case .any: "*"
        case .named(let name): name
        }
    }

    /// Whether a byte is a `tchar` (RFC 9110 §5.6.2), the characters a method token may use.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
