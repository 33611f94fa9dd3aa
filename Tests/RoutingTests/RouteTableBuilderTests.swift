internal import Routing
internal import Schema
internal import Testing

/// Two routes, as (method, template) pairs.
struct RoutePair: Sendable, CustomTestStringConvertible {
    let first: (String, String)
    let second: (String, String)

    init(_ firstMethod: String, _ firstTemplate: String, _ secondMethod: String, _ secondTemplate: String) {
        first = (firstMethod, firstTemplate)
        second = (secondMethod, secondTemplate)
    }

    var testDescription: String { "\(first.0) \(first.1) / \(second.0) \(second.1)" }
}

/// Ambiguity detection at build time.
@Suite("Route table building")
struct RouteTableBuilderTests {
    static let ambiguous: [RoutePair] = [
        RoutePair("GET", "/v1/{name}", "GET", "/v1/{id}"),
        RoutePair("GET", "/v1/{name=*}", "GET", "/v1/*"),
        RoutePair("GET", "/v1/{a=shelves/*}/books/{b}", "GET", "/v1/{name=shelves/*/books/*}"),
        RoutePair("GET", "/v1/{p=**}", "GET", "/v1/**"),
        RoutePair("POST", "/v1/{x}:run", "POST", "/v1/*:run"),
        RoutePair("*", "/v1/{a}", "*", "/v1/{b}"),
        RoutePair("GET", "/v1/books", "get", "/v1/books"),
        RoutePair("HEAD", "/a/{x}", "head", "/a/{y}"),
        RoutePair("GET", "/v1/books", "GET", "/v1/books"),
        RoutePair("GET", "/v1/{a.b}/x", "GET", "/v1/{c}/x"),
    ]

    @Test("Routes that match the same request with no precedence between them are refused", arguments: ambiguous)
    func refusesAmbiguous(_ pair: RoutePair) throws {
        var builder = RouteTable<String>.Builder()
        let first = try builder.add(
            PathTemplate(parsing: pair.first.1),
            RouteMethod(kind: pair.first.0),
            payload: "first"
        )
        let secondTemplate = try PathTemplate(parsing: pair.second.1)
        let secondMethod = try RouteMethod(kind: pair.second.0)
        #expect {
            try builder.add(secondTemplate, secondMethod, payload: "second")
        } throws: { error in
            let error = error as? RoutingError
            return error?.code == .ambiguousRoutes && error?.routes == [first, 1]
                && error?.message.contains(pair.first.1) == true && error?.message.contains(pair.second.1) == true
        }
        // The refused route is not in the table; the first still works.
        #expect(builder.count == 1)
        #expect(builder.payload(ofRoute: first) == "first")
    }

    static let distinct: [RoutePair] = [
        RoutePair("GET", "/v1/books", "GET", "/v1/{name}"),
        RoutePair("GET", "/v1/{name}", "POST", "/v1/{name}"),
        RoutePair("GET", "/v1/{name}", "*", "/v1/{id}"),
        RoutePair("GET", "/v1/{name}", "GET", "/v1/{name}:publish"),
        RoutePair("GET", "/v1/{name}:a", "GET", "/v1/{name}:b"),
        RoutePair("GET", "/v1/{a=*}", "GET", "/v1/{a=**}"),
        RoutePair("GET", "/v1/files", "GET", "/v1/files/**"),
        RoutePair("GET", "/v1/*/x", "GET", "/v1/x/*"),
        RoutePair("GET", "/v1/{name}", "GET", "/v1/{name}/x"),
        RoutePair("GET", "/v1/a:b", "GET", "/v1/a"),
    ]

    @Test("Routes that a precedence rule tells apart are both kept", arguments: distinct)
    func keepsDistinct(_ pair: RoutePair) throws {
        var builder = RouteTable<String>.Builder()
        try builder.add(PathTemplate(parsing: pair.first.1), RouteMethod(kind: pair.first.0), payload: "first")
        try builder.add(PathTemplate(parsing: pair.second.1), RouteMethod(kind: pair.second.0), payload: "second")
        #expect(builder.count == 2)
    }

    @Test("The ambiguity error names both routes and a request both match")
    func ambiguityMessage() throws {
        var builder = RouteTable<Int>.Builder()
        try builder.add(PathTemplate(parsing: "/v0"), .named("GET"), payload: 0)
        try builder.add(PathTemplate(parsing: "/v1/{name}/x:go"), .named("GET"), payload: 1)
        do {
            try builder.add(PathTemplate(parsing: "/v1/{id}/x:go"), .named("GET"), payload: 2)
            Issue.record("no error")
        } catch {
            #expect(error.code == .ambiguousRoutes)
            #expect(
                error.message
                    == "GET /v1/{id}/x:go is ambiguous with GET /v1/{name}/x:go: both match GET /v1/x/x:go"
            )
            #expect(error.routes == [1, 2])
        }
        do {
            try builder.add(PathTemplate(parsing: "/v2/**"), .any, payload: 3)
            try builder.add(PathTemplate(parsing: "/v2/{rest=**}"), .any, payload: 4, label: "gateway.yaml:12")
            Issue.record("no error")
        } catch {
            #expect(error.message == "gateway.yaml:12 is ambiguous with * /v2/**: both match any method on /v2")
            #expect(error.routes == [2, 3])
        }
    }

    @Test("Bindings of the fixture's methods build one table; a clashing YAML-style rule is named by selector")
    func fixtureBindings() throws {
        let pool = Fixtures.pool
        var builder = RouteTable<HTTPBinding>.Builder()
        for method in pool.methods {
            for rule in method.httpRules {
                for binding in try HTTPBinding.resolve(rule, for: method, in: pool) {
                    try builder.add(binding, payload: binding)
                }
            }
        }
        #expect(builder.count == 10)
        let clash = HTTPRule(method: "DELETE", pattern: "/v1/orders/{shop}")
        let binding = try #require(try HTTPBinding.resolve(clash, for: Fixtures.method("CheckOrder"), in: pool).first)
        #expect {
            try builder.add(binding, payload: binding)
        } throws: { error in
            (error as? RoutingError)?.message
                == "DELETE /v1/orders/{shop} (fixtures.orders.OrderService.CheckOrder) is ambiguous with "
                + "DELETE /v1/orders/{id} (fixtures.orders.OrderService.DeleteOrder): both match DELETE /v1/orders/x"
        }

        let table = builder.build()
        guard case .matched(let match) = table.match(method: "POST", path: "/v1/orders/o-1:get") else {
            Issue.record("the additional binding with a verb did not match")
            return
        }
        #expect(match.payload.selector == "fixtures.orders.OrderService.GetOrder")
        #expect(match.payload.bindingIndex == 2)
        #expect(match.payload.body == .wholeRequest)
        #expect(match.bindings == [PathBinding(fieldPath: ["id"], value: "o-1")])
        #expect(match.payload.variables.map(\.leaf.name) == ["id"])
    }
}
