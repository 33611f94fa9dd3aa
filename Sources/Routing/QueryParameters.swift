public import Schema

/// The parameters of a request's query string, decoded, and their resolution to request fields.
///
/// `google/api/http.proto`: fields not bound by the path or the body "are passed via the URL query
/// parameters, and the parameter name is the field path in the request message. A repeated field
/// can be represented as multiple query parameters under the same name." (protocols.md B5).
///
/// Parsing follows `application/x-www-form-urlencoded` as browsers and curl write it: pairs split
/// at `&`, name and value at the first `=`, `+` is a space, then `%XX` is decoded (every escape,
/// like a single-segment path variable). Empty pairs (`a=1&&b=2`) and pairs with an empty name
/// (`=x`) are skipped, as grpc-httpjson-transcoding does; a name without `=` (`?flag`) has the value
/// `""`. Values are not converted to protobuf here: the ProtoJSON module's `FieldValueEncoder` does
/// that from ``Assignment/field`` and ``Assignment/value``.
///
/// ```swift
/// let query = try QueryParameters(parsing: "order.status=STATUS_OPEN&tags=1&tags=2")
/// let assignments = try query.resolve(against: method.inputIndex, in: pool)
/// // [order.status=STATUS_OPEN, tags=1, tags=2], each with its resolved field chain
/// ```
public struct QueryParameters: Sendable, Hashable {
    /// One `name=value` pair, decoded.
    public struct Parameter: Sendable, Hashable, CustomStringConvertible {
        /// The decoded name (`order.status`).
        public var name: String
        /// The decoded value.
        public var value: String

        /// Creates a parameter.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// The name as a field path, split at `.`.
        public var fieldPath: [String] {
            name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        }

        /// `name=value`.
        public var description: String {
            "\(name)=\(value)"
        }
    }

    /// A query parameter resolved to the request field it sets.
    public struct Assignment: Sendable, Hashable, CustomStringConvertible {
        /// The field the value goes into.
        public var field: ResolvedFieldPath
        /// The decoded value, as text.
        public var value: String

        /// Creates an assignment.
        public init(field: ResolvedFieldPath, value: String) {
            self.field = field
            self.value = value
        }

        /// `path=value`.
        public var description: String {
            "\(field)=\(value)"
        }
    }

    /// What to do with a parameter that names no field of the request message.
    public enum UnknownParameterPolicy: Sendable, Hashable {
        /// Refuse the request (the default, issue 4: "Unknown query parameter → 400").
        case reject
        /// Skip unknown parameters named here (`ignored_query_parameters`), refuse others.
        case ignore(Set<String>)
        /// Skip every unknown parameter (`ignore_unknown_query_parameters`).
        case ignoreAll
    }

    /// The parameters in the order they were written.
    public var parameters: [Parameter]

    /// Creates a parameter list.
    public init(_ parameters: [Parameter]) {
        self.parameters = parameters
    }

    /// Parses a raw query string.
    /// - Parameter query: The query, without the leading `?` (a leading `?` is tolerated).
    /// - Throws: ``RoutingError/Code/invalidPercentEncoding`` for a bad escape, with its offset in
    ///   `query`.
    public init(parsing query: some StringProtocol) throws(RoutingError) {
        var text = String(query)
        let result = text.withUTF8 { buffer in
            Result { () throws(RoutingError) -> [Parameter] in
                try Self.parse(buffer)
            }
        }
        self.parameters = try result.get()
    }

    /// Splits and decodes the pairs.
    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(RoutingError) -> [Parameter] {
        var parameters: [Parameter] = []
        var start = buffer.first == UInt8(ascii: "?") ? 1 : 0
        while start < buffer.count {
            var end = start
            var equals = -1
            while end < buffer.count, buffer[end] != UInt8(ascii: "&") {
                if equals < 0, buffer[end] == UInt8(ascii: "=") {
                    equals = end
                }
                end += 1
            }
            let nameEnd = equals >= 0 ? equals : end
            if nameEnd > start {
                let name = try decode(buffer[start..<nameEnd])
                let value = equals >= 0 ? try decode(buffer[(equals + 1)..<end]) : ""
                parameters.append(Parameter(name: name, value: value))
            }
            start = end + 1
        }
        return parameters
    }

    /// Decodes a name or value, turning the error's offset into one within the whole query.
    private static func decode(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) throws(RoutingError) -> String {
        do throws(RoutingError) {
            return try PercentDecoding.decode(bytes, mode: .all, plusIsSpace: true)
        } catch {
            var error = error
            if let offset = error.offset {
                error.offset = offset + bytes.startIndex
                error.message = "'%' not followed by two hex digits at offset \(offset + bytes.startIndex)"
            }
            error.subject = "query string"
            throw error
        }
    }

    /// Resolves every parameter to the request field it sets.
    ///
    /// Each name is a field path in the request message (`.proto` or JSON names,
    /// ``ResolvedFieldPath/Usage/queryParameter``): nested through singular message fields, ending
    /// at a scalar, a repeated scalar (each occurrence is one element), an enum, or a well-known
    /// scalar type (wrappers, `Timestamp`, `Duration`, `FieldMask`). Whether a path-bound field or
    /// `body: "*"` overrides a parameter is the caller's rule (B5); this only resolves.
    /// - Parameters:
    ///   - messageIndex: The request message's index in the pool.
    ///   - pool: The pool.
    ///   - unknown: What to do with a name that is no field.
    /// - Returns: One assignment per parameter kept, in order.
    /// - Throws: ``RoutingError/Code/unknownQueryParameter`` (unless ignored) or
    ///   ``RoutingError/Code/invalidQueryParameter``, with ``RoutingError/subject`` naming the
    ///   parameter.
    public func resolve(against messageIndex: Int, in pool: DescriptorPool, unknown: UnknownParameterPolicy = .reject)
        throws(RoutingError) -> [Assignment]
    {
        var assignments: [Assignment] = []
        assignments.reserveCapacity(parameters.count)
        for parameter in parameters {
            do throws(RoutingError) {
                let field = try ResolvedFieldPath.resolve(
                    parameter.fieldPath,
                    in: messageIndex,
                    pool: pool,
                    usage: .queryParameter
                )
                assignments.append(Assignment(field: field, value: parameter.value))
            } catch {
                if error.code == .unknownQueryParameter {
                    switch unknown {
                    case .ignoreAll:
                        continue
                    case .ignore(let names) where names.contains(parameter.name):
                        continue
                    case .ignore, .reject:
                        break
                    }
                }
                var error = error
                error.subject = "query parameter '\(parameter.name)'"
                throw error
            }
        }
        return assignments
    }
}
