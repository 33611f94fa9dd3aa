internal import Routing
internal import Testing

/// A request that must reach a route, with the bindings it must produce.
struct MatchCase: Sendable, CustomTestStringConvertible {
    let method: String
    let path: String
    let route: String
    let bindings: [String]

    init(_ method: String, _ path: String, _ route: String, _ bindings: [String] = []) {
        self.method = method
        self.path = path
        self.route = route
        self.bindings = bindings
    }

    var testDescription: String { "\(method) \(path) → \(route)" }
}

/// A request that must get 405, with the `Allow` list.
struct MethodNotAllowedCase: Sendable, CustomTestStringConvertible {
    let method: String
    let path: String
    let allowed: [String]

    var testDescription: String { "\(method) \(path)" }
}

/// Matching: precedence, verbs, `**`, percent-decoding, 404 versus 405.
@Suite("Route table matching")
struct RouteTableTests {
    /// (method, template, name): the name is the payload, so a test names the route it expects.
    static let routes: [(String, String, String)] = [
        ("GET", "/v1/books", "list"),
        ("GET", "/v1/{name}", "get"),
        ("POST", "/v1/books", "create"),
        ("POST", "/v1/{name=shelves/*/books/*}:publish", "publish"),
        ("GET", "/v1/{name=shelves/*/books/*}", "book"),
        ("GET", "/v1/{parent=shelves/*}/books", "shelfBooks"),
        ("GET", "/v1/files/{path=**}", "files"),
        ("GET", "/v1/files/{path=**}:list", "filesList"),
        ("GET", "/v2/{a}/x", "v2x"),
        ("GET", "/v2/c/d", "v2cd"),
        ("GET", "/v1/orders/{id}", "order"),
        ("POST", "/v1/orders/{id}:cancel", "cancel"),
        ("HEAD", "/v1/orders/{id}", "head"),
        ("*", "/v3/{x}", "any"),
        ("GET", "/v3/special", "special"),
        ("PATCH", "/v1/{order.name=shops/*/orders/*}", "nested"),
        ("GET", "/v4/a:b", "colonLiteral"),
        ("GET", "/v5/*/x", "star"),
        ("GET", "/v6/{a}/{b=x/*}/{c=**}", "three"),
    ]

    /// The table of ``routes``.
    static let table: RouteTable<String> = {
        var builder = RouteTable<String>.Builder()
        for (method, template, name) in routes {
            do {
                try builder.add(PathTemplate(parsing: template), RouteMethod(kind: method), payload: name)
            } catch {
                fatalError("fixture route \(template): \(error)")
            }
        }
        return builder.build()
    }()

