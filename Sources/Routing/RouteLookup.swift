/// The outcome of matching one request against a ``RouteTable``, one case per HTTP answer.
///
/// Nothing that fails to match is forwarded to a backend (behavior.md, "The complaints about peers
/// that we fix by design"): the gateway answers ``notFound`` with 404 and ``methodNotAllowed(allowed:)``
/// with 405 and an `Allow` header, both as `google.rpc.Status` JSON.
public enum RouteLookup<Payload: Sendable>: Sendable {
    /// A route matched the method and the path.
    case matched(RouteMatch<Payload>)
    /// Some route matches the path, but none for this method (405). `allowed` lists the methods
    /// that would match, sorted and without duplicates, for the `Allow` header (RFC 9110 §15.5.6).
    case methodNotAllowed(allowed: [String])
    /// No route matches the path (404).
    case notFound
    /// A route matched, but a variable's value has a bad percent-escape (`%zz`) or decodes to invalid
    /// UTF-8 (400). The error's offset is relative to the start of the path.
    case invalidPath(RoutingError)
}
