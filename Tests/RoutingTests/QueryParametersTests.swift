internal import Routing
internal import Schema
internal import Testing

/// Query strings: splitting and decoding, then resolving names against the request message.
@Suite("Query parameters")
struct QueryParametersTests {
    let pool = Fixtures.pool

    @Test(
        "Query strings split at '&' and the first '=', with '+' as space and %XX decoded",
        arguments: [
            ("a.b=1&x=1&x=2&flag", ["a.b=1", "x=1", "x=2", "flag="]),
            ("?q=a+b%2Bc", ["q=a b+c"]),
            ("", []),
            ("&&a=1&&", ["a=1"]),
            ("=x&b=", ["b="]),
            ("k=v=w", ["k=v=w"]),
            ("na%6De=%E2%82%AC", ["name=€"]),
            ("a%3Db=c", ["a=b=c"]),
            ("p=%2F%2f", ["p=//"]),
            ("x=1;y=2", ["x=1;y=2"]),
        ]
    )
    func parses(query: String, expected: [String]) throws {
        let parsed = try QueryParameters(parsing: query)
        #expect(parsed.parameters.map(\.description) == expected)
    }

    @Test("A bad escape is refused with its offset in the query", arguments: [("a=%zz", 2), ("ok=1&b%4=2", 6)])
    func badEscape(query: String, offset: Int) {
        #expect {
            try QueryParameters(parsing: query)
        } throws: { error in
            let error = error as? RoutingError
            return error?.code == .invalidPercentEncoding && error?.offset == offset
        }
    }

    @Test(
        "Names resolve to scalars, repeated scalars, enums, nested fields and well-known scalars",
        arguments: [
            ("id", ["id"], nil as WellKnownType?),
            ("legacyIdentifier", ["legacy_id"], nil),
            ("status", ["status"], nil),
            ("tags", ["tags"], nil),
            ("history", ["history"], nil),
            ("parent.parent.name", ["parent", "parent", "name"], nil),
            ("card.number", ["card", "number"], nil),
            ("created_at", ["created_at"], .timestamp),
            ("version", ["version"], .int64Value),
            ("created_at.seconds", ["created_at", "seconds"], nil),
        ]
    )
    func resolves(name: String, fields: [String], wellKnownType: WellKnownType?) throws {
        let query = QueryParameters([QueryParameters.Parameter(name: name, value: "v")])
        let assignments = try query.resolve(against: Fixtures.messageIndex("Order"), in: pool)
        #expect(assignments.count == 1)
        #expect(assignments.first?.field.fields.map(\.name) == fields)
        #expect(assignments.first?.field.leafWellKnownType == wellKnownType)
        #expect(assignments.first?.value == "v")
    }

    @Test("FieldMask and Duration leaves are accepted")
    func fieldMask() throws {
        let query = try QueryParameters(parsing: "update_mask=name,status&order.id=7")
        let assignments = try query.resolve(against: Fixtures.messageIndex("UpdateOrderRequest"), in: pool)
        #expect(assignments.map(\.description) == ["update_mask=name,status", "order.id=7"])
        #expect(assignments.first?.field.leafWellKnownType == .fieldMask)
    }

    @Test("Repeated parameters stay in order, one assignment each")
    func repeated() throws {
        let query = try QueryParameters(parsing: "tags=1&labels=a&tags=2&tags=3")
        let assignments = try query.resolve(against: Fixtures.messageIndex("Order"), in: pool)
        #expect(assignments.map(\.description) == ["tags=1", "labels=a", "tags=2", "tags=3"])
    }

    @Test(
        "Maps, repeated messages, messages and steps through them are refused",
        arguments: [
            ("counters", "field 'counters' is a map; maps cannot be set by query parameters"),
            ("items", "field 'items' is a repeated message; it cannot be set by query parameters"),
            (
                "parent",
                "field 'parent' is a message (fixtures.orders.Order); set its fields instead ('parent.<field>=…')"
            ),
            (
                "metadata",
                "field 'metadata' is a message (google.protobuf.Struct); set its fields instead "
                    + "('metadata.<field>=…')"
            ),
            (
                "items.sku",
                "field 'items.sku': 'items' in fixtures.orders.Order is a repeated field; only singular message "
                    + "fields can be stepped through"
            ),
            (
                "id.x",
                "field 'id.x': 'id' in fixtures.orders.Order is not a message; only singular message fields can "
                    + "be stepped through"
            ),
        ]
    )
    func refused(name: String, message: String) {
        let query = QueryParameters([QueryParameters.Parameter(name: name, value: "1")])
        #expect {
            try query.resolve(against: Fixtures.messageIndex("Order"), in: pool)
        } throws: { error in
            let error = error as? RoutingError
            return error?.code == .invalidQueryParameter && error?.message == message
                && error?.subject == "query parameter '\(name)'"
        }
    }

    @Test("An unknown parameter is its own error, unless ignored by name or by policy")
    func unknown() throws {
        let query = try QueryParameters(parsing: "id=1&trace=on&parent.nope=2&a..b=3")
        let order = Fixtures.messageIndex("Order")
        #expect {
            try query.resolve(against: order, in: pool)
        } throws: { error in
            let error = error as? RoutingError
            return error?.code == .unknownQueryParameter && error?.fieldPath == "trace"
                && error?.description
                    == "query parameter 'trace': field 'trace': fixtures.orders.Order has no field 'trace'"
        }
        #expect {
            try query.resolve(against: order, in: pool, unknown: .ignore(["trace"]))
        } throws: { error in
            (error as? RoutingError)?.fieldPath == "parent.nope"
        }
        let kept = try query.resolve(against: order, in: pool, unknown: .ignoreAll)
        #expect(kept.map(\.description) == ["id=1"])
        let named = try query.resolve(against: order, in: pool, unknown: .ignore(["trace", "parent.nope", "a..b"]))
        #expect(named.map(\.description) == ["id=1"])
    }

    @Test("An invalid parameter is refused even when unknown ones are ignored")
    func invalidNotIgnored() {
        let query = QueryParameters([QueryParameters.Parameter(name: "counters", value: "1")])
        #expect {
            try query.resolve(against: Fixtures.messageIndex("Order"), in: pool, unknown: .ignoreAll)
        } throws: { error in
            (error as? RoutingError)?.code == .invalidQueryParameter
        }
    }
}
