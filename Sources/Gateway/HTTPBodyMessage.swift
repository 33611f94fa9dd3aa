internal import GRPCWire

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
