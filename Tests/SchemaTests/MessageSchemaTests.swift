internal import Schema
internal import Testing

/// Fields, oneofs, maps, packing and presence, as a descriptor-driven codec will read them.
@Suite("Message schema")
struct MessageSchemaTests {
    let pool = Fixtures.pool

    /// A message of the fixtures by full name.
    func message(_ name: String) throws -> MessageSchema {
        try #require(pool.message(named: name))
    }

    @Test("Fields are found by number, by proto name and by JSON name")
    func fieldLookups() throws {
        let order = try message("fixtures.orders.Order")
        let createdAt = try #require(order.field(number: 6))
        #expect(createdAt.name == "created_at")
        #expect(createdAt.jsonName == "createdAt")
        #expect(order.field(named: "created_at")?.number == 6)
        #expect(order.field(named: "createdAt")?.number == 6)
        #expect(order.fieldIndex(number: 6) == createdAt.index)
        #expect(order.fields[createdAt.index].number == 6)
        #expect(order.field(number: 99) == nil)
        #expect(order.field(number: 0) == nil)
        #expect(order.field(number: -1) == nil)
        #expect(order.field(named: "CreatedAt") == nil)
    }

    @Test("json_name overrides the derived name, and both spellings are accepted")
    func jsonName() throws {
        let order = try message("fixtures.orders.Order")
        let legacy = try #require(order.field(number: 14))
        #expect(legacy.name == "legacy_id")
        #expect(legacy.jsonName == "legacyIdentifier")
        #expect(order.field(named: "legacyIdentifier")?.number == 14)
        #expect(order.field(named: "legacy_id")?.number == 14)
        #expect(order.field(named: "legacyId") == nil)
    }

    @Test(
        "The derived JSON name follows protoc",
        arguments: [
            ("created_at", "createdAt"), ("snake_case_2x_field", "snakeCase2xField"), ("already", "already"),
            ("_leading", "Leading"), ("trailing_", "trailing"), ("double__under", "doubleUnder"), ("f_int64", "fInt64"),
        ]
    )
    func derivedJSONName(name: String, json: String) throws {
        #expect(FieldSchema.defaultJSONName(for: name) == json)
    }

