internal import Foundation

/// Every message, enum, service and method of a set of `.proto` files, resolved once and then
/// shared read-only by all worker threads.
///
/// The pool is built from `protoc --include_imports --descriptor_set_out=…` files at start-up.
/// Building checks that every type reference resolves, so nothing later can meet a dangling name.
/// The tables are flat arrays addressed by index: a field of message type holds the index of that
/// message (``FieldSchema/messageIndex``), so a descriptor-driven codec walks from message to
/// message with array accesses only.
///
/// ```swift
/// let pool = try DescriptorPool.load(paths: ["examples/orders/orders.binpb"])
/// if let method = pool.method(path: "/orders.OrderService/GetOrder") {
///     let request = pool.message(at: method.inputIndex)
/// }
/// ```
public final class DescriptorPool: Sendable {
    /// Every message type, nested ones and map entries included, in file then declaration order.
    public let messages: [MessageSchema]
    /// Every enum type, nested ones included.
    public let enums: [EnumSchema]
    /// Every service.
    public let services: [ServiceSchema]
    /// Every method of every service, flat; ``MethodSchema/index`` is the position here.
    public let methods: [MethodSchema]
    /// The `.proto` file names loaded (each once, however many sets contained it).
    public let fileNames: [String]

    /// Full name → index in ``messages``.
    private let messageIndexByName: [String: Int]
    /// Full name → index in ``enums``.
    private let enumIndexByName: [String: Int]
    /// Full name → index in ``services``.
    private let serviceIndexByName: [String: Int]
    /// gRPC `:path` (`/pkg.Service/Method`) → index in ``methods``.
    private let methodIndexByPath: [String: Int]
    /// `pkg.Service.Method` → index in ``methods``.
    private let methodIndexByFullName: [String: Int]

    /// Builds a pool from serialized `google.protobuf.FileDescriptorSet`s.
    ///
    /// A `.proto` file that appears in several sets (`google/protobuf/timestamp.proto`, say) is
    /// loaded once, provided every copy is the same.
    /// - Parameter fileDescriptorSets: The serialized sets.
    /// - Throws: ``SchemaError`` if a set is corrupt, a type reference dangles, a name is defined
    ///   twice, or a file uses protobuf editions.
    public convenience init(fileDescriptorSets: [[UInt8]]) throws(SchemaError) {
        try self.init(
            sources: fileDescriptorSets.enumerated().map { DescriptorSetSource(name: nil, number: $0 + 1, bytes: $1) }
        )
    }

    /// Reads and loads descriptor set files.
    /// - Parameter paths: The files, as `protoc --descriptor_set_out` wrote them.
    /// - Returns: The pool.
    /// - Throws: ``SchemaError`` naming the file that cannot be read or is at fault.
    public static func load(paths: [String]) throws(SchemaError) -> DescriptorPool {
        var sources: [DescriptorSetSource] = []
        for (position, path) in paths.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
                throw SchemaError(code: .unreadableFile, file: path, message: reason)
            }
            sources.append(DescriptorSetSource(name: path, number: position + 1, bytes: [UInt8](data)))
        }
        return try DescriptorPool(sources: sources)
    }

    /// Builds the pool from named sources; the public initializers funnel here.
    init(sources: [DescriptorSetSource]) throws(SchemaError) {
        var builder = PoolBuilder()
        for source in sources {
            try builder.add(source)
        }
        let tables = try builder.build()
        messages = tables.messages
        enums = tables.enums
        services = tables.services
        methods = tables.services.flatMap(\.methods)
        fileNames = tables.fileNames
        messageIndexByName = Dictionary(uniqueKeysWithValues: messages.map { ($0.fullName, $0.index) })
        enumIndexByName = Dictionary(uniqueKeysWithValues: enums.map { ($0.fullName, $0.index) })
        serviceIndexByName = Dictionary(uniqueKeysWithValues: services.enumerated().map { ($1.fullName, $0) })
        methodIndexByPath = Dictionary(uniqueKeysWithValues: methods.map { ($0.path, $0.index) })
        methodIndexByFullName = Dictionary(uniqueKeysWithValues: methods.map { ($0.fullName, $0.index) })
    }

    /// The service with this full name (`orders.OrderService`).
    public func service(named fullName: String) -> ServiceSchema? {
        serviceIndexByName[fullName].map { services[$0] }
    }

    /// The index in ``methods`` of the method a gRPC `:path` names; one dictionary lookup, no
    /// string splitting, for the per-request hot path.
    /// - Parameter path: `/pkg.Service/Method`.
    public func methodIndex(path: String) -> Int? {
        methodIndexByPath[path]
    }

    /// The method a gRPC `:path` names (`/orders.OrderService/GetOrder`).
    public func method(path: String) -> MethodSchema? {
        methodIndexByPath[path].map { methods[$0] }
    }

    /// The method with this full name (`orders.OrderService.GetOrder`), as `google.api.http`
    /// selectors in `gateway.yaml` name it.
    public func method(fullName: String) -> MethodSchema? {
        methodIndexByFullName[fullName].map { methods[$0] }
    }

    /// The index in ``messages`` of a message, by full name (a leading dot is tolerated, as
    /// descriptors and `google.protobuf.Any` type URLs sometimes carry one).
    public func messageIndex(named fullName: String) -> Int? {
        messageIndexByName[fullName]
            ?? (fullName.hasPrefix(".") ? messageIndexByName[String(fullName.dropFirst())] : nil)
    }

    /// The message with this full name.
    public func message(named fullName: String) -> MessageSchema? {
        messageIndex(named: fullName).map { messages[$0] }
    }

    /// The message at an index taken from ``FieldSchema/messageIndex`` or ``MethodSchema/inputIndex``.
    public func message(at index: Int) -> MessageSchema {
        messages[index]
    }

    /// The index in ``enums`` of an enum, by full name (leading dot tolerated).
    public func enumIndex(named fullName: String) -> Int? {
        enumIndexByName[fullName] ?? (fullName.hasPrefix(".") ? enumIndexByName[String(fullName.dropFirst())] : nil)
    }

    /// The enum with this full name.
    public func enumeration(named fullName: String) -> EnumSchema? {
        enumIndex(named: fullName).map { enums[$0] }
    }

    /// The enum at an index taken from ``FieldSchema/enumIndex``.
    public func enumeration(at index: Int) -> EnumSchema {
        enums[index]
    }
}

/// One serialized descriptor set and how to name it in errors.
struct DescriptorSetSource: Sendable {
    /// The file path, when the set came from a file.
    var name: String?
    /// The set's 1-based position among the inputs, named in errors when there is no path.
    var number: Int
    /// The serialized `FileDescriptorSet`.
    var bytes: [UInt8]

    /// How errors name this set: its path, or "descriptor set #N".
    var displayName: String {
        name ?? "descriptor set #\(number)"
    }
}
