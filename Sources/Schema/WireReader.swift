/// A minimal reader for the protobuf binary wire format
/// (https://protobuf.dev/programming-guides/encoding/), enough to decode the few option messages
/// the runtime library leaves as unknown fields (`google.api.http`). It never allocates except for
/// strings, and every length is checked against the remaining bytes.
struct WireReader {
    /// The bytes not yet read.
    private var bytes: ArraySlice<UInt8>

    /// Creates a reader over a message's bytes.
    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    /// Reads the next tag.
    /// - Returns: The field number and wire type, or `nil` at the end of the message.
    mutating func readTag() throws(WireFormatError) -> (Int, WireType)? {
        guard !bytes.isEmpty else {
            return nil
        }
        let tag = try readVarint()
        guard let wireType = WireType(rawValue: UInt8(tag & 7)) else {
            throw WireFormatError("invalid wire type \(tag & 7)")
        }
        let field = tag >> 3
        guard field >= 1, field <= 536_870_911 else {
            throw WireFormatError("invalid field number \(field)")
        }
        return (Int(field), wireType)
    }

    /// Reads a base-128 varint of at most 10 bytes.
    mutating func readVarint() throws(WireFormatError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.popFirst() {
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                return value
            }
            shift += 7
            guard shift < 64 else {
                throw WireFormatError("varint longer than 10 bytes")
            }
        }
        throw WireFormatError("truncated varint")
    }

    /// Reads a length-delimited value's bytes.
    mutating func readLengthDelimited() throws(WireFormatError) -> ArraySlice<UInt8> {
        let length = try readVarint()
        guard length <= UInt64(bytes.count) else {
            throw WireFormatError("length \(length) runs past the end of the message")
        }
        let value = bytes.prefix(Int(length))
        bytes = bytes.dropFirst(Int(length))
        return value
    }

    /// Reads a length-delimited value as UTF-8 text.
    mutating func readString() throws(WireFormatError) -> String {
        let value = try readLengthDelimited()
        guard let text = String(validating: value, as: UTF8.self) else {
            throw WireFormatError("a string field is not valid UTF-8")
        }
        return text
    }

    /// Skips one value of the given wire type (groups skipped whole, nesting checked).
    mutating func skip(_ wireType: WireType) throws(WireFormatError) {
        switch wireType {
        case .varint:
            _ = try readVarint()
        case .fixed64:
            try drop(8)
        case .fixed32:
            try drop(4)
        case .lengthDelimited:
            _ = try readLengthDelimited()
        case .startGroup:
            var depth = 1
            while depth > 0 {
                guard let (_, inner) = try readTag() else {
                    throw WireFormatError("group without end")
                }
                switch inner {
                case .startGroup: depth += 1
                case .endGroup: depth -= 1
                default: try skip(inner)
                }
            }
        case .endGroup:
            throw WireFormatError("end-group tag without a start")
        }
    }

    /// Drops a fixed number of bytes.
    private mutating func drop(_ count: Int) throws(WireFormatError) {
        guard bytes.count >= count else {
            throw WireFormatError("truncated fixed-width value")
        }
        bytes = bytes.dropFirst(count)
    }
}

/// Bytes that are not a valid protobuf message.
public struct WireFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the bytes.
    public var reason: String

    /// Creates an error.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}
