/// Sends every method of one protobuf service to one backend (an entry of `routes:`).
public struct Route: Sendable, Hashable {
    /// The fully-qualified service name without a leading dot (`orders.OrderService`), with its
    /// YAML location: whether the service exists is checked against the descriptor sets by the
    /// `Gateway` module, whose error should still point here.
    public var service: Located<String>
    /// The ``Backend/name`` of the backend that serves it; checked to exist while parsing.
    public var backend: String

    /// Creates a route.
    /// - Parameters:
    ///   - service: Fully-qualified service name and where it was written.
    ///   - backend: The name of a backend.
    public init(service: Located<String>, backend: String) {
        self.service = service
        self.backend = backend
    }

    /// Creates a route built in code, with a placeholder location naming no file.
    /// - Parameters:
    ///   - service: Fully-qualified service name.
    ///   - backend: The name of a backend.
    public init(service: String, backend: String) {
        self.init(service: Located(service, at: .unspecified), backend: backend)
    }
}
