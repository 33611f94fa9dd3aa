public import Schema

/// Encodes one string value, from a URL path variable or a query parameter, as the wire bytes of a
/// field reached through a path of fields (google/api/http.proto, `HttpRule`: path template
/// variables and query parameters; Protos/vendored/google/api/http.proto).
///
/// Protobuf merges on concatenation (https://protobuf.dev/programming-guides/encoding/#last-one-wins):
/// a later scalar replaces an earlier one, sub-messages merge field by field, repeated fields
/// append. So appending these bytes after a request body's wire bytes makes the path-bound field
/// win over the body with no message tree. For that, every value is written explicitly, even a
/// default (`0`, `""`, a Timestamp's zero nanos), since a left-out field would let the body's value
/// survive the merge. Repeated fields, `FieldMask` included, append rather than replace.
///
/// Strings are taken as they are (already percent-decoded); every other type uses its ProtoJSON
/// string form: numbers in decimal (exponent forms allowed), `NaN`/`Infinity` for floats, enum
/// names or numbers, `true`/`false` (also `1`/`0`, `t`/`f`, as grpc-gateway's `strconv.ParseBool`),
/// base64 in either alphabet for bytes, RFC 3339 Timestamps, `1.5s` Durations, lowerCamel
/// FieldMasks, and the wrapped value for wrapper types.
///
/// ```swift
/// let values = FieldValueEncoder(pool: pool)
/// let path = try values.resolve(messageIndex: request, path: "order.id")
/// try values.encode(messageIndex: request, fieldPath: path, value: "o-42", into: &wire)
/// ```
public struct FieldValueEncoder: Sendable {
    /// The schema.
    public let pool: DescriptorPool
    /// The pool laid out for the codec.
    let tables: CodecTables

    /// Creates an encoder for a pool.
    public init(pool: DescriptorPool) {
        self.pool = pool
        self.tables = CodecTables(pool: pool)
    }

    /// Creates an encoder that shares a codec's tables (see ``ProtoJSONCodec``).
    init(tables: CodecTables) {
        self.pool = tables.pool
        self.tables = tables
    }

    /// Resolves a dotted field path (`order.item_id` or `order.itemId`) to field indices, one per
    /// component, each an index into the ``MessageSchema/fields`` of the message before it.
    /// - Throws: When a name is unknown or a non-final component is not a singular message.
    public func resolve(messageIndex: Int, path: String) throws(ProtoJSONError) -> [Int] {
        try resolve(
            messageIndex: messageIndex,
            names: path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        )
    }

    /// Resolves field names (proto or JSON names) to field indices.
    public func resolve(messageIndex: Int, names: [String]) throws(ProtoJSONError) -> [Int] {
        var indices: [Int] = []
        var current = messageIndex
        for (position, name) in names.enumerated() {
            let table = tables.messages[current]
            // Only an error needs the path so far: joining it per component costs allocations.
            var prefix: String { names[..<position].joined(separator: ".") }
            guard let index = table.names.lookup(name) else {
                throw ProtoJSONError(
                    fieldPath: prefix.isEmpty ? name : prefix + "." + name,
                    reason: "unknown field of \(table.fullName)"
                )
            }
            indices.append(index)
            let field = table.fields[index]
            if position < names.count - 1 {
                guard field.kind == .message && !field.isRepeated else {
                    throw ProtoJSONError(
                        fieldPath: prefix.isEmpty ? name : prefix + "." + name,
                        reason: "only a singular message field can have sub-fields in a path"
                    )
                }
                current = field.messageIndex
            }
        }
        return indices
    }

    /// Appends the wire bytes that set the field at `fieldPath` to `value`.
    /// - Parameters:
    ///   - messageIndex: The message the path starts from (the request type).
    ///   - fieldPath: Field indices from ``resolve(messageIndex:path:)``.
    ///   - value: The string value.
    ///   - output: Where the bytes are appended.
    /// - Throws: ``ProtoJSONError`` naming the path when the value does not fit the field's type.
    public func encode(
        messageIndex: Int,
        fieldPath: [Int],
        value: String,
        into output: inout [UInt8]
    ) throws(ProtoJSONError) {
        precondition(!fieldPath.isEmpty, "a field path has at least one field")
        // The enclosing fields are collected only for a nested path: most paths have one field,
        // and this runs per request for every path variable and query parameter.
        var fields: [FieldTable] = []
        var last = tables.messages[messageIndex].fields[fieldPath[0]]
        if fieldPath.count > 1 {
            fields.append(last)
            for index in fieldPath.dropFirst() {
                last = tables.messages[last.messageIndex].fields[index]
                fields.append(last)
            }
        }
        var pathNames: String { (fields.isEmpty ? [last] : fields).map(\.jsonName).joined(separator: ".") }
        guard !last.isMap else {
            throw ProtoJSONError(
                fieldPath: pathNames,
                reason: "a map field cannot take a single value"
            )
        }
        let json = jsonText(for: value, field: last)
        let options = ProtoJSONOptions(ignoreUnknownFields: false)
        let encoded: [UInt8]
        do {
            encoded = try withRawBytes(json) { (buffer) throws(ProtoJSONError) -> [UInt8] in
                var run = DecoderRun(tables: tables, options: options, source: buffer)
                run.explicitDefaults = true
                if last.kind == .message {
                    try run.nestedMessage(last)
                } else if last.kind == .group {
                    try run.group(last)
                } else {
                    _ = try run.scalar(last, writeTag: true, skipDefault: false)
                }
                guard run.scanner.isAtEnd() else {
                    throw ProtoJSONError(reason: "unexpected text after the value")
                }
                return run.out
            }
        } catch {
            throw ProtoJSONError(
                fieldPath: pathNames,
                reason: error.reason
            )
        }
        // Wrap in the enclosing messages, innermost first.
        var bytes = encoded
        for field in fields.dropLast().reversed() {
            var wrapped: [UInt8] = []
            WireWriter.appendTag(number: field.number, wireType: 2, to: &wrapped)
            WireWriter.appendVarint(UInt64(bytes.count), to: &wrapped)
            wrapped.append(contentsOf: bytes)
            bytes = wrapped
        }
        output.append(contentsOf: bytes)
    }

    /// Resolves `path` and encodes `value`; see ``encode(messageIndex:fieldPath:value:into:)``.
    public func encode(
        messageIndex: Int,
        path: String,
        value: String,
        into output: inout [UInt8]
    ) throws(ProtoJSONError) {
        let fieldPath = try resolve(messageIndex: messageIndex, path: path)
        try encode(messageIndex: messageIndex, fieldPath: fieldPath, value: value, into: &output)
    }

    /// The JSON text the decoder reads for a string value: a quoted string for every type but bool
    /// (a literal, from the forms `strconv.ParseBool` takes).
    private func jsonText(for value: String, field: FieldTable) -> [UInt8] {
        var isBool = field.kind == .bool
        if field.kind == .message, tables.messages[field.messageIndex].wellKnownType == .boolValue {
            isBool = true
        }
        if isBool {
            switch value {
            case "true", "True", "TRUE", "t", "T", "1": return Array("true".utf8)
            case "false", "False", "FALSE", "f", "F", "0": return Array("false".utf8)
            default: return JSONWriter.quoted(value)  // rejected by the decoder, with the value shown
            }
        }
        return JSONWriter.quoted(value)
    }
}
