internal import Schema

/// `google.protobuf.Any` (https://protobuf.dev/programming-guides/json/, "Any"): the packed
/// message's JSON object with `"@type"` first, or, when the packed type has a special JSON form
/// (a well-known type), `{"@type": url, "value": <that form>}`. The type is found in the pool by
/// the last `/`-separated segment of the URL.
///
/// Wire layout: `string type_url = 1; bytes value = 2;`.
extension EncoderRun {
    /// Writes an Any, resolving its type through the pool.
    mutating func any(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        var typeURL = 0..<0
        var value = 0..<0
        try WireFields.forEach(source, range) { (number, wireType, body) throws(ProtoJSONError) in
            if number == 1 && wireType == 2 {
                typeURL = body
            } else if number == 2 && wireType == 2 {
                value = body
            }
        }
        if typeURL.isEmpty && value.isEmpty {
            writer.raw("{}")
            return
        }
        try UTF8Validation.validate(source, typeURL)
        let url = WireFields.string(source, typeURL)
        let typeName = url.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? url
        writer.open(UInt8(ascii: "{"))
        var first = true
        writer.member(first: &first, quotedKey: Array("\"@type\"".utf8))
        writer.string(url)
        guard let index = tables.pool.messageIndex(named: typeName), !typeName.isEmpty else {
            guard unresolvedAnyAsBase64 else {
                throw ProtoJSONError(reason: "cannot resolve Any type \"\(url)\": not in the descriptor pool")
            }
            writer.member(first: &first, quotedKey: Array("\"value\"".utf8))
            writer.bytes.append(UInt8(ascii: "\""))
            Base64.encode(source, value, to: &writer.bytes)
            writer.bytes.append(UInt8(ascii: "\""))
            writer.close(UInt8(ascii: "}"), empty: false)
            return
        }
        if let wellKnownType = tables.messages[index].wellKnownType, wellKnownType != .empty {
            writer.member(first: &first, quotedKey: Array("\"value\"".utf8))
            try message(index, source, value)
        } else {
            depth += 1
            defer { depth -= 1 }
            try fields(index, source, value, first: &first)
        }
        writer.close(UInt8(ascii: "}"), empty: false)
    }
}
