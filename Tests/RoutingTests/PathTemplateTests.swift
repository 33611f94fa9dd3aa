internal import Routing
internal import Testing

/// One template that parses, with what it must parse into.
struct ParsedCase: Sendable, CustomTestStringConvertible {
    let template: String
    let segments: [String]
    let variables: [String]
    let verb: String?
    let canonical: String

    var testDescription: String { template }
}

/// One template that must not parse, with the exact reason.
struct InvalidTemplateCase: Sendable, CustomTestStringConvertible {
    let template: String
    let message: String
    let offset: Int

    var testDescription: String { template.isEmpty ? "(empty)" : template }
}

/// The grammar of `google/api/http.proto` (protocols.md B5) and the rules it leaves open.
@Suite("Path template parsing")
struct PathTemplateTests {
    static let parsed: [ParsedCase] = [
        ParsedCase(
            template: "/v1/{name=shelves/*/books/*}:publish",
            segments: ["v1", "shelves", "*", "books", "*"],
            variables: ["name@1..<5"],
            verb: "publish",
            canonical: "/v1/{name=shelves/*/books/*}:publish"
        ),
        ParsedCase(
            template: "/v1/shelves",
            segments: ["v1", "shelves"],
            variables: [],
            verb: nil,
            canonical: "/v1/shelves"
        ),
        ParsedCase(
            template: "/v1/{name}",
            segments: ["v1", "*"],
            variables: ["name@1..<2"],
            verb: nil,
            canonical: "/v1/{name=*}"
        ),
        ParsedCase(
            template: "/v1/{a.b.c}/x",
            segments: ["v1", "*", "x"],
            variables: ["a.b.c@1..<2"],
            verb: nil,
            canonical: "/v1/{a.b.c=*}/x"
        ),
        ParsedCase(
            template: "/v1/{name=**}",
            segments: ["v1", "**"],
            variables: ["name@1..<2"],
            verb: nil,
            canonical: "/v1/{name=**}"
        ),
        ParsedCase(template: "/**", segments: ["**"], variables: [], verb: nil, canonical: "/**"),
        ParsedCase(template: "/*", segments: ["*"], variables: [], verb: nil, canonical: "/*"),
        ParsedCase(
            template: "/v1/files/**:list",
            segments: ["v1", "files", "**"],
            variables: [],
            verb: "list",
            canonical: "/v1/files/**:list"
        ),
        ParsedCase(
            template: "/v1/{name}:a:b",
            segments: ["v1", "*"],
            variables: ["name@1..<2"],
            verb: "a:b",
            canonical: "/v1/{name=*}:a:b"
        ),
        ParsedCase(
            template: "/v1/a%2Fb",
            segments: ["v1", "a%2Fb"],
            variables: [],
            verb: nil,
            canonical: "/v1/a%2Fb"
        ),
        ParsedCase(
            template: "/v1/{a=x/*}/{b=y/**}",
            segments: ["v1", "x", "*", "y", "**"],
            variables: ["a@1..<3", "b@3..<5"],
            verb: nil,
            canonical: "/v1/{a=x/*}/{b=y/**}"
        ),
        ParsedCase(
            template: "/v1/{name=shelves}",
            segments: ["v1", "shelves"],
            variables: ["name@1..<2"],
            verb: nil,
            canonical: "/v1/{name=shelves}"
        ),
        ParsedCase(template: "/v1:custom", segments: ["v1"], variables: [], verb: "custom", canonical: "/v1:custom"),
        ParsedCase(
            template: "/{_x1.Y_2}",
            segments: ["*"],
            variables: ["_x1.Y_2@0..<1"],
            verb: nil,
            canonical: "/{_x1.Y_2=*}"
        ),
        ParsedCase(
            template: "/v1/~user@host+x,(y)!$&';-._",
            segments: ["v1", "~user@host+x,(y)!$&';-._"],
            variables: [],
            verb: nil,
            canonical: "/v1/~user@host+x,(y)!$&';-._"
        ),
        ParsedCase(
            template: "/v1/*/{id}/*/**",
            segments: ["v1", "*", "*", "*", "**"],
            variables: ["id@2..<3"],
            verb: nil,
            canonical: "/v1/*/{id=*}/*/**"
        ),
    ]

    @Test("Templates parse into segments, variables and a verb", arguments: parsed)
    func parses(_ testCase: ParsedCase) throws {
        let template = try PathTemplate(parsing: testCase.template)
        #expect(template.segments.map(\.description) == testCase.segments)
        #expect(template.variables.map(\.description) == testCase.variables)
        #expect(template.verb == testCase.verb)
        #expect(template.canonical == testCase.canonical)
        #expect(template.source == testCase.template)
        // The canonical form is itself a template with the same meaning.
        let reparsed = try PathTemplate(parsing: template.canonical)
        #expect(reparsed.segments == template.segments)
        #expect(reparsed.variables == template.variables)
        #expect(reparsed.verb == template.verb)
    }

    @Test(
        "A variable is multi-segment when it covers several segments or a '**'",
        arguments: [
            ("/v1/{name}", false),
            ("/v1/{name=*}", false),
            ("/v1/{name=shelves}", false),
            ("/v1/{name=shelves/*}", true),
            ("/v1/{name=**}", true),
            ("/v1/{name=a/b}", true),
        ]
    )
    func multiSegment(template: String, isMultiSegment: Bool) throws {
        let parsed = try PathTemplate(parsing: template)
        #expect(parsed.variables.map(\.isMultiSegment) == [isMultiSegment])
    }

