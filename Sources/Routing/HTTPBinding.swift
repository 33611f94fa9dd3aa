public import Schema

/// One way to reach a method over REST — an `HttpRule` or one of its `additional_bindings` —
/// parsed and checked against the method's request and response messages.
///
/// The gateway builds these at start, one per binding of every annotated or configured method,
/// and refuses to start on the first error (issue 4: "a template that does not parse, a field path
/// that does not exist or has the wrong kind … the gateway refuses to start and says file, line and
/// why"). Everything a request needs later is resolved here, so the per-request path maps each
/// ``RouteMatch/bindings`` entry to ``variables`` by position and never looks a name up.
///
/// ```swift
/// for method in pool.methods {
///     for rule in method.httpRules {
///         for binding in try HTTPBinding.resolve(rule, for: method, in: pool) {
///             try builder.add(binding, payload: binding)
///         }
///     }
/// }
/// ```
public struct HTTPBinding: Sendable {
    /// How a request body maps onto the request message (`HttpRule.body`).
    public enum Body: Sendable, Hashable {
        /// No body: every field not in the path comes from the query.
        case none
        /// `body: "*"`: the body is the whole request message (minus path fields); no query
        /// parameter maps (protocols.md B5).
        case wholeRequest
        /// `body: "field"`: the body is this top-level request field.
        case field(FieldSchema)
    }

    /// The method's full name (`pkg.Service.Method`), as selectors name it.
    public var selector: String
    /// The method's index in ``DescriptorPool/methods``.
    public var methodIndex: Int
    /// 0 for the rule itself, then 1, 2, … for its `additional_bindings` in order.
    public var bindingIndex: Int
    /// The rule this binding came from, with its `additional_bindings` removed.
    public var rule: HTTPRule
    /// The HTTP method.
    public var method: RouteMethod
    /// The parsed path template.
    public var template: PathTemplate
    /// The resolved field path of each template variable, in the order of
    /// ``PathTemplate/variables`` (and of ``RouteMatch/bindings``).
    public var variables: [ResolvedFieldPath]
    /// Where the request body goes.
    public var body: Body
    /// The response field that becomes the response body, or `nil` for the whole response.
    public var responseBody: FieldSchema?

    /// Creates a binding from checked parts; ``resolve(_:for:in:)`` is the usual way.
    public init(
        selector: String,
        methodIndex: Int,
        bindingIndex: Int,
        rule: HTTPRule,
        method: RouteMethod,
        template: PathTemplate,
        variables: [ResolvedFieldPath],
        body: Body,
        responseBody: FieldSchema?
    ) {
        self.selector = selector
        self.methodIndex = methodIndex
        self.bindingIndex = bindingIndex
        self.rule = rule
        self.method = method
        self.template = template
        self.variables = variables
        self.body = body
        self.responseBody = responseBody
    }

    /// How errors and ambiguity reports name this binding: `GET /v1/{id} (pkg.Service.Method)`.
    public var label: String {
        "\(method) \(template.source) (\(selector)\(bindingIndex > 0 ? ", additional binding \(bindingIndex)" : ""))"
    }

    /// Parses and checks a rule and its additional bindings for a method.
    ///
    /// Checks, per protocols.md B5 and `google/api/http.proto`:
    /// - the rule has a pattern, and a custom kind is an HTTP method token (``RouteMethod/init(kind:)``);
    /// - the template parses (``PathTemplate/init(parsing:)``);
    /// - every variable's field path exists in the request message, every step but the last is a
    ///   singular message field, and the last is a singular scalar (``ResolvedFieldPath/Usage/pathVariable``);
    /// - `body` is empty, `*`, or a top-level request field;
    /// - `response_body` is empty or a top-level response field;
    /// - `additional_bindings` are one level deep only ("may be nested one level deep only").
    /// - Parameters:
    ///   - rule: The rule (its ``HTTPRule/selector`` is not checked; the caller matched it).
    ///   - method: The method it maps to.
    ///   - pool: The pool holding the method's messages.
    /// - Returns: The rule's binding, then one per additional binding.
    /// - Throws: ``RoutingError`` whose ``RoutingError/subject`` names the rule
    ///   (`GET /v1/{id} of pkg.Service.Method`) and whose message names the field at fault.
    public static func resolve(_ rule: HTTPRule, for method: MethodSchema, in pool: DescriptorPool)
        throws(RoutingError) -> [HTTPBinding]
    {
        var bindings = [try resolveOne(rule, bindingIndex: 0, for: method, in: pool)]
        for (position, additional) in rule.additionalBindings.enumerated() {
            guard additional.additionalBindings.isEmpty else {
                throw RoutingError(
                    code: .invalidRule,
                    message: "additional_bindings may be nested one level deep only",
                    subject: subject(additional, method)
                )
            }
            bindings.append(try resolveOne(additional, bindingIndex: position + 1, for: method, in: pool))
        }
        return bindings
    }

