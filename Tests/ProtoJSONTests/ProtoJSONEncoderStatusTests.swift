internal import ProtoJSON
internal import Schema
internal import Testing

/// `google.rpc.Status` error bodies: code, message and details, details resolved through the pool.
@Suite("ProtoJSONEncoder.encodeStatus")
struct ProtoJSONEncoderStatusTests {
    /// Serializes a Status with the decoder (the test pool has google.rpc.Status).
    func status(_ json: String) throws -> [UInt8] {
        try ProtoJSONDecoder(pool: Corpus.pool).decode(
            messageIndex: Corpus.index("google.rpc.Status"),
            json: Array(json.utf8)
        )
    }

    @Test("details resolve through the pool, in the shape Envoy and grpc-gateway write")
    func resolved() throws {
        let wire = try status(
            #"{"code":3,"message":"bad \"id\"","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","#
                + #""fieldViolations":[{"field":"id","description":"empty"}]},"#
                + #"{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}]}"#
        )
        let json = String(
            decoding: try ProtoJSONEncoder(pool: Corpus.pool).encodeStatus(wireBytes: wire),
            as: UTF8.self
        )
        #expect(
            json
                == #"{"code":3,"message":"bad \"id\"","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","#
                + #""fieldViolations":[{"field":"id","description":"empty"}]},"#
                + #"{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}]}"#
        )
    }

    @Test("an empty Status still has all three members")
    func empty() throws {
        let json = String(decoding: try ProtoJSONEncoder(pool: Corpus.pool).encodeStatus(wireBytes: []), as: UTF8.self)
        #expect(json == #"{"code":0,"message":"","details":[]}"#)
    }

    @Test("a detail whose type is not loaded is written as base64, not an error")
    func unresolved() throws {
        // code 5, message "m", one Any{type_url: "type.googleapis.com/x.Y", value: 0x08 0x01}.
        let url = Array("type.googleapis.com/x.Y".utf8)
        var any: [UInt8] = [0x0A, UInt8(url.count)] + url + [0x12, 0x02, 0x08, 0x01]
        any = [0x1A, UInt8(any.count)] + any
        let wire: [UInt8] = [0x08, 0x05, 0x12, 0x01, UInt8(ascii: "m")] + any
        let encoder = ProtoJSONEncoder(pool: Corpus.pool, options: ProtoJSONOptions(indent: 2))
        let json = String(decoding: try encoder.encodeStatus(wireBytes: wire), as: UTF8.self)
        #expect(
            json == """
                {
                  "code": 5,
                  "message": "m",
                  "details": [
                    {
                      "@type": "type.googleapis.com/x.Y",
                      "value": "CAE="
                    }
                  ]
                }
                """
        )
    }
}
