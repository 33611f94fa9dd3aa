/// One gRPC service and its methods.
public struct ServiceSchema: Sendable {
    /// The full name without a leading dot (`orders.OrderService`), as routes in `gateway.yaml` name it.
    public var fullName: String
    /// The short name.
    public var name: String
    /// The `.proto` file that defines it.
    public var file: String
    /// The methods in declaration order.
    public var methods: [MethodSchema]

    /// Creates a service.
    public init(fullName: String, file: String = "", methods: [MethodSchema]) {
        self.fullName = fullName
        self.name = String(fullName.split(separator: ".").last ?? Substring(fullName))
        self.file = file
        self.methods = methods
    }
}

/// One RPC method: its names, its message types (resolved to pool indices), its streaming kind,
/// and its `google.api.http` rules.
public struct MethodSchema: Sendable {
    /// The short name (`GetOrder`).
    public var name: String
    /// `service.Method` (`orders.OrderService.GetOrder`), the form `google.api.http` selectors use.
    public var fullName: String
    /// The HTTP/2 `:path` of the call, `/service/Method` (gRPC over HTTP/2 spec, "Path").
    public var path: String
    /// The full name of the service.
    public var serviceName: String
    /// The request type's full name, without a leading dot.
    public var inputType: String
    /// The response type's full name, without a leading dot.
    public var outputType: String
    /// The request type's index in ``DescriptorPool/messages``.
    public var inputIndex: Int
    /// The response type's index in ``DescriptorPool/messages``.
    public var outputIndex: Int
    /// Whether the client sends a stream of messages.
    public var clientStreaming: Bool
    /// Whether the server sends a stream of messages.
    public var serverStreaming: Bool
    /// The method's `google.api.http` annotation: empty when there is none, otherwise one rule
    /// whose ``HTTPRule/additionalBindings`` hold the extra bindings, exactly as written.
    public var httpRules: [HTTPRule]
    /// This method's position in ``DescriptorPool/methods``.
    public var index: Int

    /// Creates a method.
    public init(
        name: String,
        serviceName: String,
        inputType: String,
        outputType: String,
        inputIndex: Int = 0,
        outputIndex: Int = 0,
        clientStreaming: Bool = false,
        serverStreaming: Bool = false,
        httpRules: [HTTPRule] = [],
        index: Int = 0
    ) {
        self.name = name
        self.fullName = "\(serviceName).\(name)"
        self.path = "/\(serviceName)/\(name)"
        self.serviceName = serviceName
        self.inputType = inputType
        self.outputType = outputType
        self.inputIndex = inputIndex
        self.outputIndex = outputIndex
        self.clientStreaming = clientStreaming
        self.serverStreaming = serverStreaming
        self.httpRules = httpRules
        self.index = index
    }
}
