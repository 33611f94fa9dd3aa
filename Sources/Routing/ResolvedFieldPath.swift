public import Schema

/// A dotted field path (`order.item.sku`) looked up in a message: one ``FieldSchema`` per step,
/// checked for the place it is used in.
///
/// Path variables are resolved once at start (``HTTPBinding/resolve(_:for:in:)``) so a request never
/// looks a field up by name; query parameters are resolved per request, because their names come
/// from the client. The encoder that turns a value into protobuf bytes (ProtoJSON's
/// `FieldValueEncoder`) walks ``fields``.
public struct ResolvedFieldPath: Sendable, Hashable, CustomStringConvertible {
    /// Where a field path is used; each use allows different leaf fields (protocols.md B5).
    public enum Usage: Sendable, Hashable {
        /// A path template variable: the leaf must be a singular scalar (string, bytes, a number,
        /// bool or enum) — "Path variables must be non-repeated, non-map, primitive fields".
        case pathVariable
        /// A query parameter: the leaf may also be repeated (the parameter repeats), or a well-known
        /// type written as one string (wrappers, `Timestamp`, `Duration`, `FieldMask`). Maps and
        /// repeated messages are refused.
        case queryParameter
    }

    /// The names as written, one per step.
    public var names: [String]
    /// The field of each step; `fields[i]` belongs to the message of `fields[i - 1]` (or to the
    /// root message for `i == 0`).
    public var fields: [FieldSchema] {
        didSet { indices = fields.map(\.index) }
    }
    /// Each step's position in its message's ``MessageSchema/fields``: the path in the form the
    /// ProtoJSON field encoder takes, kept so a request need not look names up again.
    public private(set) var indices: [Int]
    /// When the leaf is a well-known type written as a scalar (query parameters only): which.
    public var leafWellKnownType: WellKnownType?

    /// Creates a resolved path; ``resolve(_:in:pool:usage:)`` is the usual way.
    public init(names: [String], fields: [FieldSchema], leafWellKnownType: WellKnownType? = nil) {
        self.names = names
        self.fields = fields
        self.indices = fields.map(\.index)
        self.leafWellKnownType = leafWellKnownType
    }

    /// The last field, whose value the path sets.
    public var leaf: FieldSchema {
        fields[fields.count - 1]
    }

    /// The dotted path.
    public var description: String {
        names.joined(separator: ".")
    }

    /// The well-known types a single string can set (https://protobuf.dev/programming-guides/json/):
    /// the nine wrappers, `Timestamp` (RFC 3339), `Duration` (`1.5s`) and `FieldMask` (`a.b,c`).
    static func isScalarWellKnownType(_ type: WellKnownType) -> Bool {
        switch type {
        case .timestamp, .duration, .fieldMask: true
        default: type.isWrapper
        }
    }

    /// Resolves a field path in a message.
    ///
    /// Names are looked up as `.proto` names or JSON names (``MessageSchema/field(named:)``).
    /// Every step but the last must be a singular message field; the last must suit `usage`.
    /// - Parameters:
    ///   - names: The path, one name per step (not empty).
    ///   - messageIndex: The root message's index in the pool.
    ///   - pool: The pool.
    ///   - usage: Where the path is used.
    /// - Returns: The resolved path.
    /// - Throws: For a path variable, ``RoutingError/Code/unknownField`` or
    ///   ``RoutingError/Code/invalidField``; for a query parameter,
    ///   ``RoutingError/Code/unknownQueryParameter`` or ``RoutingError/Code/invalidQueryParameter``.
    ///   The error names the dotted path and the message.
    public static func resolve(_ names: [String], in messageIndex: Int, pool: DescriptorPool, usage: Usage)
        throws(RoutingError) -> ResolvedFieldPath
    {
        let dotted = names.joined(separator: ".")
        let unknown: RoutingError.Code = usage == .pathVariable ? .unknownField : .unknownQueryParameter
        let invalid: RoutingError.Code = usage == .pathVariable ? .invalidField : .invalidQueryParameter
        func failure(_ code: RoutingError.Code, _ message: String) -> RoutingError {
            RoutingError(code: code, message: message, fieldPath: dotted)
        }

        var message = pool.message(at: messageIndex)
        var fields: [FieldSchema] = []
        fields.reserveCapacity(names.count)
        for (step, name) in names.enumerated() {
            guard let field = message.field(named: name) else {
                let prefix = step == 0 ? "" : " (in '\(names[..<step].joined(separator: "."))')"
                throw failure(unknown, "field '\(dotted)': \(message.fullName) has no field '\(name)'\(prefix)")
            }
            fields.append(field)
            if step == names.count - 1 {
                break
            }
            guard !field.isRepeated, let next = field.messageIndex else {
                let kind = field.isMap ? "a map" : field.isRepeated ? "a repeated field" : "not a message"
                throw failure(
                    invalid,
                    "field '\(dotted)': '\(name)' in \(message.fullName) is \(kind); "
                        + "only singular message fields can be stepped through"
                )
            }
            message = pool.message(at: next)
        }

        let leaf = fields[fields.count - 1]
        let leafName = names[names.count - 1]
        let leafType = leaf.messageIndex.map { pool.message(at: $0).wellKnownType } ?? nil
        switch usage {
        case .pathVariable:
            guard !leaf.isRepeated, leaf.messageIndex == nil else {
                let kind =
                    leaf.isMap
                    ? "a map" : leaf.isRepeated ? "a repeated field" : "a message (\(leaf.typeName ?? "?"))"
                throw failure(
                    invalid,
                    "field '\(dotted)': '\(leafName)' is \(kind); a path variable must be a singular "
                        + "string, bytes, number, bool or enum field"
                )
            }
            return ResolvedFieldPath(names: names, fields: fields)
        case .queryParameter:
            if leaf.isMap {
                throw failure(invalid, "field '\(dotted)' is a map; maps cannot be set by query parameters")
            }
            guard leaf.messageIndex != nil else {
                return ResolvedFieldPath(names: names, fields: fields)
            }
            if leaf.isRepeated {
                throw failure(
                    invalid,
                    "field '\(dotted)' is a repeated message; it cannot be set by query parameters"
                )
            }
            guard let leafType, isScalarWellKnownType(leafType) else {
                throw failure(
                    invalid,
                    "field '\(dotted)' is a message (\(leaf.typeName ?? "?")); set its fields instead "
                        + "('\(dotted).<field>=…')"
                )
            }
            return ResolvedFieldPath(names: names, fields: fields, leafWellKnownType: leafType)
        }
    }
}
