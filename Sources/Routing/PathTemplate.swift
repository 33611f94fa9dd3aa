/// A parsed `google.api.http` path template: the URL shape a REST request must have to reach a
/// method, and which parts of the path fill which request fields.
///
/// `"/v1/{name=shelves/*/books/*}:publish"` becomes five segments (`v1`, `shelves`, `*`, `books`,
/// `*`), one variable binding field path `name` to segments 1..<5, and the verb `publish`.
/// Parsing is in `PathTemplate+Parse.swift`, whose doc comment holds the grammar; matching is done
/// by ``RouteTable``, which compiles many templates into one trie.
///
/// ```swift
/// let template = try PathTemplate(parsing: "/v1/{name=shelves/*}/books")
/// template.segments   // [.literal("v1"), .literal("shelves"), .wildcard, .literal("books")]
/// template.variables  // [Variable(fieldPath: ["name"], segments: 1..<3)]
/// ```
public struct PathTemplate: Sendable, Hashable, CustomStringConvertible {
    /// One path segment of a template (protocols.md B5).
    public enum Segment: Sendable, Hashable, CustomStringConvertible {
        /// Matches exactly this text, compared with the request's segment as it was sent (still
        /// percent-encoded, as http.proto asks: "If the LITERAL contains any reserved character,
        /// such characters should be percent-encoded before the matching").
        case literal(String)
        /// `*`: exactly one segment.
        case wildcard
        /// `**`: zero or more segments; only ever the last segment.
        case deepWildcard

        /// The segment as a template writes it.
        public var description: String {
            switch self {
            case .literal(let text): text
            case .wildcard: "*"
            case .deepWildcard: "**"
            }
        }
    }

    /// A `{field.path=segments}` variable: the request segments it matches fill one request field.
    public struct Variable: Sendable, Hashable, CustomStringConvertible {
        /// The field path, one name per step (`["order", "name"]` for `{order.name}`).
        public var fieldPath: [String]
        /// The template segments the variable covers (`{name}` covers one `*` segment). When the
        /// range ends with a ``Segment/deepWildcard``, the variable takes every remaining request
        /// segment.
        public var segments: Range<Int>
        /// Whether the variable can match more than one request segment (it covers several template
        /// segments, or a `**`): such values keep `%2F` encoded (protocols.md B5, ``PercentDecoding``).
        public var isMultiSegment: Bool

        /// Creates a variable.
        /// - Parameters:
        ///   - fieldPath: The field path, one name per step.
        ///   - segments: The template segments covered.
        ///   - isMultiSegment: Whether it can match more than one request segment.
        public init(fieldPath: [String], segments: Range<Int>, isMultiSegment: Bool) {
            self.fieldPath = fieldPath
            self.segments = segments
            self.isMultiSegment = isMultiSegment
        }

        /// The dotted field path (`order.name`).
        public var dottedFieldPath: String {
            fieldPath.joined(separator: ".")
        }

        /// `order.name@1..<3`, for test failures.
        public var description: String {
            "\(dottedFieldPath)@\(segments.lowerBound)..<\(segments.upperBound)"
        }
    }

    /// The template as written.
    public var source: String
    /// The path segments in order; variables are recorded separately in ``variables``.
    public var segments: [Segment]
    /// The variables in the order they appear.
    public var variables: [Variable]
    /// The custom verb after the last segment (`publish` for `…:publish`), or `nil`.
    public var verb: String?

    /// Creates a template from parts; ``init(parsing:)`` is the usual way.
    /// - Parameters:
    ///   - source: The text the template came from.
    ///   - segments: The segments.
    ///   - variables: The variables.
    ///   - verb: The verb, if any.
    public init(source: String, segments: [Segment], variables: [Variable], verb: String?) {
        self.source = source
        self.segments = segments
        self.variables = variables
        self.verb = verb
    }

    /// Whether the last segment is `**`, so the template matches any number of trailing segments.
    public var endsWithDeepWildcard: Bool {
        segments.last == .deepWildcard
    }

    /// The template in canonical form: every variable written `{path=segments}` (so `{name}` reads
    /// `{name=*}`). Two templates with the same canonical form match the same requests and bind the
    /// same fields.
    public var canonical: String {
        var text = ""
        var variableIndex = 0
        var position = 0
        while position < segments.count {
            text += "/"
            if variableIndex < variables.count, variables[variableIndex].segments.lowerBound == position {
                let variable = variables[variableIndex]
                let inner = segments[variable.segments].map(\.description).joined(separator: "/")
                text += "{\(variable.dottedFieldPath)=\(inner)}"
                position = variable.segments.upperBound
                variableIndex += 1
            } else {
                text += segments[position].description
                position += 1
            }
        }
        if let verb {
            text += ":\(verb)"
        }
        return text
    }

    /// The template as written.
    public var description: String {
        source
    }
}
