internal import Schema

/// `google.protobuf.Struct`, `Value`, `ListValue` and `NullValue`
/// (https://protobuf.dev/programming-guides/json/, "Struct", "Value", "ListValue", "NullValue"):
/// arbitrary JSON carried in protobuf. Struct is an object, ListValue an array, Value any JSON value
/// (an unset Value prints as `null`, as the reference does), NullValue is `null`.
///
/// Wire layout (google/protobuf/struct.proto): Struct `map<string, Value> fields = 1`; Value
/// `oneof kind { NullValue null_value = 1; double number_value = 2; string string_value = 3;
/// bool bool_value = 4; Struct struct_value = 5; ListValue list_value = 6; }`; ListValue
/// `repeated Value values = 1`.
enum StructLayout {
    /// Value's oneof members by field number.
    static let nullValue = 1, numberValue = 2, stringValue = 3, boolValue = 4, structValue = 5, listValue = 6
}

extension EncoderRun {
    /// Writes a Struct as a JSON object, entries in wire order, the last of a repeated key winning.
    mutating func structObject(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        guard let structIndex = tables.structIndex else {
            throw ProtoJSONError(reason: "google.protobuf.Struct is not in the pool")
        }
        let table = tables.messages[structIndex]
        let base = occurrences.count
        defer { occurrences.removeSubrange(base...) }
        try scan(table, source, range)
        let position = table.fieldPosition(number: 1)
        guard position >= 0 else {
            throw ProtoJSONError(reason: "google.protobuf.Struct has no field 1")
        }
        try map(table.fields[position], source, base..<occurrences.count)
    }

    /// Writes a Value as the JSON value it holds.
    mutating func value(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        var kind = 0
        var body = 0..<0
        try WireFields.forEach(source, range) { (number, wireType, value) throws(ProtoJSONError) in
            switch (number, wireType) {
            case (1, 0), (2, 1), (3, 2), (4, 0), (5, 2), (6, 2):
                kind = number
                body = value
            default:
                break
            }
        }
        switch kind {
        case StructLayout.numberValue:
            let number = Double(bitPattern: try WireFields.fixed64(source, body))
            guard number.isFinite else {
                throw ProtoJSONError(reason: "a Value's number_value cannot be NaN or Infinity in JSON")
            }
            NumberFormatting.appendDouble(number, to: &writer.bytes)
        case StructLayout.stringValue:
            try writer.string(source, body)
        case StructLayout.boolValue:
            try WireFields.varint(source, body) != 0 ? writer.raw("true") : writer.raw("false")
        case StructLayout.structValue:
            try nested { (run) throws(ProtoJSONError) in try run.structObject(source, body) }
        case StructLayout.listValue:
            try nested { (run) throws(ProtoJSONError) in try run.listValue(source, body) }
        default:
            writer.raw("null")
        }
    }

    /// Runs `body` one nesting level deeper, enforcing the depth limit.
    private mutating func nested(_ body: (inout EncoderRun) throws(ProtoJSONError) -> Void) throws(ProtoJSONError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= options.maxDepth else {
            throw ProtoJSONError(reason: "message nesting exceeds the limit of \(options.maxDepth)")
        }
        try body(&self)
    }

    /// Writes a ListValue as a JSON array.
    mutating func listValue(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        writer.open(UInt8(ascii: "["))
        var first = true
        var count = 0
        try WireFields.forEach(source, range) { (number, wireType, body) throws(ProtoJSONError) in
            guard number == 1 && wireType == 2 else {
                return
            }
            writer.element(first: &first)
            do throws(ProtoJSONError) {
                try nested { (run) throws(ProtoJSONError) in try run.value(source, body) }
            } catch {
                throw error.prefixed(with: "[\(count)]")
            }
            count += 1
        }
        writer.close(UInt8(ascii: "]"), empty: first)
    }
}

extension DecoderRun {
    /// The pool index of a well-known message that must be loaded for the codec to use it.
    func wellKnownIndex(_ type: WellKnownType) throws(ProtoJSONError) -> Int {
        let known: Int?
        switch type {
        case .struct: known = tables.structIndex
        case .value: known = tables.valueIndex
        case .listValue: known = tables.listValueIndex
        default: known = tables.pool.messageIndex(named: type.rawValue)
        }
        guard let index = known else {
            throw ProtoJSONError(reason: "\(type.rawValue) is not in the descriptor pool")
        }
        return index
    }