    static let matchCases: [MatchCase] = [
        MatchCase("GET", "/v1/books", "list"),
        MatchCase("GET", "/v1/shelves", "get", ["name=shelves"]),
        MatchCase("POST", "/v1/books", "create"),
        MatchCase("POST", "/v1/shelves/s1/books/b1:publish", "publish", ["name=shelves/s1/books/b1"]),
        MatchCase("GET", "/v1/shelves/s1/books/b1", "book", ["name=shelves/s1/books/b1"]),
        MatchCase("GET", "/v1/shelves/s1/books", "shelfBooks", ["parent=shelves/s1"]),
        // `**` with zero, one and several segments; a verb after `**`.
        MatchCase("GET", "/v1/files", "files", ["path="]),
        MatchCase("GET", "/v1/files/a", "files", ["path=a"]),
        MatchCase("GET", "/v1/files/a/b/c", "files", ["path=a/b/c"]),
        MatchCase("GET", "/v1/files/a/b:list", "filesList", ["path=a/b"]),
        MatchCase("GET", "/v1/files:list", "filesList", ["path="]),
        MatchCase("GET", "/v1/files/x:y:list", "filesList", ["path=x:y"]),
        // Percent-decoding: a single-segment variable decodes %2F, a multi-segment one keeps it.
        MatchCase("GET", "/v1/a%2Fb", "get", ["name=a/b"]),
        MatchCase("GET", "/v1/a%2fb", "get", ["name=a/b"]),
        MatchCase("GET", "/v1/files/a%2Fb/c%20d", "files", ["path=a%2Fb/c d"]),
        MatchCase("GET", "/v1/files/a%2fb", "files", ["path=a%2fb"]),
        MatchCase("GET", "/v1/shelves/s%2F1/books", "shelfBooks", ["parent=shelves/s%2F1"]),
        MatchCase("GET", "/v1/%E2%82%AC", "get", ["name=€"]),
        MatchCase("GET", "/v1/a+b", "get", ["name=a+b"]),
        // A literal is compared as sent: an encoded literal is not the literal.
        MatchCase("GET", "/v1/b%6Foks", "get", ["name=books"]),
        // Backtracking: the literal `c` leads nowhere for `/x`, so `{a}` is tried.
        MatchCase("GET", "/v2/c/x", "v2x", ["a=c"]),
        MatchCase("GET", "/v2/c/d", "v2cd"),
        // Verbs: only registered verbs split the last segment (grpc-gateway issue #224).
        MatchCase("GET", "/v1/orders/bar:123", "order", ["id=bar:123"]),
        MatchCase("POST", "/v1/orders/o1:cancel", "cancel", ["id=o1"]),
        MatchCase("GET", "/v1/orders/o1:cancel", "order", ["id=o1:cancel"]),
        MatchCase("GET", "/v1/x:unknownverb", "get", ["name=x:unknownverb"]),
        MatchCase("GET", "/v1/shelves/s/books/b:publish", "book", ["name=shelves/s/books/b:publish"]),
        MatchCase("GET", "/v1/orders/o%3Acancel", "order", ["id=o:cancel"]),
        MatchCase("GET", "/v4/a:b", "colonLiteral"),
        // Custom methods, and a named method beating `*`.
        MatchCase("HEAD", "/v1/orders/o1", "head", ["id=o1"]),
        MatchCase("DELETE", "/v3/anything", "any", ["x=anything"]),
        MatchCase("GET", "/v3/special", "special"),
        MatchCase("POST", "/v3/special", "any", ["x=special"]),
        MatchCase("PATCH", "/v1/shops/s/orders/o", "nested", ["order.name=shops/s/orders/o"]),
        MatchCase("GET", "/v5/anything/x", "star"),
        MatchCase("GET", "/v6/1/x/2", "three", ["a=1", "b=x/2", "c="]),
        MatchCase("GET", "/v6/1/x/2/3/4", "three", ["a=1", "b=x/2", "c=3/4"]),
        // The query is not part of the path.
        MatchCase("GET", "/v1/books?name=x&y=/z", "list"),
        MatchCase("GET", "/v1/shelves?", "get", ["name=shelves"]),
        MatchCase("POST", "/v1/orders/o1:cancel?x=y:z", "cancel", ["id=o1"]),
    ]

    @Test("Requests reach the most specific route, with decoded bindings", arguments: matchCases)
    func matches(_ testCase: MatchCase) {
        switch Self.table.match(method: testCase.method, path: testCase.path) {
        case .matched(let match):
            #expect(match.payload == testCase.route)
            #expect(match.bindings.map(\.description) == testCase.bindings)
            #expect(Self.table.payload(ofRoute: match.route) == testCase.route)
        case let other:
            Issue.record("expected \(testCase.route), got \(other)")
        }
    }

    @Test(
        "Paths no route matches are 404",
        arguments: [
            "/v1/books/",  // a trailing slash is an empty segment
            "/v1/shelves/",
            "/v1",
            "/v1//books",
            "/v1/files/",  // `**` does not take empty segments either
            "/v1/files//a",
            "/v1/files/a/",
            "/",
            "",
            "v1/books",
            "*",
            "/v9/books",
            "/V1/books",
            "/v1/shelves/s1/books/b1/extra",
            "/v2/c",
            "/v4/a",
            "/v4/a:c",
            "/v5/a/y",
            "?/v1/books",
        ]
    )
    func notFound(path: String) {
        let result = Self.table.match(method: "GET", path: path)
        guard case .notFound = result else {
            Issue.record("expected 404 for '\(path)', got \(result)")
            return
        }
    }

    static let methodNotAllowedCases: [MethodNotAllowedCase] = [
        MethodNotAllowedCase(method: "DELETE", path: "/v1/books", allowed: ["GET", "POST"]),
        MethodNotAllowedCase(method: "PUT", path: "/v1/shelves", allowed: ["GET"]),
        MethodNotAllowedCase(method: "PUT", path: "/v1/orders/o1:cancel", allowed: ["GET", "HEAD", "POST"]),
        MethodNotAllowedCase(method: "PUT", path: "/v1/orders/o1", allowed: ["GET", "HEAD"]),
        MethodNotAllowedCase(method: "POST", path: "/v1/shelves/s1/books/b1:publis", allowed: ["GET"]),
        MethodNotAllowedCase(method: "DELETE", path: "/v1/files/a", allowed: ["GET"]),
        MethodNotAllowedCase(method: "DELETE", path: "/v1/files/a:list", allowed: ["GET"]),
        MethodNotAllowedCase(method: "get", path: "/v1/books", allowed: ["GET", "POST"]),
    ]

