internal import Routing
internal import Schema
internal import Testing

/// A rule for `ReplaceOrder` (request and response `fixtures.orders.Order`) that must be refused.
struct RefusedRuleCase: Sendable, CustomTestStringConvertible {
    let pattern: String
    let body: String
    let responseBody: String
    let code: RoutingError.Code
    let message: String

    init(_ pattern: String, body: String = "", responseBody: String = "", _ code: RoutingError.Code, _ message: String)
    {
        self.pattern = pattern
        self.body = body
        self.responseBody = responseBody
        self.code = code
        self.message = message
    }

    var testDescription: String { "\(pattern) body=\(body) response_body=\(responseBody)" }
}

/// Field-path checks of rules against the fixture's messages (protocols.md B5, "Cannot be mapped").
@Suite("HTTP bindings against the schema")
struct HTTPBindingTests {
    let pool = Fixtures.pool

    @Test("The fixture's annotations resolve, with variables, body and response body")
    func annotations() throws {
        let update = Fixtures.method("UpdateOrder")
        let updateRule = try #require(update.httpRules.first)
        let bindings = try HTTPBinding.resolve(updateRule, for: update, in: pool)
        #expect(bindings.count == 1)
        let binding = try #require(bindings.first)
        #expect(binding.method == .named("PATCH"))
        #expect(binding.template.source == "/v1/{order.name=shops/*/orders/*}")
        #expect(binding.variables.map(\.description) == ["order.name"])
        #expect(binding.variables.first?.fields.map(\.name) == ["order", "name"])
        #expect(binding.variables.first?.leaf.type == .string)
        guard case .field(let field) = binding.body else {
            Issue.record("body is \(binding.body)")
            return
        }
        #expect(field.name == "order")
        #expect(binding.responseBody == nil)

        let create = Fixtures.method("CreateOrder")
        let createRule = try #require(create.httpRules.first)
        let createBinding = try #require(try HTTPBinding.resolve(createRule, for: create, in: pool).first)
        #expect(createBinding.responseBody?.name == "items")
        #expect(createBinding.label == "POST /v1/shops/{shop}/orders (fixtures.orders.OrderService.CreateOrder)")

        let get = Fixtures.method("GetOrder")
        let getRule = try #require(get.httpRules.first)
        let getBindings = try HTTPBinding.resolve(getRule, for: get, in: pool)
        #expect(getBindings.map(\.bindingIndex) == [0, 1, 2])
        #expect(
            getBindings.map(\.template.source) == [
                "/v1/orders/{id}", "/v1/shops/{shop}/orders/{id}", "/v1/orders/{id}:get",
            ]
        )
        #expect(getBindings.map(\.body) == [.none, .none, .wholeRequest])
        #expect(getBindings.allSatisfy { $0.rule.additionalBindings.isEmpty })