    /// Parses and checks one binding, ignoring its `additional_bindings`.
    private static func resolveOne(
        _ rule: HTTPRule,
        bindingIndex: Int,
        for method: MethodSchema,
        in pool: DescriptorPool
    )
        throws(RoutingError) -> HTTPBinding
    {
        let subject = subject(rule, method)
        func attach(_ error: RoutingError) -> RoutingError {
            var error = error
            error.subject = error.subject.isEmpty ? subject : "\(subject): \(error.subject)"
            return error
        }
        let httpMethod: RouteMethod
        let template: PathTemplate
        do throws(RoutingError) {
            httpMethod = try RouteMethod(kind: rule.method)
            template = try PathTemplate(parsing: rule.pattern)
        } catch {
            throw attach(error)
        }

        var variables: [ResolvedFieldPath] = []
        for variable in template.variables {
            do throws(RoutingError) {
                variables.append(
                    try ResolvedFieldPath.resolve(
                        variable.fieldPath,
                        in: method.inputIndex,
                        pool: pool,
                        usage: .pathVariable
                    )
                )
            } catch {
                throw attach(error)
            }
        }

        let request = pool.message(at: method.inputIndex)
        let body: Body
        switch rule.body {
        case "":
            body = .none
        case "*":
            body = .wholeRequest
        default:
            guard let field = request.field(named: rule.body) else {
                throw RoutingError(
                    code: .unknownField,
                    message: "body field '\(rule.body)' is not a field of \(request.fullName)",
                    subject: subject,
                    fieldPath: rule.body
                )
            }
            body = .field(field)
        }

        var responseBody: FieldSchema?
        if !rule.responseBody.isEmpty {
            let response = pool.message(at: method.outputIndex)
            guard let field = response.field(named: rule.responseBody) else {
                throw RoutingError(
                    code: .unknownField,
                    message: "response_body field '\(rule.responseBody)' is not a field of \(response.fullName)",
                    subject: subject,
                    fieldPath: rule.responseBody
                )
            }
            responseBody = field
        }

        var single = rule
        single.additionalBindings = []
        return HTTPBinding(
            selector: method.fullName,
            methodIndex: method.index,
            bindingIndex: bindingIndex,
            rule: single,
            method: httpMethod,
            template: template,
            variables: variables,
            body: body,
            responseBody: responseBody
        )
    }

    /// How errors name a rule: `GET /v1/{id} of pkg.Service.Method`.
    private static func subject(_ rule: HTTPRule, _ method: MethodSchema) -> String {
        let verb = rule.method.isEmpty ? "(no method)" : rule.method
        return "rule \(verb) \(rule.pattern) of \(method.fullName)"
    }
}

extension RouteTable.Builder {
    /// Adds a checked binding, labelled for errors with its method, template and selector.
    /// - Parameters:
    ///   - binding: The binding.
    ///   - payload: What a match returns.
    /// - Returns: The route's number.
    /// - Throws: ``RoutingError/Code/ambiguousRoutes`` (see ``add(_:_:payload:label:)``).
    @discardableResult
    public mutating func add(_ binding: HTTPBinding, payload: Payload) throws(RoutingError) -> Int {
        try add(binding.template, binding.method, payload: payload, label: binding.label)
    }
}