    static let invalid: [InvalidTemplateCase] = [
        InvalidTemplateCase(template: "", message: "a template must not be empty", offset: 0),
        InvalidTemplateCase(
            template: "v1/x",
            message: "a template must start with '/' (found 'v' at offset 0)",
            offset: 0
        ),
        InvalidTemplateCase(template: "/", message: "expected a segment at offset 1", offset: 1),
        InvalidTemplateCase(template: "/v1/", message: "expected a segment at offset 4", offset: 4),
        InvalidTemplateCase(template: "/v1//x", message: "expected a segment at offset 4", offset: 4),
        InvalidTemplateCase(template: "/:verb", message: "expected a segment at offset 1", offset: 1),
        InvalidTemplateCase(template: "/v1/{a=}", message: "expected a segment at offset 7", offset: 7),
        InvalidTemplateCase(template: "/v1/{id}/x}y", message: "unexpected '}' at offset 10", offset: 10),
        InvalidTemplateCase(template: "/v1/}", message: "unexpected '}' at offset 4", offset: 4),
        InvalidTemplateCase(template: "/v1/{name", message: "'{' at offset 4 is not closed", offset: 4),
        InvalidTemplateCase(template: "/v1/{name=a/*", message: "'{' at offset 4 is not closed", offset: 4),
        InvalidTemplateCase(
            template: "/v1/{name=a/{b}}",
            message: "unexpected '{' at offset 12: variables cannot nest",
            offset: 12
        ),
        InvalidTemplateCase(template: "/v1/**/x", message: "'**' at offset 4 must be the last segment", offset: 4),
        InvalidTemplateCase(template: "/v1/{a=**}/x", message: "'**' at offset 7 must be the last segment", offset: 7),
        InvalidTemplateCase(template: "/v1/{a=**/b}", message: "'**' at offset 7 must be the last segment", offset: 7),
        InvalidTemplateCase(template: "/**/**", message: "'**' at offset 1 must be the last segment", offset: 1),
        InvalidTemplateCase(
            template: "/v1/{a.}",
            message: "expected a field name at offset 7 (found '}')",
            offset: 7
        ),
        InvalidTemplateCase(
            template: "/v1/{1a}",
            message: "expected a field name at offset 5 (found '1')",
            offset: 5
        ),
        InvalidTemplateCase(
            template: "/v1/{a..b}",
            message: "expected a field name at offset 7 (found '.')",
            offset: 7
        ),
        InvalidTemplateCase(template: "/v1/{}", message: "expected a field name at offset 5 (found '}')", offset: 5),
        InvalidTemplateCase(
            template: "/v1/{a}/{a}",
            message: "field path 'a' is bound twice (again at offset 9)",
            offset: 9
        ),
        InvalidTemplateCase(
            template: "/v1/x:",
            message: "expected a verb at offset 6 (found end of template)",
            offset: 6
        ),
        InvalidTemplateCase(template: "/v1/x:a/b", message: "unexpected '/' at offset 7", offset: 7),
        InvalidTemplateCase(template: "/v1/a*", message: "unexpected '*' at offset 5", offset: 5),
        InvalidTemplateCase(template: "/v1/***", message: "unexpected '*' at offset 6", offset: 6),
        InvalidTemplateCase(template: "/v1/*a", message: "unexpected 'a' at offset 5", offset: 5),
        InvalidTemplateCase(
            template: "/v1/%zz",
            message: "'%' not followed by two hex digits at offset 4",
            offset: 4
        ),
        InvalidTemplateCase(
            template: "/v1/a%2",
            message: "'%' not followed by two hex digits at offset 5",
            offset: 5
        ),
        InvalidTemplateCase(template: "/v1/a=b", message: "unexpected '=' at offset 5", offset: 5),
        InvalidTemplateCase(template: "/v1/é", message: "unexpected non-ASCII character at offset 4", offset: 4),
        InvalidTemplateCase(template: "/v1/{a b}", message: "unexpected ' ' at offset 6", offset: 6),
        InvalidTemplateCase(template: "/v1/a?b", message: "unexpected '?' at offset 5", offset: 5),
        InvalidTemplateCase(template: "/v1/{a=b:c}", message: "unexpected ':' at offset 8", offset: 8),
        InvalidTemplateCase(template: "/v1/{a}x", message: "unexpected 'x' at offset 7", offset: 7),
        InvalidTemplateCase(template: "/v1/a\tb", message: "unexpected control character 0x9 at offset 5", offset: 5),
    ]

    @Test("Invalid templates are refused with the reason and the offset", arguments: invalid)
    func refuses(_ testCase: InvalidTemplateCase) {
        #expect {
            try PathTemplate(parsing: testCase.template)
        } throws: { error in
            guard let error = error as? RoutingError else {
                return false
            }
            #expect(error.code == .invalidTemplate)
            #expect(error.message == testCase.message)
            #expect(error.offset == testCase.offset)
            #expect(error.description == "path template '\(testCase.template)': \(testCase.message)")
            return error.message == testCase.message && error.offset == testCase.offset
        }
    }
}