        let check = Fixtures.method("CheckOrder")
        let checkRule = try #require(check.httpRules.first)
        let head = try HTTPBinding.resolve(checkRule, for: check, in: pool)
        #expect(head.map(\.method) == [.named("HEAD")])
    }

    @Test(
        "Path variables may name singular scalars, through singular messages, by proto or JSON name",
        arguments: [
            ("/v1/{id}", FieldType.string),
            ("/v1/{status}", .enum),
            ("/v1/{legacy_id}", .int32),
            ("/v1/{legacyIdentifier}", .int32),
            ("/v1/{note}", .string),
            ("/v1/{card.number}", .string),
            ("/v1/{parent.parent.id}", .string),
            ("/v1/{created_at.seconds}", .int64),
            ("/v1/{createdAt.nanos}", .int32),
            ("/v1/{card.last_order.status}", .enum),
        ]
    )
    func acceptsVariable(pattern: String, leafType: FieldType) throws {
        let method = Fixtures.method("ReplaceOrder")
        let bindings = try HTTPBinding.resolve(HTTPRule(method: "GET", pattern: pattern), for: method, in: pool)
        #expect(bindings.first?.variables.first?.leaf.type == leafType)
    }

    static let refused: [RefusedRuleCase] = [
        RefusedRuleCase(
            "/v1/{nope}",
            .unknownField,
            "field 'nope': fixtures.orders.Order has no field 'nope'"
        ),
        RefusedRuleCase(
            "/v1/{parent.nope}",
            .unknownField,
            "field 'parent.nope': fixtures.orders.Order has no field 'nope' (in 'parent')"
        ),
        RefusedRuleCase(
            "/v1/{items}",
            .invalidField,
            "field 'items': 'items' is a repeated field; a path variable must be a singular string, bytes, "
                + "number, bool or enum field"
        ),
        RefusedRuleCase(
            "/v1/{tags}",
            .invalidField,
            "field 'tags': 'tags' is a repeated field; a path variable must be a singular string, bytes, "
                + "number, bool or enum field"
        ),
        RefusedRuleCase(
            "/v1/{counters}",
            .invalidField,
            "field 'counters': 'counters' is a map; a path variable must be a singular string, bytes, "
                + "number, bool or enum field"
        ),
        RefusedRuleCase(
            "/v1/{parent}",
            .invalidField,
            "field 'parent': 'parent' is a message (fixtures.orders.Order); a path variable must be a singular "
                + "string, bytes, number, bool or enum field"
        ),
        RefusedRuleCase(
            "/v1/{created_at}",
            .invalidField,
            "field 'created_at': 'created_at' is a message (google.protobuf.Timestamp); a path variable must be "
                + "a singular string, bytes, number, bool or enum field"
        ),
        RefusedRuleCase(
            "/v1/{items.sku}",
            .invalidField,
            "field 'items.sku': 'items' in fixtures.orders.Order is a repeated field; only singular message "
                + "fields can be stepped through"
        ),
        RefusedRuleCase(
            "/v1/{counters.key}",
            .invalidField,
            "field 'counters.key': 'counters' in fixtures.orders.Order is a map; only singular message fields "
                + "can be stepped through"
        ),
        RefusedRuleCase(
            "/v1/{id.x}",
            .invalidField,
            "field 'id.x': 'id' in fixtures.orders.Order is not a message; only singular message fields can be "
                + "stepped through"
        ),
        RefusedRuleCase(
            "/v1/{id}",
            body: "nope",
            .unknownField,
            "body field 'nope' is not a field of fixtures.orders.Order"
        ),
        RefusedRuleCase(
            "/v1/{id}",
            responseBody: "nope",
            .unknownField,
            "response_body field 'nope' is not a field of fixtures.orders.Order"
        ),
        RefusedRuleCase("/v1/{", .invalidTemplate, "expected a field name at offset 5 (found end of template)"),
    ]

    @Test("Rules with a missing or unbindable field are refused, naming the rule and the field", arguments: refused)
    func refuses(_ testCase: RefusedRuleCase) {
        let method = Fixtures.method("ReplaceOrder")
        let rule = HTTPRule(
            method: "GET",
            pattern: testCase.pattern,
            body: testCase.body,
            responseBody: testCase.responseBody
        )
        #expect {
            try HTTPBinding.resolve(rule, for: method, in: pool)
        } throws: { error in
            guard let error = error as? RoutingError else {
                return false
            }
            #expect(error.code == testCase.code)
            #expect(error.message == testCase.message)
            #expect(
                error.subject.hasPrefix("rule GET \(testCase.pattern) of fixtures.orders.OrderService.ReplaceOrder")
            )
            return error.code == testCase.code && error.message == testCase.message
        }
    }

    @Test("Body '*', a top-level field of any kind, and a response_body field are accepted")
    func bodies() throws {
        let method = Fixtures.method("ReplaceOrder")
        for (body, expected) in [("*", "whole"), ("items", "items"), ("counters", "counters"), ("parent", "parent")] {
            let rule = HTTPRule(method: "POST", pattern: "/v1/x", body: body, responseBody: "labels")
            let binding = try #require(try HTTPBinding.resolve(rule, for: method, in: pool).first)
            switch binding.body {
            case .wholeRequest: #expect(expected == "whole")
            case .field(let field): #expect(field.name == expected)
            case .none: Issue.record("body '\(body)' read as none")
            }
            #expect(binding.responseBody?.name == "labels")
        }
    }

    @Test("A rule without a pattern, a bad custom kind, and nested additional bindings are refused")
    func malformedRules() {
        let method = Fixtures.method("ReplaceOrder")
        let cases: [(HTTPRule, RoutingError.Code)] = [
            (HTTPRule(method: "", pattern: ""), .invalidMethod),
            (HTTPRule(method: "GE T", pattern: "/v1/x"), .invalidMethod),
            (
                HTTPRule(
                    method: "GET",
                    pattern: "/v1/x",
                    additionalBindings: [
                        HTTPRule(
                            method: "GET",
                            pattern: "/v1/y",
                            additionalBindings: [HTTPRule(method: "GET", pattern: "/v1/z")]
                        )
                    ]
                ),
                .invalidRule
            ),
            (
                HTTPRule(method: "GET", pattern: "/v1/x", additionalBindings: [HTTPRule(method: "GET", pattern: "v1")]),
                .invalidTemplate
            ),
        ]
        for (rule, code) in cases {
            #expect {
                try HTTPBinding.resolve(rule, for: method, in: pool)
            } throws: { error in
                (error as? RoutingError)?.code == code
            }
        }
    }

    @Test("Custom kind '*' becomes a route for any method")
    func anyMethod() throws {
        let method = Fixtures.method("ReplaceOrder")
        let binding = try HTTPBinding.resolve(HTTPRule(method: "*", pattern: "/v1/{id}"), for: method, in: pool)
        #expect(binding.map(\.method) == [.any])
        #expect(binding.first?.label == "* /v1/{id} (fixtures.orders.OrderService.ReplaceOrder)")
    }
}
