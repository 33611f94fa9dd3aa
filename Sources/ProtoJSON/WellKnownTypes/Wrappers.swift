/// The nine wrapper types, `google.protobuf.Int32Value` and friends
/// (https://protobuf.dev/programming-guides/json/, "Wrappers"): in JSON the bare wrapped value, so
/// `Int64Value{value: 5}` is `"5"` and `BoolValue{}` is `false`.
extension EncoderRun {
    /// Writes a wrapper as its `value` field (number 1), or that field's default when unset.
    mutating func wrapper(_ index: Int, _ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        let table = tables.messages[index]
        let position = table.fieldPosition(number: 1)
        guard position >= 0 else {
            throw ProtoJSONError(reason: "\(table.fullName) has no field 1")
        }
        let field = table.fields[position]
        var last: Range<Int>?
        try WireFields.forEach(source, range) { (number, wireType, value) throws(ProtoJSONError) in
            if number == 1 && wireType == field.wireType {
                last = value
            }
        }
        if let last {
            var reader = WireReader(source, start: last.lowerBound, end: last.upperBound)
            try scalar(field, &reader, wireRange: last)
        } else {
            try defaultValue(field)
        }
    }
}

extension DecoderRun {
    /// Reads a wrapper from its bare value into field 1 (left out when it is the default, as a
    /// serializer does).
    mutating func wrapperValue(_ index: Int) throws(ProtoJSONError) {
        let table = tables.messages[index]
        let field = table.fields[table.fieldPosition(number: 1)]
        _ = try scalar(field, writeTag: true, skipDefault: !explicitDefaults)
    }
}
