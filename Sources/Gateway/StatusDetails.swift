internal import GRPCWire
internal import ProtoJSON
internal import Schema

/// Renders a backend's `grpc-status-details-bin` (a base64 `google.rpc.Status`) as the JSON error
/// body, so error details (BadRequest field violations, RetryInfo, …) reach REST clients instead
/// of being dropped (Envoy's `convert_grpc_status`, ESP esp#204).
///
/// Each detail is an `Any`: rendered as JSON with its `@type` when the type is in the loaded
/// descriptors, else as `{"@type": "...", "value": "<base64>"}` so nothing is lost.
enum StatusDetails {
    /// The JSON body, or nil if the header is not a valid Status (the caller then falls back to
    /// code and message only). Code and message come from `status` (the grpc-status and
    /// grpc-message headers, which gRPC requires to agree with the details).
    static func json(base64 value: String, status: GRPCStatus, pool: DescriptorPool) -> [UInt8]? {
        var decoder = Base64StreamDecoder()
        var message: [UInt8] = []
        var text = value
        let decoded: Bool = text.withUTF8 { bytes in
            do {
                try decoder.decode(UnsafeRawBufferPointer(bytes), into: &message)
                // -bin values may come unpadded (PROTOCOL-HTTP2: "must accept padded and unpadded").
                let missing = (4 - bytes.count % 4) % 4
                if missing > 0 {
                    let padding = [UInt8](repeating: UInt8(ascii: "="), count: missing)
                    try padding.withUnsafeBytes { try decoder.decode($0, into: &message) }
                }
                try decoder.finish()
                return true
            } catch {
                return false
            }
        }
        guard decoded, let fields = try? ProtoWire.fields(of: message) else { return nil }

        var details: [String] = []
        for field in fields where field.number == 3 && field.wireType == 2 {
            let any = Array(message[field.value])
            guard let detail = renderAny(any, pool: pool) else { return nil }
            details.append(detail)
        }
        var body = "{\"code\":\(status.code.rawValue),\"message\":"
        ErrorBody.appendJSONString(status.message, to: &body)
        body += ",\"details\":[" + details.joined(separator: ",") + "]}"
        return Array(body.utf8)
    }

    /// One `google.protobuf.Any` (type_url = 1, value = 2) as JSON.
    private static func renderAny(_ any: [UInt8], pool: DescriptorPool) -> String? {
        guard let fields = try? ProtoWire.fields(of: any) else { return nil }
        var typeURL = ""
        var value: [UInt8] = []
        for field in fields where field.wireType == 2 {
            if field.number == 1 { typeURL = String(decoding: any[field.value], as: UTF8.self) }
            if field.number == 2 { value = Array(any[field.value]) }
        }
        var typeJSON = ""
        ErrorBody.appendJSONString(typeURL, to: &typeJSON)
        let typeName = typeURL.split(separator: "/").last.map(String.init) ?? typeURL
        if let index = pool.messageIndex(named: typeName),
            let object = try? ProtoJSONEncoder(pool: pool).encode(messageIndex: index, wireBytes: value)
        {
            let text = String(decoding: object, as: UTF8.self)
            if WellKnownType(rawValue: typeName).map({ $0 != .empty }) ?? false {
                // Types with a special JSON form go under "value" (protobuf JSON mapping, Any).
                return "{\"@type\":\(typeJSON),\"value\":\(text)}"
            }
            let members = text.dropFirst().drop { $0 == " " || $0 == "\n" }
            return members.hasPrefix("}") ? "{\"@type\":\(typeJSON)}" : "{\"@type\":\(typeJSON),\(members)"
        }
        var encoded: [UInt8] = []
        Base64.encode(value, into: &encoded)
        return "{\"@type\":\(typeJSON),\"value\":\"\(String(decoding: encoded, as: UTF8.self))\"}"
    }
}
