/// Every REST route of the gateway, compiled once into one matcher and shared read-only by all
/// worker threads.
///
/// Built at start by a ``Builder`` (which refuses ambiguous routes) and frozen; per request,
/// ``match(method:path:)`` walks a trie over path segments (see `RouteTrie`) instead of trying the
/// routes one by one, and answers with the route, its path bindings, or why there is none.
///
/// Precedence, which is also what makes two routes *not* ambiguous (behavior.md, "REST mapping"):
/// 1. a template with a verb that the request's last segment ends with (`:publish`) beats reading
///    the `:` as part of the segment;
/// 2. leftmost difference first: a literal segment beats `*`, `*` beats `**`, and a template that
///    ends beats one whose `**` matches zero segments;
/// 3. a named method beats `custom { kind: "*" }`.
///
/// ```swift
/// var builder = RouteTable<Int>.Builder()
/// try builder.add(PathTemplate(parsing: "/v1/{name=shelves/*}"), .named("GET"), payload: 7)
/// let table = builder.build()
/// switch table.match(method: "GET", path: "/v1/shelves/1?view=full") {
/// case .matched(let match): print(match.payload, match.bindings)   // 7 [name=shelves/1]
/// case .methodNotAllowed(let allowed): print(405, allowed)
/// case .notFound: print(404)
/// case .invalidPath(let error): print(400, error)
/// }
/// ```
public struct RouteTable<Payload: Sendable>: Sendable {
    /// One route as added.
    struct Route: Sendable {
        /// The template.
        var template: PathTemplate
        /// The method it answers.
        var method: RouteMethod
        /// What the caller attached.
        var payload: Payload
        /// How errors name the route.
        var label: String
    }

    /// The routes in the order they were added; a route's number is its index here.
    let routes: [Route]
    /// The compiled templates.
    let trie: RouteTrie

    /// Creates a table; only ``Builder/build()`` does.
    init(routes: [Route], trie: RouteTrie) {
        self.routes = routes
        self.trie = trie
    }

    /// How many routes the table holds.
    public var count: Int {
        routes.count
    }

    /// The payload of a route, by the number ``Builder/add(_:_:payload:label:)`` returned.
    public func payload(ofRoute route: Int) -> Payload {
        routes[route].payload
    }

    /// The template of a route.
    public func template(ofRoute route: Int) -> PathTemplate {
        routes[route].template
    }

    /// Matches a request.
    ///
    /// The path is the request target's path as sent, still percent-encoded; matching stops at the
    /// first `?`, so passing the whole origin-form target (`/v1/x?a=1`) is fine, and the query is
    /// left to ``QueryParameters``. Segments are split at every `/`, and an empty segment (`//`, a
    /// trailing `/`) matches nothing, not even `**`, so `/v1/books/` is not `/v1/books`. A path
    /// that does not start with `/` matches nothing. `/` alone is zero segments.
    ///
    /// Apart from the result's bindings (and, for a 405, the list of methods), this allocates
    /// nothing: segments are compared as byte slices of the path.
    /// - Parameters:
    ///   - method: The request method as sent (`GET`); compared case-sensitively (RFC 9110 §9.1).
    ///   - path: The request path, optionally followed by `?` and the query.
    /// - Returns: The route with its bindings, 405 with the allowed methods, 404, or 400.
    public func match(method: String, path: String) -> RouteLookup<Payload> {
        var path = path
        return path.withUTF8 { buffer in
            match(method: method, buffer)
        }
    }

    /// ``match(method:path:)`` on the path's bytes.
    private func match(method: String, _ buffer: UnsafeBufferPointer<UInt8>) -> RouteLookup<Payload> {
        guard buffer.first == UInt8(ascii: "/") else {
            return .notFound
        }
        var end = 0
        var lastSlash = 0
        while end < buffer.count, buffer[end] != UInt8(ascii: "?") {
            if buffer[end] == UInt8(ascii: "/") {
                lastSlash = end
            }
            end += 1
        }

        // Interpretations of the last segment, most specific first: every `:` followed by a
        // registered verb (leftmost first, so the longest verb wins), then no verb at all.
        var pathMatched = false
        if !trie.verbs.isEmpty {
            var colon = lastSlash + 1
            while colon < end {
                if buffer[colon] == UInt8(ascii: ":") {
                    let verb = trie.verbIndex(buffer[(colon + 1)..<end])
                    if verb >= 0 {
                        let route = search(0, start(colon), colon, verb, method, buffer, &pathMatched)
                        if route >= 0 {
                            return bind(Int(route), buffer, pathEnd: colon)
                        }
                    }
                }
                colon += 1
            }
        }
        let route = search(0, start(end), end, -1, method, buffer, &pathMatched)
        if route >= 0 {
            return bind(Int(route), buffer, pathEnd: end)
        }
        guard pathMatched else {
            return .notFound
        }
        return .methodNotAllowed(allowed: allowedMethods(buffer, end: end, lastSlash: lastSlash))
    }