    /// Reads any JSON object as a Struct: each member an entry of `fields` (field 1) with the key
    /// as field 1 and the Value as field 2. A key given twice is an error, as in the reference.
    mutating func structValue() throws(ProtoJSONError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw mismatch("an object for Struct")
        }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) {
            return
        }
        let valueIndex = try wellKnownIndex(.value)
        var keys = Set<[UInt8]>()
        repeat {
            let token = try scanner.readString()
            try scanner.expect(UInt8(ascii: ":"), "':'")
            var key: [UInt8] = []
            try scanner.decodeString(token, into: &key)
            guard keys.insert(key).inserted else {
                throw ProtoJSONError(
                    fieldPath: String(decoding: key, as: UTF8.self),
                    reason: "key given more than once"
                )
            }
            out.append(0x0A)
            let entry = WireWriter.beginLengthDelimited(&out)
            out.append(0x0A)
            WireWriter.appendVarint(UInt64(key.count), to: &out)
            out.append(contentsOf: key)
            out.append(0x12)
            let value = WireWriter.beginLengthDelimited(&out)
            do {
                try messageValue(valueIndex)
            } catch {
                throw error.prefixed(with: String(decoding: key, as: UTF8.self))
            }
            WireWriter.endLengthDelimited(value, to: &out)
            WireWriter.endLengthDelimited(entry, to: &out)
        } while try scanner.nextItem(closing: UInt8(ascii: "}"))
    }

    /// Reads any JSON value as a Value: null, number, string, bool, object (Struct) or array
    /// (ListValue), each into its member of the `kind` oneof.
    mutating func valueValue() throws(ProtoJSONError) {
        switch scanner.peek() {
        case UInt8(ascii: "n"):
            try scanner.readLiteral("null")
            out.append(contentsOf: [0x08, 0x00])
        case UInt8(ascii: "t"):
            try scanner.readLiteral("true")
            out.append(contentsOf: [0x20, 0x01])
        case UInt8(ascii: "f"):
            try scanner.readLiteral("false")
            out.append(contentsOf: [0x20, 0x00])
        case UInt8(ascii: "\""):
            let token = try scanner.readString()
            out.append(0x1A)
            let body = WireWriter.beginLengthDelimited(&out)
            try scanner.decodeString(token, into: &out)
            WireWriter.endLengthDelimited(body, to: &out)
        case UInt8(ascii: "{"):
            let index = try wellKnownIndex(.struct)
            out.append(0x2A)
            let body = WireWriter.beginLengthDelimited(&out)
            try messageValue(index)
            WireWriter.endLengthDelimited(body, to: &out)
        case UInt8(ascii: "["):
            let index = try wellKnownIndex(.listValue)
            out.append(0x32)
            let body = WireWriter.beginLengthDelimited(&out)
            try messageValue(index)
            WireWriter.endLengthDelimited(body, to: &out)
        case nil:
            throw scanner.syntaxError("unexpected end of input")
        default:
            let (range, isInteger) = try scanner.readNumber()
            let number = NumberParsing.double(scanner.source, range, isInteger: isInteger)
            guard number.isFinite else {
                throw ProtoJSONError(reason: "number out of range for a Value")
            }
            out.append(0x11)
            WireWriter.appendFixed64(number.bitPattern, to: &out)
        }
    }

    /// Reads a JSON array as a ListValue: each element a Value in `values` (field 1).
    mutating func listValueValue() throws(ProtoJSONError) {
        guard scanner.peek() == UInt8(ascii: "[") else {
            throw mismatch("an array for ListValue")
        }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "]")) {
            return
        }
        let valueIndex = try wellKnownIndex(.value)
        var index = 0
        repeat {
            out.append(0x0A)
            let body = WireWriter.beginLengthDelimited(&out)
            do {
                try messageValue(valueIndex)
            } catch {
                throw error.prefixed(with: "[\(index)]")
            }
            WireWriter.endLengthDelimited(body, to: &out)
            index += 1
        } while try scanner.nextItem(closing: UInt8(ascii: "]"))
    }
}
