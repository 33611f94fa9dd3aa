/// The few protobuf wire-format operations the gateway needs outside the ProtoJSON codec: walking
/// a message's top-level fields (REST `response_body` and `google.api.HttpBody` fields, health
/// check replies) and writing a length-delimited field (a REST `body` field, an HttpBody, a
/// health check request).
/// Encoding: protobuf.dev/programming-guides/encoding.
public enum ProtoWire {
    /// One top-level field occurrence: its number, wire type, and the bytes of the whole
    /// occurrence (`tagged`, tag included) and of its value (`value`; for length-delimited fields
    /// without the length prefix).
    public struct Field: Sendable {
        public var number: Int
        public var wireType: Int
        public var tagged: Range<Int>
        public var value: Range<Int>
    }

    public struct Malformed: Error {}

    /// The top-level fields of `message`, in order.
    public static func fields(of message: [UInt8]) throws(Malformed) -> [Field] {
        var fields: [Field] = []
        var index = 0
        while index < message.count {
            let start = index
            let key = try varint(message, &index)
            let wireType = Int(key & 7)
            let number = Int(key >> 3)
            guard number > 0 else { throw Malformed() }
            let valueStart: Int
            switch wireType {
            case 0:
                valueStart = index
                _ = try varint(message, &index)
            case 1:
                valueStart = index
                index += 8
            case 2:
                let length = try varint(message, &index)
                guard length <= UInt64(message.count - index) else { throw Malformed() }
                valueStart = index
                index += Int(length)
            case 5:
                valueStart = index
                index += 4
            default:
                throw Malformed()
            }
            guard index <= message.count else { throw Malformed() }
            fields.append(Field(number: number, wireType: wireType, tagged: start..<index, value: valueStart..<index))
        }
        return fields
    }

    /// Appends field `number` as a length-delimited field holding `value`.
    public static func appendLengthDelimited(number: Int, _ value: [UInt8], to output: inout [UInt8]) {
        appendVarint(UInt64(number << 3 | 2), to: &output)
        appendVarint(UInt64(value.count), to: &output)
        output.append(contentsOf: value)
    }

    public static func appendVarint(_ value: UInt64, to output: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }

    private static func varint(_ bytes: [UInt8], _ index: inout Int) throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count && shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw Malformed()
    }
}