    @Test(
        "A path that matches only for other methods is 405 with the allowed methods",
        arguments: methodNotAllowedCases
    )
    func methodNotAllowed(_ testCase: MethodNotAllowedCase) {
        let result = Self.table.match(method: testCase.method, path: testCase.path)
        guard case .methodNotAllowed(let allowed) = result else {
            Issue.record("expected 405, got \(result)")
            return
        }
        #expect(allowed == testCase.allowed)
    }

    @Test(
        "A bad escape inside a bound variable is 400 with its offset in the path",
        arguments: [("/v1/a%zz", 5), ("/v1/files/ok/b%4", 14), ("/v1/orders/x%g1:cancel", 12)]
    )
    func invalidEscape(path: String, offset: Int) {
        let method = path.hasSuffix(":cancel") ? "POST" : "GET"
        let result = Self.table.match(method: method, path: path)
        guard case .invalidPath(let error) = result else {
            Issue.record("expected 400, got \(result)")
            return
        }
        #expect(error.code == .invalidPercentEncoding)
        #expect(error.offset == offset)
    }

    @Test("A '/**' route takes every path, including '/', but no empty segment")
    func catchAll() throws {
        var builder = RouteTable<Int>.Builder()
        try builder.add(PathTemplate(parsing: "/{rest=**}"), .named("GET"), payload: 1)
        let table = builder.build()
        for (path, value) in [("/", ""), ("/a", "a"), ("/a/b/c", "a/b/c"), ("/a:b", "a:b")] {
            guard case .matched(let match) = table.match(method: "GET", path: path) else {
                Issue.record("expected a match for \(path)")
                continue
            }
            #expect(match.bindings == [PathBinding(fieldPath: ["rest"], value: value)])
        }
        for path in ["//", "/a//b", "/a/"] {
            guard case .notFound = table.match(method: "GET", path: path) else {
                Issue.record("expected 404 for \(path)")
                continue
            }
        }
    }

    @Test("An empty table finds nothing, and route numbers follow the order of adding")
    func emptyAndNumbers() throws {
        let empty = RouteTable<Int>.Builder().build()
        #expect(empty.count == 0)
        guard case .notFound = empty.match(method: "GET", path: "/x") else {
            Issue.record("an empty table matched")
            return
        }
        var builder = RouteTable<String>.Builder()
        #expect(try builder.add(PathTemplate(parsing: "/a"), .named("GET"), payload: "a") == 0)
        #expect(try builder.add(PathTemplate(parsing: "/b"), .named("GET"), payload: "b") == 1)
        let table = builder.build()
        #expect(table.count == 2)
        guard case .matched(let match) = table.match(method: "GET", path: "/b") else {
            Issue.record("/b did not match")
            return
        }
        #expect(match.route == 1)
        #expect(table.template(ofRoute: 1).source == "/b")
    }

    @Test("Many literal siblings are all found (binary search over the sorted children)")
    func manySiblings() throws {
        var builder = RouteTable<Int>.Builder()
        let names = (0..<200).map { "r\($0 * 7919 % 1000)" }
        for (index, name) in names.enumerated() {
            try builder.add(PathTemplate(parsing: "/v1/\(name)/x"), .named("GET"), payload: index)
        }
        let table = builder.build()
        for (index, name) in names.enumerated() {
            guard case .matched(let match) = table.match(method: "GET", path: "/v1/\(name)/x") else {
                Issue.record("/v1/\(name)/x did not match")
                continue
            }
            #expect(match.payload == index)
        }
        guard case .notFound = table.match(method: "GET", path: "/v1/r/x") else {
            Issue.record("/v1/r/x matched")
            return
        }
    }

    @Test("Custom kinds: '*' is any method, a kind is upper-cased, junk is refused")
    func customKinds() throws {
        #expect(try RouteMethod(kind: "*") == .any)
        #expect(try RouteMethod(kind: "head") == .named("HEAD"))
        #expect(try RouteMethod(kind: "PROPFIND") == .named("PROPFIND"))
        for kind in ["", "GET /x", "G(E)T", "GÉT"] {
            #expect(throws: RoutingError.self) {
                try RouteMethod(kind: kind)
            }
        }
    }
}
