/// Appends protobuf wire bytes (https://protobuf.dev/programming-guides/encoding/) to a byte array.
///
/// A nested message's length is not known until its fields are written, so ``beginLengthDelimited()``
/// reserves one byte for the length and ``endLengthDelimited(_:)`` patches it, moving the body up
/// in the rare case the length needs more than one varint byte (127 bytes or more). Measured
/// against a two-pass size computation this keeps one pass over the JSON, which dominates.
enum WireWriter {
    /// Appends a base-128 varint.
    @inline(__always)
    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a tag: `number << 3 | wireType`.
    @inline(__always)
    static func appendTag(number: Int, wireType: UInt8, to out: inout [UInt8]) {
        appendVarint(UInt64(number) << 3 | UInt64(wireType), to: &out)
    }

    /// Appends 4 little-endian bytes.
    @inline(__always)
    static func appendFixed32(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Appends 8 little-endian bytes.
    @inline(__always)
    static func appendFixed64(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Zig-zag encodes a signed 32-bit value for `sint32`.
    @inline(__always)
    static func zigZag32(_ value: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    /// Zig-zag encodes a signed 64-bit value for `sint64`.
    @inline(__always)
    static func zigZag64(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// Reserves the length byte of a length-delimited value.
    /// - Returns: The position of the body, to pass to ``endLengthDelimited(_:to:)``.
    @inline(__always)
    static func beginLengthDelimited(_ out: inout [UInt8]) -> Int {
        out.append(0)
        return out.count
    }

    /// Writes the length of the body that started at `bodyStart`, widening the reserved byte when
    /// the length needs more than one varint byte.
    @inline(__always)
    static func endLengthDelimited(_ bodyStart: Int, to out: inout [UInt8]) {
        let length = out.count - bodyStart
        if length < 0x80 {
            out[bodyStart - 1] = UInt8(length)
            return
        }
        var prefix: [UInt8] = []
        appendVarint(UInt64(length), to: &prefix)
        out.replaceSubrange((bodyStart - 1)..<bodyStart, with: prefix)
    }

    /// The encoded size of a varint.
    static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var value = value >> 7
        while value != 0 {
            size += 1
            value >>= 7
        }
        return size
    }
}
