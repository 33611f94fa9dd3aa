internal import GRPCWire
internal import ProtoJSON
internal import Routing
internal import Schema

/// Encodes one text value from a URL (a path variable or a query parameter) into the wire bytes
/// of the field it names, by decoding it with the same ProtoJSON rules as a body: the value
/// becomes a tiny JSON object (`{"a":{"b":"value"}}` for field path `a.b`) decoded as the request
/// message. So URL values accept exactly what JSON bodies accept (numbers and enums as names or
/// numbers, both base64 alphabets, Timestamp/Duration/FieldMask/wrapper string forms), and errors
/// name the field.
///
/// The result, appended after the body's bytes, overrides or extends it by protobuf's merge rules.
enum FieldEncoding {
    /// - Parameters:
    ///   - value: the decoded text from the URL.
    ///   - path: the field it sets, resolved from `messageIndex` (the request message).
    static func encode(
        _ value: String, at path: ResolvedFieldPath, messageIndex: Int, in pool: DescriptorPool
    ) throws(GRPCStatus) -> [UInt8] {
        var json: [UInt8] = []
        for field in path.fields {
            json.append(contentsOf: "{\"".utf8)
            json.append(contentsOf: field.name.utf8)
            json.append(contentsOf: "\":".utf8)
        }
        let literal = jsonLiteral(value, for: path)
        if path.leaf.isRepeated {
            json.append(UInt8(ascii: "["))
            json.append(contentsOf: literal)
            json.append(UInt8(ascii: "]"))
        } else {
            json.append(contentsOf: literal)
        }
        json.append(contentsOf: repeatElement(UInt8(ascii: "}"), count: path.fields.count))
        do {
            // Strict: an unknown enum name in a URL is an error, not silently dropped as an
            // unknown JSON value would be under the lenient body options.
            var options = ProtoJSONOptions()
            options.ignoreUnknownFields = false
            return try ProtoJSONDecoder(pool: pool, options: options).decode(messageIndex: messageIndex, json: json)
        } catch {
            throw GRPCStatus(.invalidArgument, "\(path.names.joined(separator: ".")): \(error.reason)")
        }
    }

    /// The JSON literal for `value` in a field of this kind: bools and bare numbers for enums
    /// as themselves, everything else as a JSON string (ProtoJSON accepts numbers as strings).
    private static func jsonLiteral(_ value: String, for path: ResolvedFieldPath) -> [UInt8] {
        let leaf = path.leaf
        let isBoolean = leaf.type == .bool || path.leafWellKnownType == .boolValue
        if isBoolean, value == "true" || value == "false" {
            return Array(value.utf8)
        }
        if leaf.type == .enum, !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == UInt8(ascii: "-") }) {
            return Array(value.utf8)
        }
        var text = ""
        ErrorBody.appendJSONString(value, to: &text)
        return Array(text.utf8)
    }
}
