/// The few protobuf wire-format operations the REST path needs around the ProtoJSON codec:
/// walking a message's top-level fields (to pick out `response_body` and `google.api.HttpBody`
/// fields) and writing a length-delimited field (to wrap a `body` field or build an HttpBody).
/// Encoding: protobuf.dev/programming-guides/encoding.
enum ProtoWire {
    /// One top-level field occurrence: its number, wire type, and the bytes of the whole
    /// occurrence (`tagged`, tag included) and of its value (`value`; for length-delimited fields
    /// without the length prefix).
    struct Field {
        var number: Int
        var wireType: Int
        var tagged: Range<Int>
        var value: Range<Int>
    }

    struct Malformed: Error {}

    /// The top-level fields of `message`, in order.
    static func fields(of message: [UInt8]) throws(Malformed) -> [Field] {
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
    static func appendLengthDelimited(number: Int, _ value: [UInt8], to output: inout [UInt8]) {
        appendVarint(UInt64(number << 3 | 2), to: &output)
        appendVarint(UInt64(value.count), to: &output)
        output.append(contentsOf: value)
    }

    static func appendVarint(_ value: UInt64, to output: inout [UInt8]) {
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

/// `google.api.HttpBody` (google/api/httpbody.proto): raw bytes with their content type, for
/// methods that take or return something other than JSON.
enum HTTPBodyMessage {
    static let fullName = "google.api.HttpBody"
    static let contentTypeField = 1
    static let dataField = 2

    /// The wire bytes of an HttpBody holding `data` of `contentType`.
    static func encode(contentType: String, data: [UInt8]) -> [UInt8] {
        var message: [UInt8] = []
        if !contentType.isEmpty {
            ProtoWire.appendLengthDelimited(number: contentTypeField, Array(contentType.utf8), to: &message)
        }
        if !data.isEmpty {
            ProtoWire.appendLengthDelimited(number: dataField, data, to: &message)
        }
        return message
    }

    /// The content type and data of an HttpBody's wire bytes (last occurrence wins, as protobuf merges).
    static func decode(_ message: [UInt8]) throws(ProtoWire.Malformed) -> (contentType: String, data: ArraySlice<UInt8>) {
        var contentType = ""
        var data: ArraySlice<UInt8> = []
        for field in try ProtoWire.fields(of: message) where field.wireType == 2 {
            switch field.number {
            case contentTypeField: contentType = String(decoding: message[field.value], as: UTF8.self)
            case dataField: data = message[field.value]
            default: break
            }
        }
        return (contentType, data)
    }
}
