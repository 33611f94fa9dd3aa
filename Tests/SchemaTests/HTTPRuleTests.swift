internal import Schema
internal import Testing

/// `google.api.http` annotations, read from `MethodOptions` unknown fields by the hand-written
/// wire reader.
@Suite("HTTP rules")
struct HTTPRuleTests {
    let pool = Fixtures.pool

    /// The rules of one OrderService method.
    func rules(_ method: String) throws -> [HTTPRule] {
        try #require(pool.method(path: "/fixtures.orders.OrderService/\(method)")).httpRules
    }

    @Test("GET with additional bindings, one of them with a body")
    func additionalBindings() throws {
        #expect(
            try rules("GetOrder") == [
                HTTPRule(
                    method: "GET",
                    pattern: "/v1/orders/{id}",
                    additionalBindings: [
                        HTTPRule(method: "GET", pattern: "/v1/shops/{shop}/orders/{id}"),
                        HTTPRule(method: "POST", pattern: "/v1/orders/{id}:get", body: "*"),
                    ]
                )
            ]
        )
    }

    @Test(
        "Each verb, body and response_body is read",
        arguments: [
            (
                "CreateOrder",
                HTTPRule(method: "POST", pattern: "/v1/shops/{shop}/orders", body: "order", responseBody: "items")
            ),
            ("ReplaceOrder", HTTPRule(method: "PUT", pattern: "/v1/orders/{id}", body: "*")),
            ("UpdateOrder", HTTPRule(method: "PATCH", pattern: "/v1/{order.name=shops/*/orders/*}", body: "order")),
            ("DeleteOrder", HTTPRule(method: "DELETE", pattern: "/v1/orders/{id}")),
            ("CheckOrder", HTTPRule(method: "HEAD", pattern: "/v1/orders/{id}")),
            ("StreamOrderUpdates", HTTPRule(method: "GET", pattern: "/v1/orders/{id}/updates")),
            ("UploadItems", HTTPRule(method: "POST", pattern: "/v1/items:upload", body: "*")),
        ]
    )
    func verbs(method: String, rule: HTTPRule) throws {
        #expect(try rules(method) == [rule])
    }

    @Test("Methods without an annotation have no rules")
    func unannotated() throws {
        #expect(try rules("Chat").isEmpty)
        #expect(pool.method(path: "/fixtures.orders.Health/Check")?.httpRules.isEmpty == true)
    }

    @Test("A rule is decoded from hand-made bytes, skipping unknown fields, last pattern winning")
    func decodeBytes() throws {
        var writer = WireWriter()
        writer.string(1, "pkg.Service.Method")
        writer.string(2, "/first")
        writer.int(99, 7)  // unknown varint field
        writer.tag(98, 5)  // unknown fixed32 field
        writer.raw([1, 2, 3, 4])
        writer.message(8) { custom in
            custom.string(1, "OPTIONS")
            custom.string(2, "/custom")
        }
        writer.string(7, "*")
        writer.string(12, "payload")
        writer.message(11) { $0.string(6, "/patched") }
        let bytes = writer.bytes
        #expect(
            try HTTPRule.decode(bytes[...])
                == HTTPRule(
                    selector: "pkg.Service.Method",
                    method: "OPTIONS",
                    pattern: "/custom",
                    body: "*",
                    responseBody: "payload",
                    additionalBindings: [HTTPRule(method: "PATCH", pattern: "/patched")]
                )
        )
    }

    @Test(
        "Malformed rule bytes are refused",
        arguments: [
            [0x12, 0x05, 0x2F],  // length runs past the end
            [0x12],  // truncated length
            [0x16],  // wire type 6 does not exist
            [0x12, 0x01, 0xFF],  // string is not UTF-8
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // varint too long
            [0x1C],  // end group without start
            [0x00],  // field number 0
        ] as [[UInt8]]
    )
    func malformed(bytes: [UInt8]) {
        #expect(throws: WireFormatError.self) {
            try HTTPRule.decode(bytes[...])
        }
    }

    @Test("Deeply nested additional bindings are refused")
    func tooDeep() {
        var bytes: [UInt8] = []
        for _ in 0..<20 {
            var writer = WireWriter()
            writer.bytes(11, bytes)
            bytes = writer.bytes
        }
        #expect(throws: WireFormatError.self) {
            try HTTPRule.decode(bytes[...])
        }
    }

    @Test("A malformed annotation in a descriptor set is refused, naming the method")
    func malformedAnnotation() {
        var writer = WireWriter()
        writer.message(1) { file in
            file.string(1, "svc.proto")
            file.string(2, "p")
            file.message(4) { $0.string(1, "M") }
            file.message(6) { service in
                service.string(1, "S")
                service.message(2) { method in
                    method.string(1, "Call")
                    method.string(2, ".p.M")
                    method.string(3, ".p.M")
                    method.message(4) { options in
                        options.bytes(HTTPRule.extensionFieldNumber, [0x12, 0x09, 0x2F])
                    }
                }
            }
        }
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool(fileDescriptorSets: [writer.bytes])
        }
        #expect(
            error?.description
                == "descriptor set #1: svc.proto: method p.S.Call has a malformed google.api.http option: "
                + "length 9 runs past the end of the message"
        )
    }

    @Test("An annotation written twice is merged, as protobuf merges a repeated singular message")
    func mergedAnnotation() throws {
        var writer = WireWriter()
        writer.message(1) { file in
            file.string(1, "svc.proto")
            file.string(2, "p")
            file.message(4) { $0.string(1, "M") }
            file.message(6) { service in
                service.string(1, "S")
                service.message(2) { method in
                    method.string(1, "Call")
                    method.string(2, ".p.M")
                    method.string(3, ".p.M")
                    method.message(4) { options in
                        options.message(HTTPRule.extensionFieldNumber) { $0.string(2, "/a") }
                        options.int(33, 1)  // `deprecated = true`, a known option field in between
                        options.message(HTTPRule.extensionFieldNumber) { $0.string(7, "*") }
                    }
                }
            }
        }
        let pool = try DescriptorPool(fileDescriptorSets: [writer.bytes])
        #expect(pool.method(path: "/p.S/Call")?.httpRules == [HTTPRule(method: "GET", pattern: "/a", body: "*")])
    }
}