    /// Where the walk starts: at the leading `/`, or at the end for the path `/` (zero segments).
    @inline(__always)
    private func start(_ pathEnd: Int) -> Int {
        pathEnd == 1 ? 1 : 0
    }

    /// The depth-first walk (see `RouteTrie`).
    /// - Parameters:
    ///   - node: The current node.
    ///   - position: The offset of the `/` before the next segment, or `pathEnd` when none is left.
    ///   - pathEnd: Where the path (without verb and query) ends.
    ///   - verb: The verb this interpretation of the path has, or -1.
    ///   - method: The request method.
    ///   - buffer: The path bytes.
    ///   - pathMatched: Set when some route matches the path and verb, whatever its method.
    /// - Returns: The route, or -1.
    private func search(
        _ node: Int,
        _ position: Int,
        _ pathEnd: Int,
        _ verb: Int32,
        _ method: String,
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ pathMatched: inout Bool
    ) -> Int32 {
        if position == pathEnd {
            let route = pick(trie.nodes[node].endpoints, verb, method, &pathMatched)
            return route >= 0 ? route : pick(trie.nodes[node].deepEndpoints, verb, method, &pathMatched)
        }
        let segmentStart = position + 1
        var segmentEnd = segmentStart
        while segmentEnd < pathEnd, buffer[segmentEnd] != UInt8(ascii: "/") {
            segmentEnd += 1
        }
        if segmentEnd == segmentStart {
            return -1  // an empty segment matches nothing
        }
        let literal = trie.literalChild(of: node, buffer[segmentStart..<segmentEnd])
        if literal >= 0 {
            let route = search(Int(literal), segmentEnd, pathEnd, verb, method, buffer, &pathMatched)
            if route >= 0 {
                return route
            }
        }
        let wildcard = trie.nodes[node].wildcardChild
        if wildcard >= 0 {
            let route = search(Int(wildcard), segmentEnd, pathEnd, verb, method, buffer, &pathMatched)
            if route >= 0 {
                return route
            }
        }
        if !trie.nodes[node].deepEndpoints.isEmpty, Self.hasNoEmptySegment(buffer, from: position, to: pathEnd) {
            return pick(trie.nodes[node].deepEndpoints, verb, method, &pathMatched)
        }
        return -1
    }

    /// The route at a terminal that takes this verb and method: a named method first, then `*`.
    @inline(__always)
    private func pick(_ endpoints: [RouteTrie.Endpoint], _ verb: Int32, _ method: String, _ pathMatched: inout Bool)
        -> Int32
    {
        var any: Int32 = -1
        for endpoint in endpoints where endpoint.verb == verb {
            pathMatched = true
            switch endpoint.method {
            case .named(let name) where name == method:
                return endpoint.route
            case .any:
                any = endpoint.route
            case .named:
                continue
            }
        }
        return any
    }

    /// Whether every segment from `position` (a `/`) to `pathEnd` is non-empty.
    private static func hasNoEmptySegment(_ buffer: UnsafeBufferPointer<UInt8>, from position: Int, to pathEnd: Int)
        -> Bool
    {
        var index = position
        while index < pathEnd {
            // buffer[index] is '/': the next byte must start a segment.
            if index + 1 == pathEnd || buffer[index + 1] == UInt8(ascii: "/") {
                return false
            }
            index += 1
            while index < pathEnd, buffer[index] != UInt8(ascii: "/") {
                index += 1
            }
        }
        return true
    }

