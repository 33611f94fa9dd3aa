/// A request that matched a route: which route, and the values its path variables took.
///
/// The per-request result of ``RouteTable/match(method:path:)``. ``bindings`` are in the order of the
/// route template's ``PathTemplate/variables``, so a caller that resolved each variable's field path
/// at start (``HTTPBinding/variables``) pairs them by position and never looks a field up by name
/// per request.
public struct RouteMatch<Payload: Sendable>: Sendable {
    /// What the caller attached to the route when it added it.
    public var payload: Payload
    /// The route's number, as ``RouteTable/Builder/add(_:_:payload:label:)`` returned it.
    public var route: Int
    /// One value per template variable, percent-decoded per protocols.md B5.
    public var bindings: [PathBinding]

    /// Creates a match.
    public init(payload: Payload, route: Int, bindings: [PathBinding]) {
        self.payload = payload
        self.route = route
        self.bindings = bindings
    }
}

/// The value one path variable took in one request.
///
/// A single-segment variable's value is fully percent-decoded; a multi-segment one's keeps `%2F`
/// encoded, and its segments are joined with `/` (protocols.md B5, ``PercentDecoding``).
public struct PathBinding: Sendable, Hashable, CustomStringConvertible {
    /// The field path, one name per step, as the template wrote it.
    public var fieldPath: [String]
    /// The decoded value.
    public var value: String

    /// Creates a binding.
    public init(fieldPath: [String], value: String) {
        self.fieldPath = fieldPath
        self.value = value
    }

    /// `order.name=shops/1/orders/2`, for test failures.
    public var description: String {
        "\(fieldPath.joined(separator: "."))=\(value)"
    }
}
