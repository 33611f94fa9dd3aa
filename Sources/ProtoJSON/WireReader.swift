internal import Schema

/// Reads protobuf wire bytes (https://protobuf.dev/programming-guides/encoding/) in place: values
/// come back as numbers or as byte ranges of the caller's buffer, never copied.
///
/// Every length and count is checked against the end of the current message, so corrupt input is
/// an error, never a read past the buffer.
struct WireReader {
    /// The whole buffer; positions are offsets into it.
    let buffer: UnsafeRawBufferPointer
    /// The next byte to read.
    var position: Int
    /// One past the last byte of the message being read.
    let end: Int

    /// A reader over `buffer[start..<end]`.
    init(_ buffer: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.buffer = buffer
        self.position = start
        self.end = end
    }

    /// Whether every byte of the message has been read.
    var isAtEnd: Bool { position >= end }

    /// Reads a base-128 varint of at most 10 bytes.
    @inline(__always)
    mutating func readVarint() throws(ProtoJSONError) -> UInt64 {
        if position < end {
            let first = buffer[position]
            if first < 0x80 {
                position += 1
                return UInt64(first)
            }
        }
        return try readVarintSlow()
    }

    /// The multi-byte case of ``readVarint()``.
    private mutating func readVarintSlow() throws(ProtoJSONError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let byte = buffer[position]
            position += 1
            if shift == 63 && byte > 1 {
                throw ProtoJSONError(reason: "invalid wire data: varint overflows 64 bits")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                return value
            }
            shift += 7
            if shift > 63 {
                throw ProtoJSONError(reason: "invalid wire data: varint longer than 10 bytes")
            }
        }
        throw ProtoJSONError(reason: "invalid wire data: truncated varint")
    }

    /// Reads a tag: field number and wire type. Field 0 and wire types 6 and 7 are errors.
    @inline(__always)
    mutating func readTag() throws(ProtoJSONError) -> (number: Int, wireType: UInt8) {
        let tag = try readVarint()
        let number = tag >> 3
        let wireType = UInt8(truncatingIfNeeded: tag & 7)
        guard number >= 1, number <= 536_870_911, wireType <= 5 else {
            throw ProtoJSONError(reason: "invalid wire data: bad tag \(tag)")
        }
        return (Int(number), wireType)
    }

    /// Reads 4 little-endian bytes.
    @inline(__always)
    mutating func readFixed32() throws(ProtoJSONError) -> UInt32 {
        guard end - position >= 4 else {
            throw ProtoJSONError(reason: "invalid wire data: truncated fixed32")
        }
        let value = buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: value)
    }

    /// Reads 8 little-endian bytes.
    @inline(__always)
    mutating func readFixed64() throws(ProtoJSONError) -> UInt64 {
        guard end - position >= 8 else {
            throw ProtoJSONError(reason: "invalid wire data: truncated fixed64")
        }
        let value = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    /// Reads a length prefix and returns the range of the bytes it covers.
    @inline(__always)
    mutating func readLengthDelimited() throws(ProtoJSONError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw ProtoJSONError(reason: "invalid wire data: length \(length) runs past the end of the message")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// Reads the body of a group whose start tag was just read, up to its matching end tag.
    /// - Returns: The range of the group's fields (end tag excluded).
    mutating func readGroup(number: Int) throws(ProtoJSONError) -> Range<Int> {
        let start = position
        while true {
            guard !isAtEnd else {
                throw ProtoJSONError(reason: "invalid wire data: group \(number) has no end tag")
            }
            let before = position
            let (inner, wireType) = try readTag()
            if wireType == WireType.endGroup.rawValue {
                guard inner == number else {
                    throw ProtoJSONError(reason: "invalid wire data: end tag of group \(inner) inside group \(number)")
                }
                return start..<before
            }
            try skip(wireType: wireType, number: inner)
        }
    }

    /// Skips one value of the given wire type (a group whole, nesting checked).
    mutating func skip(wireType: UInt8, number: Int) throws(ProtoJSONError) {
        switch wireType {
        case 0: _ = try readVarint()
        case 1: _ = try readFixed64()
        case 2: _ = try readLengthDelimited()
        case 3: _ = try readGroup(number: number)
        case 5: _ = try readFixed32()
        default: throw ProtoJSONError(reason: "invalid wire data: unexpected end-group tag")
        }
    }
}

/// `Array.withUnsafeBytes` for a body with typed throws (the standard one rethrows `any Error`).
@inline(__always)
func withRawBytes<T>(
    _ bytes: [UInt8],
    _ body: (UnsafeRawBufferPointer) throws(ProtoJSONError) -> T
) throws(ProtoJSONError) -> T {
    let result: Result<T, ProtoJSONError> = bytes.withUnsafeBytes { buffer in
        do throws(ProtoJSONError) {
            return .success(try body(buffer))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
