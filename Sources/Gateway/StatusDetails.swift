internal import GRPCWire
internal import ProtoJSON

/// Renders a backend's `grpc-status-details-bin` (a base64 `google.rpc.Status`) as the JSON error
/// body, so error details (BadRequest field violations, RetryInfo, …) reach REST clients instead
/// of being dropped (Envoy's `convert_grpc_status`, ESP esp#204). Each detail is an `Any`, shown
/// as JSON when its type is in the loaded descriptors, else with its bytes in base64.
enum StatusDetails {
    /// The JSON body, or nil if the header is not valid base64 of a Status (the caller then falls
    /// back to code and message only).
    static func json(base64 value: String, encoder: ProtoJSONEncoder) -> [UInt8]? {
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
        guard decoded else { return nil }
        return try? encoder.encodeStatus(wireBytes: message)
    }
}
