/// Reading the few fields of a well-known type's wire bytes without a schema lookup: the layouts of
/// `google/protobuf/*.proto` are fixed, so the numbers are spelled here.
enum WireFields {
    /// Calls `body` with each field's number, wire type and value bytes (a varint's or fixed
    /// value's own bytes, a length-delimited body, a group body), in wire order.
    static func forEach(
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        _ body: (Int, UInt8, Range<Int>) throws(ProtoJSONError) -> Void
    ) throws(ProtoJSONError) {
        var reader = WireReader(source, start: range.lowerBound, end: range.upperBound)
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            let start = reader.position
            let value: Range<Int>
            switch wireType {
            case 2: value = try reader.readLengthDelimited()
            case 3: value = try reader.readGroup(number: number)
            default:
                try reader.skip(wireType: wireType, number: number)
                value = start..<reader.position
            }
            try body(number, wireType, value)
        }
    }

    /// Decodes the varint at the start of `range`.
    static func varint(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) -> UInt64 {
        var reader = WireReader(source, start: range.lowerBound, end: range.upperBound)
        return try reader.readVarint()
    }

    /// Decodes 8 little-endian bytes.
    static func fixed64(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) -> UInt64 {
        var reader = WireReader(source, start: range.lowerBound, end: range.upperBound)
        return try reader.readFixed64()
    }

    /// The bytes of `range` as a string (lossless only for valid UTF-8, which callers check).
    static func string(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: source[range]), as: UTF8.self)
    }
}
