internal import Routing
internal import Testing

/// SplitMix64: a tiny deterministic generator, so a failing fuzz case is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random templates: parse or fail cleanly, and when they parse, match a path made from them.
@Suite("Path template fuzzing")
struct PathTemplateFuzzTests {
    /// Pieces that random templates are glued from: valid grammar tokens, and junk.
    static let pieces = [
        "/", "/", "/", "*", "**", "{", "}", "=", ".", ":", "a", "b1", "_x", "shelves", "%2F", "%zz", "%",
        "é", "?", "~", "-", "{id}", "{a.b=*}", "{p=**}", "/v1", ":verb", "{", " ", "&", "x:y",
    ]

    /// Segment values a `*` or `**` takes in a generated path, with how each decodes in a single-segment
    /// and in a multi-segment variable.
    static let values: [(raw: String, single: String, multi: String)] = [
        ("s", "s", "s"),
        ("x1", "x1", "x1"),
        ("k:v", "k:v", "k:v"),
        ("a%20b", "a b", "a b"),
        ("c%2Fd", "c/d", "c%2Fd"),
        ("e+f", "e+f", "e+f"),
    ]

    /// A random template: half the time drawn from the grammar (then sometimes mutated by one
    /// piece inserted, or one character dropped), half the time 1 to 12 random pieces glued together.
    static func randomTemplate(_ random: inout SplitMix64) -> String {
        guard Bool.random(using: &random) else {
            var text = Int.random(in: 0..<10, using: &random) == 0 ? "" : "/"
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                text += pieces.randomElement(using: &random)!
            }
            return text
        }
        let literals = ["v1", "shelves", "a-b", "%2F", "x.y", "~u", "@"]
        let names = ["name", "a.b", "_x", "id2", "order.name"]
        func segments(count: Int, deepLast: Bool, _ random: inout SplitMix64) -> [String] {
            (0..<count).map { index in
                if deepLast && index == count - 1 {
                    return "**"
                }
                return Bool.random(using: &random) ? literals.randomElement(using: &random)! : "*"
            }
        }
        let count = Int.random(in: 1...5, using: &random)
        let deepLast = Int.random(in: 0..<3, using: &random) == 0
        var parts = segments(count: count, deepLast: deepLast, &random)
        // Wrap a run of segments in one variable (the variable may take the `**`).
        if Bool.random(using: &random) {
            let start = Int.random(in: 0..<count, using: &random)
            let end = Int.random(in: (start + 1)...count, using: &random)
            let inner = parts[start..<end].joined(separator: "/")
            let name = names.randomElement(using: &random)!
            let variable = inner == "*" && Bool.random(using: &random) ? "{\(name)}" : "{\(name)=\(inner)}"
            parts.replaceSubrange(start..<end, with: [variable])
        }
        var text = "/" + parts.joined(separator: "/")
        if Bool.random(using: &random) {
            text += [":do", ":a:b", ":x-y"].randomElement(using: &random)!
        }
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            var characters = Array(text)
            characters.remove(at: Int.random(in: 0..<characters.count, using: &random))
            text = String(characters)
        case 1:
            var characters = Array(text)
            let piece = pieces.randomElement(using: &random)!
            characters.insert(contentsOf: piece, at: Int.random(in: 0...characters.count, using: &random))
            text = String(characters)
        default:
            break
        }
        return text
    }

    /// A request path the template must match, and the binding values it must produce.
    static func path(for template: PathTemplate, _ random: inout SplitMix64) -> (String, [String]) {
        var raw: [String] = []
        var single: [String] = []
        var multi: [String] = []
        for segment in template.segments {
            switch segment {
            case .literal(let text):
                // A literal is matched as written; inside a one-segment variable it is decoded too.
                raw.append(text)
                single.append(text.replacing("%2F", with: "/"))
                multi.append(text)
            case .wildcard:
                let value = values.randomElement(using: &random)!
                raw.append(value.raw)
                single.append(value.single)
                multi.append(value.multi)
            case .deepWildcard:
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    let value = values.randomElement(using: &random)!
                    raw.append(value.raw)
                    single.append(value.single)
                    multi.append(value.multi)
                }
            }
        }
        var path = "/" + raw.joined(separator: "/")
        if let verb = template.verb {
            path += ":\(verb)"
        }
        let extra = raw.count - template.segments.count  // what `**` took beyond its own slot
        let bindings = template.variables.map { variable -> String in
            let last = variable.segments.upperBound == template.segments.count && template.endsWithDeepWildcard
            let range = variable.segments.lowerBound..<(variable.segments.upperBound + (last ? extra : 0))
            let decoded = variable.isMultiSegment ? multi[range] : single[range]
            return decoded.joined(separator: "/")
        }
        return (path, bindings)
    }

    @Test("Random templates parse or fail with an offset inside the template; parsed ones match their paths")
    func fuzz() throws {
        var random = SplitMix64(seed: 0x5EED_0F_4011)
        var parsedCount = 0
        var builder = RouteTable<Int>.Builder()
        var generated: [(path: String, template: String)] = []
        for _ in 0..<3000 {
            let text = Self.randomTemplate(&random)
            let template: PathTemplate
            do {
                template = try PathTemplate(parsing: text)
            } catch {
                #expect(error.code == .invalidTemplate)
                #expect(error.offset.map { $0 >= 0 && $0 <= text.utf8.count } == true, "\(text): \(error)")
                continue
            }
            parsedCount += 1
            var single = RouteTable<Int>.Builder()
            try single.add(template, .named("GET"), payload: parsedCount)
            let table = single.build()
            let (path, bindings) = Self.path(for: template, &random)
            switch table.match(method: "GET", path: path) {
            case .matched(let match):
                #expect(match.bindings.map(\.value) == bindings, "\(text) with \(path)")
                #expect(match.bindings.map(\.fieldPath) == template.variables.map(\.fieldPath))
            case let other:
                Issue.record("\(text) did not match its own path \(path): \(other)")
            }
            if case .methodNotAllowed = table.match(method: "POST", path: path) {
            } else {
                Issue.record("\(text): POST \(path) is not 405")
            }
            // The same template, in one table with all the others: its path must reach some route
            // (possibly a more specific one), unless it was refused as ambiguous.
            if (try? builder.add(template, .named("GET"), payload: parsedCount)) != nil {
                generated.append((path, text))
            }
        }
        // Enough of the random templates parse for the matching half to mean something.
        #expect(parsedCount > 1000)
        let all = builder.build()
        for (path, text) in generated {
            guard case .matched = all.match(method: "GET", path: path) else {
                Issue.record("\(text): \(path) matches nothing in the combined table")
                continue
            }
        }
    }

    @Test("Random request paths never crash the matcher")
    func randomPaths() throws {
        var builder = RouteTable<Int>.Builder()
        for (index, template) in RouteTableTests.routes.enumerated() {
            try builder.add(PathTemplate(parsing: template.1), RouteMethod(kind: template.0), payload: index)
        }
        let table = builder.build()
        let segments = ["v1", "v3", "books", "files", "shelves", "orders", "o1", "x", "%2F", "%zz", "a:b", "", "é"]
        let junk = ["/", ":", "%", "?", "*", ":publish", ":list", ":cancel"]
        var random = SplitMix64(seed: 42)
        var outcomes = [0, 0, 0, 0]
        for _ in 0..<5000 {
            var parts: [String] = []
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                parts.append(segments.randomElement(using: &random)!)
            }
            var path = (Int.random(in: 0..<20, using: &random) == 0 ? "" : "/") + parts.joined(separator: "/")
            if Int.random(in: 0..<3, using: &random) == 0 {
                path += junk.randomElement(using: &random)!
            }
            switch table.match(method: ["GET", "POST", "PATCH"].randomElement(using: &random)!, path: path) {
            case .matched: outcomes[0] += 1
            case .methodNotAllowed(let allowed):
                outcomes[1] += 1
                #expect(!allowed.isEmpty)
            case .notFound: outcomes[2] += 1
            case .invalidPath: outcomes[3] += 1
            }
        }
        // Every outcome happens, so the random paths exercise every branch.
        #expect(outcomes.allSatisfy { $0 > 0 }, "\(outcomes)")
    }
}
