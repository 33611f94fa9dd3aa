/// Sends every method of one protobuf service to one backend (an entry of `routes:`).
public struct Route: Sendable, Hashable {
    /// The fully-qualified service name without a leading dot (`orders.OrderService`), with its
    /// YAML location: whether the service exists is checked against the descriptor sets by the
    /// `Gateway` module, whose error should still point here.
    public var service: Located<String>
    /// The ``Backend/name`` of the backend that serves it; checked to exist while parsing.
    public var backend: String
    /// The deadline given to calls whose client sent no `grpc-timeout`; nil: none. Applies to
    /// unary and client-streaming calls only: streams have no default deadline, so a long
    /// stream is never cut by one.
    public var timeout: Duration?
    /// The longest deadline a client may ask for (a longer `grpc-timeout` is shortened); nil: no cap.
    public var maxTimeout: Duration?

    /// Creates a route.
    /// - Parameters:
    ///   - service: Fully-qualified service name and where it was written.
    ///   - backend: The name of a backend.
    ///   - timeout: Default deadline for non-streaming calls.
    ///   - maxTimeout: Cap on client deadlines.
    public init(service: Located<String>, backend: String, timeout: Duration? = nil, maxTimeout: Duration? = nil) {
        self.service = service
        self.backend = backend
        self.timeout = timeout
        self.maxTimeout = maxTimeout
    }

    /// Creates a route built in code, with a placeholder location naming no file.
    /// - Parameters:
    ///   - service: Fully-qualified service name.
    ///   - backend: The name of a backend.
    public init(service: String, backend: String) {
        self.init(service: Located(service, at: .unspecified), backend: backend)
    }
}
