/// `google.rpc.Status` as the JSON body of an error response
/// (https://cloud.google.com/apis/design/errors#http_mapping; Envoy's `convert_grpc_status` and
/// grpc-gateway write the same shape):
/// `{"code": 3, "message": "…", "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", …}]}`.
extension ProtoJSONEncoder {
    /// Appends the JSON form of a serialized `google.rpc.Status`
    /// (`int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3;`).
    ///
    /// All three members are always written, `"details": []` included, as Envoy does. Each detail
    /// is resolved through the pool when its type is loaded; otherwise it is written as
    /// `{"@type": url, "value": "<base64>"}` rather than failing the whole error body. The Status
    /// type itself need not be in the pool. Field names follow the options.
    /// - Parameters:
    ///   - wireBytes: The serialized Status (from a `grpc-status-details-bin` trailer, say).
    ///   - output: Where the JSON is appended.
    /// - Throws: ``ProtoJSONError`` when the bytes are not a valid Status.
    public func encodeStatus(wireBytes: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(ProtoJSONError) {
        var run = EncoderRun(tables: tables, options: options)
        run.unresolvedAnyAsBase64 = true
        swap(&run.writer.bytes, &output)
        defer { swap(&run.writer.bytes, &output) }
        var code: Int32 = 0
        var message = 0..<0
        var details: [Range<Int>] = []
        try WireFields.forEach(wireBytes, 0..<wireBytes.count) { (number, wireType, value) throws(ProtoJSONError) in
            switch (number, wireType) {
            case (1, 0): code = Int32(truncatingIfNeeded: try WireFields.varint(wireBytes, value))
            case (2, 2): message = value
            case (3, 2): details.append(value)
            default: break
            }
        }
        run.writer.open(UInt8(ascii: "{"))
        var first = true
        run.writer.member(first: &first, quotedKey: Array("\"code\"".utf8))
        run.writer.integer(Int64(code))
        run.writer.member(first: &first, quotedKey: Array("\"message\"".utf8))
        try run.writer.string(wireBytes, message)
        run.writer.member(first: &first, quotedKey: Array("\"details\"".utf8))
        run.writer.open(UInt8(ascii: "["))
        var firstDetail = true
        for (position, detail) in details.enumerated() {
            run.writer.element(first: &firstDetail)
            do {
                try run.any(wireBytes, detail)
            } catch {
                throw error.prefixed(with: "details[\(position)]")
            }
        }
        run.writer.close(UInt8(ascii: "]"), empty: firstDetail)
        run.writer.close(UInt8(ascii: "}"), empty: false)
    }

    /// Returns the JSON form of a serialized `google.rpc.Status`; see
    /// ``encodeStatus(wireBytes:into:)``.
    public func encodeStatus(wireBytes: [UInt8]) throws(ProtoJSONError) -> [UInt8] {
        var output: [UInt8] = []
        try withRawBytes(wireBytes) { (buffer) throws(ProtoJSONError) in
            try encodeStatus(wireBytes: buffer, into: &output)
        }
        return output
    }
}
