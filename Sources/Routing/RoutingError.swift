/// Why a template, a rule, a route table, a request path or a query string was refused.
///
/// Errors found at start (a template that does not parse, a field path the request message does not
/// have, two rules that match the same request) stop the gateway: the caller attaches the YAML or
/// `.proto` location it knows and prints ``description``. Errors found per request
/// (``Code/invalidPercentEncoding``, ``Code/unknownQueryParameter``, ``Code/invalidQueryParameter``)
/// become a 400 whose message names the parameter or the offset. ``code`` is stable and compared in
/// tests; ``message`` is for people.
public struct RoutingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The category of the problem.
    public var code: Code
    /// What is wrong, e.g. `unexpected '}' at offset 12`; it names the offset, the field path or
    /// the routes at fault, but not the template or rule (see ``subject``).
    public var message: String
    /// What the error is about: the template text, the rule (`GET /v1/{id} of pkg.Svc.Method`), or
    /// the query parameter name; empty when the message says it all.
    public var subject: String
    /// For template, percent-encoding and query errors: the offset in the input of the character
    /// at fault. Templates that parse are ASCII and a parse error stops at the first non-ASCII
    /// character, so this UTF-8 offset is also the character offset.
    public var offset: Int?
    /// For field errors: the dotted field path at fault (`order.name`).
    public var fieldPath: String?
    /// For ``Code/ambiguousRoutes``: the two routes, as numbered by ``RouteTable/Builder/add(_:_:payload:label:)``
    /// (the route already in the table first), so the caller can name both locations.
    public var routes: [Int]

    /// Creates an error.
    /// - Parameters:
    ///   - code: The category.
    ///   - message: What is wrong.
    ///   - subject: What it is about (template, rule or parameter), if the message does not say.
    ///   - offset: The offset of the character at fault, if any.
    ///   - fieldPath: The dotted field path at fault, if any.
    ///   - routes: The routes at fault, if any.
    public init(
        code: Code,
        message: String,
        subject: String = "",
        offset: Int? = nil,
        fieldPath: String? = nil,
        routes: [Int] = []
    ) {
        self.code = code
        self.message = message
        self.subject = subject
        self.offset = offset
        self.fieldPath = fieldPath
        self.routes = routes
    }

    /// `subject: message`, or the message alone.
    public var description: String {
        subject.isEmpty ? message : "\(subject): \(message)"
    }
}

extension RoutingError {
    /// A stable category for a ``RoutingError``.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The category's name, e.g. `invalid-template`.
        public var name: String

        /// Creates a category; the module's own codes are the static members below.
        /// - Parameter name: The category's stable name.
        public init(_ name: String) {
            self.name = name
        }

        /// The category's name.
        public var description: String { name }

        /// A path template does not follow the grammar of `google/api/http.proto` (protocols.md B5).
        public static let invalidTemplate = Code("invalid-template")
        /// A rule names no pattern, or its custom kind is not an HTTP method token.
        public static let invalidMethod = Code("invalid-method")
        /// A rule is malformed in some other way (additional bindings nested more than one level).
        public static let invalidRule = Code("invalid-rule")
        /// Two routes match the same method and path and no precedence rule tells them apart.
        public static let ambiguousRoutes = Code("ambiguous-routes")
        /// A path variable, `body` or `response_body` names a field the message does not have.
        public static let unknownField = Code("unknown-field")
        /// A path variable, `body` or `response_body` names a field of a kind that cannot be bound
        /// there (a repeated or map field in a path, a step through a scalar, …).
        public static let invalidField = Code("invalid-field")
        /// A query parameter names no field of the request message. The caller decides whether this
        /// is a 400 or ignored (`ignore_unknown_query_parameters`).
        public static let unknownQueryParameter = Code("unknown-query-parameter")
        /// A query parameter names a field that query parameters cannot fill (a message, a map, a
        /// repeated message, or a path through a repeated field).
        public static let invalidQueryParameter = Code("invalid-query-parameter")
        /// A `%` not followed by two hex digits, or an escape that decodes to invalid UTF-8.
        public static let invalidPercentEncoding = Code("invalid-percent-encoding")
    }
}
