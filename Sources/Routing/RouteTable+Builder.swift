extension RouteTable {
    /// Collects routes at start, refusing any that is ambiguous with one already added, and
    /// freezes them into a ``RouteTable``.
    ///
    /// Two routes are ambiguous when some request matches both and none of the table's precedence
    /// rules (``RouteTable``) prefers one: their templates have the same shape (the same literals,
    /// `*` and `**` at the same places, whatever the variables are called), the same verb, and the
    /// same method. So `GET /v1/{name}` and `GET /v1/{id}` are refused, while `GET /v1/books` beside
    /// `GET /v1/{name}` is not (the literal wins), nor is `GET /v1/{name}` beside
    /// `custom {kind: "*"} /v1/{id}` (the named method wins). In the trie such routes land on the
    /// same terminal, so the check costs nothing extra.
    ///
    /// ```swift
    /// var builder = RouteTable<Location>.Builder()
    /// for (binding, location) in bindings {
    ///     do { try builder.add(binding, payload: location) }
    ///     catch { report(error, at: location, other: error.routes.first.map(builder.payload(ofRoute:))) }
    /// }
    /// let table = builder.build()
    /// ```
    public struct Builder {
        /// A trie node while routes are being added.
        private struct Node {
            /// Literal segment → child node.
            var literals: [String: Int] = [:]
            /// The `*` child.
            var wildcard: Int?
            /// Routes ending here.
            var endpoints: [RouteTrie.Endpoint] = []
            /// Routes ending with `**` here.
            var deepEndpoints: [RouteTrie.Endpoint] = []
        }

        /// The routes added so far.
        private var routes: [Route] = []
        /// The trie so far; index 0 is the root.
        private var nodes: [Node] = [Node()]
        /// The verbs seen so far, in first-seen order.
        private var verbs: [String] = []

        /// Creates an empty builder.
        public init() {}

        /// How many routes have been added.
        public var count: Int {
            routes.count
        }

        /// The payload of a route already added, so an ambiguity error's other route can be named.
        public func payload(ofRoute route: Int) -> Payload {
            routes[route].payload
        }

        /// Adds a route.
        /// - Parameters:
        ///   - template: The path template.
        ///   - method: The method it answers.
        ///   - payload: What ``RouteTable/match(method:path:)`` returns when it matches.
        ///   - label: How errors name the route; `METHOD template` by default.
        /// - Returns: The route's number (0, 1, 2, … in the order added).
        /// - Throws: ``RoutingError/Code/ambiguousRoutes`` naming both routes, with
        ///   ``RoutingError/routes`` = [the route already added, this one]. The route is then not
        ///   added, and the builder stays usable, so a caller can report every conflict at once.
        @discardableResult
        public mutating func add(
            _ template: PathTemplate,
            _ method: RouteMethod,
            payload: Payload,
            label: String? = nil
        ) throws(RoutingError) -> Int {
            let route = routes.count
            let label = label ?? "\(method) \(template.source)"
            var verb: Int32 = -1
            if let text = template.verb {
                verb = Int32(verbs.firstIndex(of: text) ?? verbs.count)
            }
            // Find the terminal first, creating nodes as needed; the route is committed only
            // when no other route sits there with the same verb and method.
            var node = 0
            var isDeep = false
            for segment in template.segments {
                switch segment {
                case .literal(let text):
                    if let child = nodes[node].literals[text] {
                        node = child
                    } else {
                        nodes.append(Node())
                        nodes[node].literals[text] = nodes.count - 1
                        node = nodes.count - 1
                    }
                case .wildcard:
                    if let child = nodes[node].wildcard {
                        node = child
                    } else {
                        nodes.append(Node())
                        nodes[node].wildcard = nodes.count - 1
                        node = nodes.count - 1
                    }
                case .deepWildcard:
                    isDeep = true  // always the last segment (the parser sees to it)
                }
            }
            let terminal = isDeep ? nodes[node].deepEndpoints : nodes[node].endpoints
            if let other = terminal.first(where: { $0.verb == verb && $0.method == method }) {
                let existing = routes[Int(other.route)]
                let request = method == .any ? "any method on" : "\(method)"
                throw RoutingError(
                    code: .ambiguousRoutes,
                    message: "\(label) is ambiguous with \(existing.label): both match \(request) "
                        + "\(template.examplePath)",
                    routes: [Int(other.route), route]
                )
            }
            if let text = template.verb, Int(verb) == verbs.count {
                verbs.append(text)
            }
            let endpoint = RouteTrie.Endpoint(verb: verb, method: method, route: Int32(route))
            if isDeep {
                nodes[node].deepEndpoints.append(endpoint)
            } else {
                nodes[node].endpoints.append(endpoint)
            }
            routes.append(Route(template: template, method: method, payload: payload, label: label))
            return route
        }

        /// Freezes the routes into an immutable table.
        public func build() -> RouteTable {
            let frozen = nodes.map { node in
                let literals = node.literals.map { (Array($0.key.utf8), Int32($0.value)) }
                    .sorted { $0.0.lexicographicallyPrecedes($1.0) }
                return RouteTrie.Node(
                    literalKeys: literals.map(\.0),
                    literalChildren: literals.map(\.1),
                    wildcardChild: node.wildcard.map(Int32.init) ?? -1,
                    endpoints: node.endpoints,
                    deepEndpoints: node.deepEndpoints
                )
            }
            return RouteTable(routes: routes, trie: RouteTrie(nodes: frozen, verbs: verbs.map { Array($0.utf8) }))
        }
    }
}

extension PathTemplate {
    /// A request path this template matches, for error messages: literals as written, `x` for
    /// each `*`, nothing for `**`, then the verb.
    var examplePath: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .literal(let literal): text += "/\(literal)"
            case .wildcard: text += "/x"
            case .deepWildcard: break
            }
        }
        if text.isEmpty {
            text = "/"
        }
        if let verb {
            text += ":\(verb)"
        }
        return text
    }
}