    /// For a 405: every method of every route that matches the path under any interpretation.
    private func allowedMethods(_ buffer: UnsafeBufferPointer<UInt8>, end: Int, lastSlash: Int) -> [String] {
        var methods: Set<String> = []
        var colon = lastSlash + 1
        while colon < end {
            if buffer[colon] == UInt8(ascii: ":") {
                let verb = trie.verbIndex(buffer[(colon + 1)..<end])
                if verb >= 0 {
                    collect(0, start(colon), colon, verb, buffer, &methods)
                }
            }
            colon += 1
        }
        collect(0, start(end), end, -1, buffer, &methods)
        return methods.sorted()
    }

    /// Like `search`, but visits every match and gathers the methods of the routes found.
    private func collect(
        _ node: Int,
        _ position: Int,
        _ pathEnd: Int,
        _ verb: Int32,
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ methods: inout Set<String>
    ) {
        let current = trie.nodes[node]
        if position == pathEnd {
            for endpoint in current.endpoints + current.deepEndpoints where endpoint.verb == verb {
                methods.insert(endpoint.method.description)
            }
            return
        }
        let segmentStart = position + 1
        var segmentEnd = segmentStart
        while segmentEnd < pathEnd, buffer[segmentEnd] != UInt8(ascii: "/") {
            segmentEnd += 1
        }
        if segmentEnd == segmentStart {
            return
        }
        let literal = trie.literalChild(of: node, buffer[segmentStart..<segmentEnd])
        if literal >= 0 {
            collect(Int(literal), segmentEnd, pathEnd, verb, buffer, &methods)
        }
        if current.wildcardChild >= 0 {
            collect(Int(current.wildcardChild), segmentEnd, pathEnd, verb, buffer, &methods)
        }
        if Self.hasNoEmptySegment(buffer, from: position, to: pathEnd) {
            for endpoint in current.deepEndpoints where endpoint.verb == verb {
                methods.insert(endpoint.method.description)
            }
        }
    }

    /// Builds the match result: each variable's value, cut from the path and percent-decoded.
    /// - Parameters:
    ///   - route: The route that matched.
    ///   - buffer: The path bytes.
    ///   - pathEnd: Where the path ends under the interpretation that matched (before the verb).
    private func bind(_ route: Int, _ buffer: UnsafeBufferPointer<UInt8>, pathEnd: Int) -> RouteLookup<Payload> {
        let entry = routes[route]
        let variables = entry.template.variables
        if variables.isEmpty {
            return .matched(RouteMatch(payload: entry.payload, route: route, bindings: []))
        }
        var segmentCount = 0
        if pathEnd > 1 {
            for index in 0..<pathEnd where buffer[index] == UInt8(ascii: "/") {
                segmentCount += 1
            }
        }
        let templateEndsDeep = entry.template.endsWithDeepWildcard
        let lastTemplateSegment = entry.template.segments.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: segmentCount + 1) { starts in
            // starts[k] is the offset of segment k's first byte; starts[count] is one past the end,
            // so segment k spans starts[k] ..< starts[k + 1] - 1.
            var k = 0
            if pathEnd > 1 {
                for index in 0..<pathEnd where buffer[index] == UInt8(ascii: "/") {
                    starts[k] = index + 1
                    k += 1
                }
            }
            starts[segmentCount] = pathEnd + 1
            var bindings: [PathBinding] = []
            bindings.reserveCapacity(variables.count)
            for variable in variables {
                let first = variable.segments.lowerBound
                let last =
                    templateEndsDeep && variable.segments.upperBound == lastTemplateSegment
                    ? segmentCount : variable.segments.upperBound
                let value: String
                if first >= last {
                    value = ""  // `**` that matched zero segments
                } else {
                    let bytes = buffer[starts[first]..<(starts[last] - 1)]
                    do throws(RoutingError) {
                        value = try PercentDecoding.decode(
                            bytes,
                            mode: variable.isMultiSegment ? .allExceptSlash : .all
                        )
                    } catch {
                        let offset = error.offset.map { $0 + starts[first] }
                        return .invalidPath(
                            RoutingError(
                                code: .invalidPercentEncoding,
                                message: offset.map { "'%' not followed by two hex digits at offset \($0)" }
                                    ?? error.message,
                                subject: "path variable '\(variable.dottedFieldPath)'",
                                offset: offset
                            )
                        )
                    }
                }
                bindings.append(PathBinding(fieldPath: variable.fieldPath, value: value))
            }
            return .matched(RouteMatch(payload: entry.payload, route: route, bindings: bindings))
        }
    }
}
