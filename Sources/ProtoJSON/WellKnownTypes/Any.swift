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

extension DecoderRun {
    /// Reads an Any: finds `@type` first (it may come last), resolves it in the pool, then writes
    /// `type_url` (field 1) and the packed message (field 2) from the other members, or from
    /// `value` when the packed type is a well-known type with a special JSON form. `{}` is an empty
    /// Any.
    mutating func anyValue() throws(ProtoJSONError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw mismatch("an object for Any")
        }
        let start = scanner.position
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) {
            return
        }
        // Pass 1: find @type.
        var typeURL: [UInt8]?
        repeat {
            let key = try scanner.readString()
            try scanner.expect(UInt8(ascii: ":"), "':'")
            if keyText(key) == "@type" {
                guard scanner.peek() == UInt8(ascii: "\"") else {
                    throw ProtoJSONError(fieldPath: "@type", reason: "expected a string, got \(scanner.excerpt())")
                }
                var url: [UInt8] = []
                try scanner.decodeString(try scanner.readString(), into: &url)
                typeURL = url
            } else {
                try scanner.skipValue(depth: options.maxDepth - depth)
            }
        } while try scanner.nextItem(closing: UInt8(ascii: "}"))
        let end = scanner.position
        guard let typeURL else {
            throw ProtoJSONError(reason: "@type is missing from an Any")
        }
        let url = String(decoding: typeURL, as: UTF8.self)
        let typeName = url.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? url
        guard !typeName.isEmpty, let index = tables.pool.messageIndex(named: typeName) else {
            throw ProtoJSONError(
                fieldPath: "@type",
                reason: "cannot resolve Any type \"\(url)\": not in the descriptor pool"
            )
        }
        out.append(0x0A)
        WireWriter.appendVarint(UInt64(typeURL.count), to: &out)
        out.append(contentsOf: typeURL)
        out.append(0x12)
        let body = WireWriter.beginLengthDelimited(&out)
        // Pass 2: the packed message.
        scanner.position = start
        if let wellKnownType = tables.messages[index].wellKnownType, wellKnownType != .empty {
            scanner.position += 1
            var found = false
            repeat {
                let key = try scanner.readString()
                try scanner.expect(UInt8(ascii: ":"), "':'")
                if keyText(key) == "value" {
                    do {
                        try messageValue(index)
                    } catch {
                        throw error.prefixed(with: "value")
                    }
                    found = true
                } else {
                    try scanner.skipValue(depth: options.maxDepth - depth)
                }
            } while try scanner.nextItem(closing: UInt8(ascii: "}"))
            guard found else {
                throw ProtoJSONError(reason: "an Any holding \(typeName) needs a \"value\" member")
            }
        } else {
            depth += 1
            defer { depth -= 1 }
            guard depth <= options.maxDepth else {
                throw ProtoJSONError(reason: "message nesting exceeds the limit of \(options.maxDepth)")
            }
            try objectFields(index, isAny: true)
        }
        scanner.position = end
        WireWriter.endLengthDelimited(body, to: &out)
    }
}
