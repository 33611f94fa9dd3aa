/// One enum type and its values.
///
/// With `allow_alias`, several names share one number: ``value(named:)`` accepts every name, and
/// ``value(number:)`` gives the first declared, which is the name ProtoJSON writes.
public struct EnumSchema: Sendable {
    /// The full name without a leading dot (`fixtures.orders.Status`).
    public var fullName: String
    /// The short name.
    public var name: String
    /// The `.proto` file that defines it.
    public var file: String
    /// The values in declaration order.
    public var values: [EnumValueSchema]
    /// Whether the enum is closed (proto2): an unknown number read from the wire is an unknown
    /// field, not a value. proto3 enums are open and keep unknown numbers.
    public var isClosed: Bool
    /// This enum's position in ``DescriptorPool/enums``.
    public var index: Int

    /// Name → position in ``values``.
    private var byName: [String: Int]
    /// Number → position in ``values`` of the first value with that number.
    private var byNumber: [Int32: Int]

    /// Creates an enum schema and its lookup tables.
    public init(fullName: String, file: String = "", values: [EnumValueSchema], isClosed: Bool = false, index: Int = 0)
    {
        self.fullName = fullName
        self.name = String(fullName.split(separator: ".").last ?? Substring(fullName))
        self.file = file
        self.values = values
        self.isClosed = isClosed
        self.index = index
        var byName: [String: Int] = [:]
        var byNumber: [Int32: Int] = [:]
        for (position, value) in values.enumerated() {
            byName[value.name] = position
            if byNumber[value.number] == nil {
                byNumber[value.number] = position
            }
        }
        self.byName = byName
        self.byNumber = byNumber
    }

    /// The value with this name (any alias).
    public func value(named name: String) -> EnumValueSchema? {
        byName[name].map { values[$0] }
    }

    /// The first declared value with this number, or `nil` for a number the enum does not name.
    public func value(number: Int32) -> EnumValueSchema? {
        byNumber[number].map { values[$0] }
    }

    /// Whether this is `google.protobuf.NullValue`, written as JSON `null`.
    public var isNullValue: Bool {
        fullName == WellKnownType.nullValueEnumName
    }
}

/// One named value of an enum.
public struct EnumValueSchema: Sendable, Hashable {
    /// The name (`STATUS_OPEN`).
    public var name: String
    /// The number (enums are `int32` on the wire).
    public var number: Int32

    /// Creates a value.
    public init(name: String, number: Int32) {
        self.name = name
        self.number = number
    }
}