    @Test("Derived names agree with the json_name protoc wrote for every fixture field")
    func derivedMatchesProtoc() {
        for message in pool.messages where message.file.hasPrefix("fixtures/") {
            for field in message.fields where field.name != "legacy_id" {
                #expect(
                    FieldSchema.defaultJSONName(for: field.name) == field.jsonName,
                    "\(message.fullName).\(field.name)"
                )
            }
        }
    }

    @Test("A field without json_name gets the derived name")
    func missingJSONName() throws {
        var writer = WireWriter()
        writer.message(1) { file in
            file.string(1, "bare.proto")
            file.string(12, "proto3")
            file.message(4) { message in
                message.string(1, "Bare")
                message.message(2) { field in
                    field.string(1, "some_field_name")
                    field.int(3, 1)
                    field.int(4, 1)
                    field.int(5, 9)
                }
            }
        }
        let pool = try DescriptorPool(fileDescriptorSets: [writer.bytes])
        let field = try #require(pool.message(named: "Bare")?.field(number: 1))
        #expect(field.jsonName == "someFieldName")
        #expect(field.type == .string)
        #expect(pool.message(named: "Bare")?.field(named: "someFieldName")?.number == 1)
    }

    @Test("Every one of the 18 field types is read")
    func allTypes() throws {
        let all = try message("fixtures.orders.AllTypes")
        let expected: [(Int, FieldType)] = [
            (1, .double), (2, .float), (3, .int64), (4, .uint64), (5, .int32), (6, .fixed64), (7, .fixed32),
            (8, .bool), (9, .string), (12, .bytes), (13, .uint32), (14, .enum), (15, .sfixed32), (16, .sfixed64),
            (17, .sint32), (18, .sint64), (19, .message),
        ]
        for (number, type) in expected {
            #expect(all.field(number: number)?.type == type, "field \(number)")
        }
        let record = try message("fixtures.legacy.Record")
        #expect(record.field(number: 5)?.type == .group)
        #expect(Set(expected.map(\.1) + [.group]) == Set(FieldType.allCases))
        #expect(all.field(number: 536_870_911)?.name == "high_number")
        #expect(all.field(named: "snakeCase2xField")?.number == 100)
    }

    @Test(
        "proto3 packs repeated scalar numerics unless told not to",
        arguments: [
            ("fixtures.orders.Order", 12, true),  // repeated int32
            ("fixtures.orders.Order", 13, false),  // repeated string: never packed
            ("fixtures.orders.Order", 15, false),  // repeated sint64 [packed = false]
            ("fixtures.orders.Order", 18, true),  // repeated enum
            ("fixtures.orders.Order", 3, false),  // repeated message
            ("fixtures.orders.AllTypes", 31, true),  // repeated double
            ("fixtures.orders.AllTypes", 38, true),  // repeated bool
            ("fixtures.orders.AllTypes", 42, false),  // repeated bytes
            ("fixtures.orders.AllTypes", 5, false),  // singular
            ("fixtures.legacy.Record", 3, false),  // proto2 repeated int32
            ("fixtures.legacy.Record", 4, true),  // proto2 [packed = true]
        ]
    )
    func packing(message name: String, number: Int, packed: Bool) throws {
        let field = try #require(try message(name).field(number: number))
        #expect(field.isPacked == packed)
    }

    @Test("Oneofs, including the synthetic oneof of a proto3 optional field")
    func oneofs() throws {
        let order = try message("fixtures.orders.Order")
        #expect(order.oneofs.map(\.name) == ["payment", "_note"])  // protoc puts synthetic oneofs last
        let payment = try #require(order.oneofs.first { $0.name == "payment" })
        #expect(!payment.isSynthetic)
        #expect(payment.fieldIndices.map { order.fields[$0].name } == ["card", "voucher_code"])
        let synthetic = try #require(order.oneofs.first { $0.name == "_note" })
        #expect(synthetic.isSynthetic)

        let note = try #require(order.field(named: "note"))
        #expect(note.isProto3Optional)
        #expect(note.hasPresence)
        #expect(note.oneofIndex.map { order.oneofs[$0].name } == "_note")

        let card = try #require(order.field(named: "card"))
        #expect(card.oneofIndex.map { order.oneofs[$0].name } == "payment")
        #expect(!card.isProto3Optional)

        let voucher = try #require(order.field(named: "voucherCode"))
        #expect(voucher.hasPresence)
        #expect(voucher.oneofIndex == card.oneofIndex)

        let record = try message("fixtures.legacy.Record")
        #expect(record.oneofs.map(\.name) == ["choice"])
        #expect(record.oneofs[0].fieldIndices.map { record.fields[$0].number } == [8, 9])
    }

    @Test(
        "Presence follows the syntax",
        arguments: [
            ("fixtures.orders.Order", "id", false),  // proto3 implicit presence
            ("fixtures.orders.Order", "created_at", true),  // message
            ("fixtures.orders.Order", "items", false),  // repeated
            ("fixtures.orders.Order", "note", true),  // proto3 optional
            ("fixtures.legacy.Record", "name", true),  // proto2 optional
            ("fixtures.legacy.Record", "id", true),  // proto2 required
            ("fixtures.legacy.Record", "samples", false),  // repeated
        ]
    )
    func presence(message name: String, field: String, hasPresence: Bool) throws {
        #expect(try message(name).field(named: field)?.hasPresence == hasPresence)
    }

    @Test("Map fields point at map entry messages with key and value")
    func maps() throws {
        let order = try message("fixtures.orders.Order")
        let counters = try #require(order.field(named: "counters"))
        #expect(counters.isMap)
        #expect(counters.isRepeated)
        #expect(counters.type == .message)
        #expect(counters.typeName == "fixtures.orders.Order.CountersEntry")
        let entry = pool.message(at: try #require(counters.messageIndex))
        #expect(entry.isMapEntry)
        #expect(entry.mapKey?.type == .string)
        #expect(entry.mapValue?.type == .int64)

        let byLine = try #require(order.field(named: "itemsByLine"))
        #expect(byLine.isMap)
        let byLineEntry = pool.message(at: try #require(byLine.messageIndex))
        #expect(byLineEntry.mapKey?.type == .int32)
        #expect(byLineEntry.mapValue?.messageIndex == pool.messageIndex(named: "fixtures.orders.Order.Item"))

        let items = try #require(order.field(named: "items"))
        #expect(items.isRepeated)
        #expect(!items.isMap)
        #expect(!order.isMapEntry)
        #expect(order.mapKey == nil)
    }

    @Test("Nested and recursive messages resolve to indices in the same table")
    func nestedAndRecursive() throws {
        let order = try message("fixtures.orders.Order")
        #expect(order.field(named: "parent")?.messageIndex == order.index)

        let card = try message("fixtures.orders.Card")
        #expect(card.field(named: "lastOrder")?.messageIndex == order.index)
        #expect(order.field(named: "card")?.messageIndex == card.index)

        let item = try message("fixtures.orders.Order.Item")
        #expect(item.name == "Item")
        let discount = try #require(item.field(named: "discount"))
        #expect(discount.typeName == "fixtures.orders.Order.Item.Discount")
        #expect(pool.message(at: try #require(discount.messageIndex)).field(number: 1)?.name == "percent")

        let all = try message("fixtures.orders.AllTypes")
        #expect(all.field(named: "f_message")?.messageIndex == all.index)
    }

    @Test("Enum fields point into the enum table")
    func enumFields() throws {
        let order = try message("fixtures.orders.Order")
        let status = try #require(order.field(named: "status"))
        #expect(status.type == .enum)
        #expect(status.messageIndex == nil)
        #expect(pool.enumeration(at: try #require(status.enumIndex)).fullName == "fixtures.orders.Status")

        let kind = try #require(try message("fixtures.legacy.Record").field(named: "kind"))
        #expect(kind.typeName == "fixtures.legacy.Record.Kind")
        #expect(kind.defaultValue == "KIND_B")
    }

    @Test("proto2 labels, defaults and syntax are kept")
    func proto2() throws {
        let record = try message("fixtures.legacy.Record")
        #expect(record.syntax == .proto2)
        #expect(try message("fixtures.orders.Order").syntax == .proto3)
        #expect(record.field(named: "id")?.isRequired == true)
        #expect(record.field(named: "id")?.label == .required)
        #expect(record.field(named: "name")?.label == .optional)
        #expect(record.field(named: "name")?.defaultValue == "unnamed")
        #expect(record.field(named: "samples")?.isRepeated == true)
        #expect(record.field(named: "next")?.messageIndex == record.index)
        let extra = try #require(record.field(number: 5))
        #expect(extra.name == "extra")
        #expect(extra.jsonName == "extra")
        #expect(extra.typeName == "fixtures.legacy.Record.Extra")
        #expect(pool.message(at: try #require(extra.messageIndex)).field(number: 1)?.name == "level")
    }

    @Test("Wire types follow the encoding spec")
    func wireTypes() {
        #expect(FieldType.sint64.wireType == .varint)
        #expect(FieldType.double.wireType == .fixed64)
        #expect(FieldType.sfixed32.wireType == .fixed32)
        #expect(FieldType.message.wireType == .lengthDelimited)
        #expect(FieldType.group.wireType == .startGroup)
        #expect(FieldType.allCases.filter(\.isPackable).count == 14)
    }

    @Test("Messages built in code index their fields")
    func builtInCode() {
        let message = MessageSchema(
            fullName: "p.M",
            fields: [
                FieldSchema(number: 3, name: "a_b", jsonName: "aB", type: .string),
                FieldSchema(number: 1_000, name: "big", jsonName: "big", type: .int32),
            ]
        )
        #expect(message.name == "M")
        #expect(message.fields.map(\.index) == [0, 1])
        #expect(message.fieldIndex(number: 1_000) == 1)
        #expect(message.fieldIndex(number: 3) == 0)
        #expect(message.fieldIndex(number: 2) == nil)
        #expect(message.fieldIndex(number: 999) == nil)
        #expect(message.fieldIndex(named: "aB") == 0)
    }
}

/// Enum values and aliases.
@Suite("Enum schema")
struct EnumSchemaTests {
    @Test("Aliases share a number; the number gives the first declared name")
    func aliases() throws {
        let status = try #require(Fixtures.pool.enumeration(named: "fixtures.orders.Status"))
        #expect(
            status.values.map(\.name) == [
                "STATUS_UNSPECIFIED", "STATUS_OPEN", "STATUS_ACTIVE", "STATUS_CLOSED", "STATUS_NEGATIVE",
            ]
        )
        #expect(status.value(named: "STATUS_OPEN")?.number == 1)
        #expect(status.value(named: "STATUS_ACTIVE")?.number == 1)
        #expect(status.value(number: 1)?.name == "STATUS_OPEN")
        #expect(status.value(number: -1)?.name == "STATUS_NEGATIVE")
        #expect(status.value(number: 7) == nil)
        #expect(status.value(named: "status_open") == nil)
        #expect(!status.isClosed)
        #expect(!status.isNullValue)
    }

    @Test("proto2 enums are closed")
    func closed() throws {
        let kind = try #require(Fixtures.pool.enumeration(named: "fixtures.legacy.Record.Kind"))
        #expect(kind.isClosed)
        #expect(kind.file == "fixtures/legacy.proto")
        #expect(kind.value(number: 2)?.name == "KIND_B")
    }
}
