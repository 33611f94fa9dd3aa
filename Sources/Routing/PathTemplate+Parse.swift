/// Parsing of path templates.
///
/// The grammar, from `google/api/http.proto`, "Path template syntax" (the copy in
/// `Protos/vendored/google/api/http.proto`, googleapis-common-protos 1.76.0; upstream at a pinned
/// commit: <https://github.com/googleapis/googleapis/blob/9bed6f077867e387960082891ec0e1b8bb254a47/google/api/http.proto#L219-L226>):
///
/// ```
/// Template  = "/" Segments [ Verb ] ;
/// Segments  = Segment { "/" Segment } ;
/// Segment   = "*" | "**" | LITERAL | Variable ;
/// Variable  = "{" FieldPath [ "=" Segments ] "}" ;
/// FieldPath = IDENT { "." IDENT } ;
/// Verb      = ":" LITERAL ;
/// ```
///
/// The spec leaves some terms open; this parser settles them as follows, and says so in its errors:
/// - `IDENT` is a protobuf identifier, `[A-Za-z_][A-Za-z0-9_]*`.
/// - `LITERAL` in a segment is one or more RFC 3986 `pchar`s (unreserved, `%XX`, sub-delims, `@`)
///   other than `:` and `=`: `:` starts the verb, and `=` would be ambiguous inside a variable.
///   A verb's `LITERAL` may also contain `:` (`/v1/{name}:a:b` has the verb `a:b`, as grpc-gateway
///   parses it), but no `/`.
/// - `**` matches zero or more segments and "must be the last part of the URL path except the
///   Verb": it may appear once, as the last segment (inside a variable or not).
/// - "A variable template must not contain other variables": `{a={b}}` is refused.
/// - The same field path may not be bound twice in one template.
/// - `{var}` is the same as `{var=*}`.
///
/// Errors give the offset of the character at fault: `unexpected '}' at offset 12`.
extension PathTemplate {
    /// Parses a template.
    /// - Parameter source: The template, e.g. `/v1/{name=shelves/*/books/*}:publish`.
    /// - Throws: ``RoutingError/Code/invalidTemplate`` naming the offset of the first character at
    ///   fault.
    public init(parsing source: String) throws(RoutingError) {
        var parser = TemplateParser(source)
        self = try parser.parse()
    }
}

/// A recursive-descent parser over the template's UTF-8 bytes, one function per grammar rule.
struct TemplateParser {
    /// The template as written, kept for errors and ``PathTemplate/source``.
    private let source: String
    /// The template's UTF-8 bytes.
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    private var position = 0
    /// The segments parsed so far.
    private var segments: [PathTemplate.Segment] = []
    /// The variables parsed so far.
    private var variables: [PathTemplate.Variable] = []
    /// The offset of the `**` already seen, if any; nothing may follow it but the verb.
    private var deepWildcardOffset: Int?

    /// Creates a parser.
    init(_ source: String) {
        self.source = source
        self.bytes = Array(source.utf8)
    }

    /// `Template = "/" Segments [ Verb ] ;`
    mutating func parse() throws(RoutingError) -> PathTemplate {
        guard !bytes.isEmpty else {
            throw error("a template must not be empty", at: 0)
        }
        guard bytes[0] == UInt8(ascii: "/") else {
            throw error("a template must start with '/' (found \(describe(at: 0)) at offset 0)", at: 0)
        }
        position = 1
        try parseSegments(inVariable: false)
        var verb: String?
        if peek == UInt8(ascii: ":") {
            verb = try parseVerb()
        }
        if position < bytes.count {
            throw unexpected()
        }
        return PathTemplate(source: source, segments: segments, variables: variables, verb: verb)
    }

    /// `Segments = Segment { "/" Segment } ;`
    private mutating func parseSegments(inVariable: Bool) throws(RoutingError) {
        try parseSegment(inVariable: inVariable)
        while peek == UInt8(ascii: "/") {
            position += 1
            try parseSegment(inVariable: inVariable)
        }
    }

    /// `Segment = "*" | "**" | LITERAL | Variable ;`
    private mutating func parseSegment(inVariable: Bool) throws(RoutingError) {
        if let deepWildcardOffset {
            throw error("'**' at offset \(deepWildcardOffset) must be the last segment", at: deepWildcardOffset)
        }
        // An empty segment: the template ends, or '/', ':' or a variable's '}' comes instead.
        guard let byte = peek, byte != UInt8(ascii: "/"), byte != UInt8(ascii: ":"),
            byte != UInt8(ascii: "}") || !inVariable
        else {
            throw error("expected a segment at offset \(position)", at: position)
        }
        switch byte {
        case UInt8(ascii: "*"):
            if peek(at: position + 1) == UInt8(ascii: "*") {
                deepWildcardOffset = position
                segments.append(.deepWildcard)
                position += 2
            } else {
                segments.append(.wildcard)
                position += 1
            }
        case UInt8(ascii: "{"):
            if inVariable {
                throw error("unexpected '{' at offset \(position): variables cannot nest", at: position)
            }
            try parseVariable()
        case _ where Self.isLiteralByte(byte):
            segments.append(.literal(try parseLiteral(allowingColon: false)))
        default:
            throw unexpected()
        }
        // A segment ends at '/', at the verb, at the end of a variable or at the end of the template.
        if let next = peek, next != UInt8(ascii: "/"), next != UInt8(ascii: ":"), next != UInt8(ascii: "}") {
            throw unexpected()
        }
    }

    /// `Variable = "{" FieldPath [ "=" Segments ] "}" ;`
    private mutating func parseVariable() throws(RoutingError) {
        let open = position
        position += 1
        let fieldPath = try parseFieldPath()
        let first = segments.count
        if peek == UInt8(ascii: "=") {
            position += 1
            try parseSegments(inVariable: true)
        } else {
            segments.append(.wildcard)
        }
        guard let close = peek else {
            throw error("'{' at offset \(open) is not closed", at: open)
        }
        guard close == UInt8(ascii: "}") else {
            throw unexpected()
        }
        position += 1
        let dotted = fieldPath.joined(separator: ".")
        if variables.contains(where: { $0.fieldPath == fieldPath }) {
            throw error("field path '\(dotted)' is bound twice (again at offset \(open + 1))", at: open + 1)
        }
        let covered = first..<segments.count
        let isMultiSegment = covered.count > 1 || segments[covered].contains(.deepWildcard)
        variables.append(PathTemplate.Variable(fieldPath: fieldPath, segments: covered, isMultiSegment: isMultiSegment))
    }

    /// `FieldPath = IDENT { "." IDENT } ;`
    private mutating func parseFieldPath() throws(RoutingError) -> [String] {
        var path = [try parseIdentifier()]
        while peek == UInt8(ascii: ".") {
            position += 1
            path.append(try parseIdentifier())
        }
        return path
    }

    /// `IDENT`: a protobuf identifier.
    private mutating func parseIdentifier() throws(RoutingError) -> String {
        let start = position
        guard let first = peek, Self.isIdentifierStart(first) else {
            throw error("expected a field name at offset \(position) (found \(describe(at: position)))", at: position)
        }
        position += 1
        while let byte = peek, Self.isIdentifierStart(byte) || Self.isDigit(byte) {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// `Verb = ":" LITERAL ;`
    private mutating func parseVerb() throws(RoutingError) -> String {
        position += 1
        guard let byte = peek, Self.isLiteralByte(byte) || byte == UInt8(ascii: ":") else {
            throw error("expected a verb at offset \(position) (found \(describe(at: position)))", at: position)
        }
        return try parseLiteral(allowingColon: true)
    }

    /// `LITERAL`: one or more `pchar`s, `%XX` escapes checked.
    private mutating func parseLiteral(allowingColon: Bool) throws(RoutingError) -> String {
        let start = position
        while let byte = peek, Self.isLiteralByte(byte) || (allowingColon && byte == UInt8(ascii: ":")) {
            if byte == UInt8(ascii: "%") {
                guard let high = peek(at: position + 1), PercentDecoding.hexValue(high) != nil,
                    let low = peek(at: position + 2), PercentDecoding.hexValue(low) != nil
                else {
                    throw error("'%' not followed by two hex digits at offset \(position)", at: position)
                }
                position += 3
            } else {
                position += 1
            }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// The byte at the read position, or `nil` at the end.
    private var peek: UInt8? {
        peek(at: position)
    }

    /// The byte at an offset, or `nil` past the end.
    private func peek(at offset: Int) -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    /// The error for the byte at the read position, which no rule accepts there.
    private func unexpected() -> RoutingError {
        guard position < bytes.count else {
            return error("unexpected end of template at offset \(position)", at: position)
        }
        return error("unexpected \(describe(at: position)) at offset \(position)", at: position)
    }

    /// The byte at an offset, quoted, for errors: `'}'`, `end of template`, or `non-ASCII character`.
    private func describe(at offset: Int) -> String {
        guard let byte = peek(at: offset) else {
            return "end of template"
        }
        guard byte >= 0x20, byte < 0x7F else {
            return byte >= 0x80 ? "non-ASCII character" : "control character 0x\(String(byte, radix: 16))"
        }
        return "'\(Character(Unicode.Scalar(byte)))'"
    }

    /// An ``RoutingError/Code/invalidTemplate`` error about this template.
    private func error(_ message: String, at offset: Int) -> RoutingError {
        RoutingError(code: .invalidTemplate, message: message, subject: "path template '\(source)'", offset: offset)
    }

    /// Whether a byte may appear in a segment `LITERAL`: RFC 3986 `pchar` minus `:` (the verb
    /// separator) and `=` (the variable separator). `%` is accepted here and its two hex digits
    /// checked by ``parseLiteral(allowingColon:)``.
    static func isLiteralByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true  // unreserved
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"):
            true  // sub-delims, except '=' and '*' ('*' is the wildcard)
        case UInt8(ascii: "@"), UInt8(ascii: "%"):
            true
        default:
            false
        }
    }

    /// Whether a byte may start an `IDENT` (and continue one).
    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// Whether a byte is an ASCII digit.
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
