internal import Foundation
internal import Schema
internal import Testing

/// Loading descriptor sets, name resolution, and refusing sets that cannot be served.
@Suite("Descriptor pool")
struct DescriptorPoolTests {
    let pool = Fixtures.pool

    @Test("Services are found by full name, with their methods in declaration order")
    func services() throws {
        let service = try #require(pool.service(named: "fixtures.orders.OrderService"))
        #expect(service.name == "OrderService")
        #expect(service.file == "fixtures/orders.proto")
        #expect(
            service.methods.map(\.name) == [
                "GetOrder", "CreateOrder", "ReplaceOrder", "UpdateOrder", "DeleteOrder", "CheckOrder",
                "StreamOrderUpdates", "UploadItems", "Chat",
            ]
        )
        #expect(pool.service(named: "fixtures.orders.Health")?.methods.map(\.name) == ["Check"])
        #expect(pool.service(named: "OrderService") == nil)
        #expect(pool.services.map(\.fullName).contains("fixtures.orders.OrderService"))
    }

    @Test(
        "Methods are found by gRPC :path with their streaming kind",
        arguments: [
            ("GetOrder", false, false),
            ("StreamOrderUpdates", false, true),
            ("UploadItems", true, false),
            ("Chat", true, true),
        ]
    )
    func methodKinds(name: String, clientStreaming: Bool, serverStreaming: Bool) throws {
        let method = try #require(pool.method(path: "/fixtures.orders.OrderService/\(name)"))
        #expect(method.name == name)
        #expect(method.fullName == "fixtures.orders.OrderService.\(name)")
        #expect(method.path == "/fixtures.orders.OrderService/\(name)")
        #expect(method.serviceName == "fixtures.orders.OrderService")
        #expect(method.clientStreaming == clientStreaming)
        #expect(method.serverStreaming == serverStreaming)
        #expect(pool.methods[method.index].path == method.path)
        #expect(pool.methodIndex(path: method.path) == method.index)
        #expect(pool.method(fullName: method.fullName)?.index == method.index)
    }

    @Test("Method types are full names without a dot, resolved to message indices")
    func methodTypes() throws {
        let method = try #require(pool.method(path: "/fixtures.orders.OrderService/UploadItems"))
        #expect(method.inputType == "fixtures.orders.Order.Item")
        #expect(method.outputType == "fixtures.orders.UploadSummary")
        #expect(pool.message(at: method.inputIndex).fullName == "fixtures.orders.Order.Item")
        #expect(pool.message(at: method.outputIndex).fullName == "fixtures.orders.UploadSummary")

        let check = try #require(pool.method(path: "/fixtures.orders.Health/Check"))
        #expect(check.inputType == "google.protobuf.Empty")
        #expect(pool.message(at: check.outputIndex).wellKnownType == .stringValue)
    }

    @Test(
        "Paths that name no method are not found",
        arguments: [
            "", "/", "/fixtures.orders.OrderService", "/fixtures.orders.OrderService/",
            "/fixtures.orders.OrderService/getOrder",
            "fixtures.orders.OrderService/GetOrder", "/fixtures.orders.OrderService/GetOrder/",
            "/OrderService/GetOrder",
        ]
    )
    func unknownPaths(path: String) {
        #expect(pool.method(path: path) == nil)
        #expect(pool.methodIndex(path: path) == nil)
    }

    @Test("Messages and enums are found by full name, with or without a leading dot")
    func lookups() throws {
        let order = try #require(pool.message(named: "fixtures.orders.Order"))
        #expect(pool.message(named: ".fixtures.orders.Order")?.index == order.index)
        #expect(pool.messages[order.index].fullName == order.fullName)
        #expect(pool.message(named: "fixtures.orders.Missing") == nil)
        #expect(pool.message(named: "fixtures.orders.Status") == nil)

        let status = try #require(pool.enumeration(named: "fixtures.orders.Status"))
        #expect(pool.enumeration(at: status.index).fullName == "fixtures.orders.Status")
        #expect(pool.enumeration(named: ".fixtures.legacy.Record.Kind")?.name == "Kind")
        #expect(pool.enumeration(named: "fixtures.orders.Order") == nil)
    }

    @Test("Every well-known type used by the fixtures is recognised by full name")
    func wellKnownTypes() {
        for type in [
            WellKnownType.timestamp, .fieldMask, .struct, .value, .listValue, .empty, .int64Value, .stringValue,
        ] {
            #expect(pool.message(named: type.rawValue)?.wellKnownType == type)
        }
        #expect(pool.message(named: "fixtures.orders.Order")?.wellKnownType == nil)
        #expect(pool.enumeration(named: WellKnownType.nullValueEnumName)?.isNullValue == true)
        #expect(WellKnownType.allCases.filter(\.isWrapper).count == 9)
    }

    @Test("A file repeated across sets is loaded once")
    func repeatedFilesAreMerged() throws {
        let orders = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("orders.binpb"))))
        let twice = try DescriptorPool(fileDescriptorSets: [orders, orders])
        let once = try DescriptorPool(fileDescriptorSets: [orders])
        #expect(twice.messages.count == once.messages.count)
        #expect(twice.fileNames == once.fileNames)
        #expect(once.fileNames.contains("google/api/http.proto"))
        #expect(once.fileNames.last == "fixtures/orders.proto")
    }

    @Test("A set whose field refers to a type it does not contain is refused, naming both")
    func danglingReference() {
        let path = Fixtures.path("dangling.binpb")
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool.load(paths: [path])
        }
        #expect(error?.code == .danglingReference)
        #expect(error?.file == path)
        #expect(
            error?.message
                == "fixtures/dangling.proto: field fixtures.dangling.Wrapper.order refers to fixtures.orders.Order, "
                + "which no file in the descriptor sets defines; build the set with protoc --include_imports"
        )
    }

    @Test("The dangling set loads once the set that defines the type is added")
    func danglingResolvedByAnotherSet() throws {
        let pool = try DescriptorPool.load(paths: [Fixtures.path("dangling.binpb"), Fixtures.path("orders.binpb")])
        let wrapper = try #require(pool.message(named: "fixtures.dangling.Wrapper"))
        #expect(wrapper.fields[0].messageIndex == pool.messageIndex(named: "fixtures.orders.Order"))
    }

    @Test("A file that is not a descriptor set is refused, naming the file")
    func notADescriptorSet() {
        let path = Fixtures.path("not_a_descriptor_set.binpb")
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool.load(paths: [path])
        }
        #expect(error?.code == .notADescriptorSet)
        #expect(error?.description.hasPrefix("\(path): is not a serialized google.protobuf.FileDescriptorSet") == true)
    }

    @Test(
        "Bytes that parse as protobuf but are no descriptor set are refused",
        arguments: [
            [UInt8](),  // no files at all
            [0x08, 0x01],  // field 1 as a varint: wrong wire type for `file`
            [0x10, 0x01],  // only an unknown field
            [0x0A, 0x00],  // one file with no name
        ]
    )
    func notASetInMemory(bytes: [UInt8]) {
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool(fileDescriptorSets: [bytes])
        }
        #expect(error?.code == .notADescriptorSet)
        #expect(error?.file == "descriptor set #1")
    }

    @Test("A missing file is refused, naming the file")
    func missingFile() {
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool.load(paths: ["/nonexistent/x.binpb"])
        }
        #expect(error?.description == "/nonexistent/x.binpb: no such file")
    }

    @Test("Two different files defining one name are refused")
    func duplicateDefinition() {
        func set(file: String) -> [UInt8] {
            var writer = WireWriter()
            writer.message(1) { file_ in
                file_.string(1, file)
                file_.string(2, "dup")
                file_.message(4) { $0.string(1, "Thing") }
                file_.string(12, "proto3")
            }
            return writer.bytes
        }
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool(fileDescriptorSets: [set(file: "a.proto"), set(file: "b.proto")])
        }
        #expect(error?.description == "descriptor set #2: dup.Thing is defined in both a.proto and b.proto")
    }

    @Test("One file name with two different contents is refused")
    func conflictingCopies() {
        func set(message: String) -> [UInt8] {
            var writer = WireWriter()
            writer.message(1) { file in
                file.string(1, "same.proto")
                file.message(4) { $0.string(1, message) }
            }
            return writer.bytes
        }
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool(fileDescriptorSets: [set(message: "A"), set(message: "B")])
        }
        #expect(error?.code == .duplicateDefinition)
    }

    @Test("Protobuf editions are refused rather than misread")
    func editions() {
        var writer = WireWriter()
        writer.message(1) { file in
            file.string(1, "new.proto")
            file.string(12, "editions")
        }
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool(fileDescriptorSets: [writer.bytes])
        }
        #expect(error?.code == .unsupported)
    }

    @Test("A method whose request type is missing is refused, naming the method")
    func danglingMethodType() {
        var writer = WireWriter()
        writer.message(1) { file in
            file.string(1, "svc.proto")
            file.string(2, "p")
            file.message(6) { service in
                service.string(1, "S")
                service.message(2) { method in
                    method.string(1, "M")
                    method.string(2, ".p.Missing")
                    method.string(3, ".p.Missing")
                }
            }
        }
        let error = #expect(throws: SchemaError.self) {
            try DescriptorPool(fileDescriptorSets: [writer.bytes])
        }
        #expect(
            error?.description
                == "descriptor set #1: svc.proto: method p.S.M has request type p.Missing, which no file in the "
                + "descriptor sets defines; build the set with protoc --include_imports"
        )
    }

    @Test("The pool is shared across threads")
    func sendable() async {
        let pool = self.pool
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { pool.method(path: "/fixtures.orders.OrderService/GetOrder") != nil }
            }
            for await found in group {
                #expect(found)
            }
        }
    }
}

/// Type names without a leading dot, which tools other than protoc may write.
@Suite("Relative type names")
struct RelativeTypeNameTests {
    @Test("Relative names resolve from the innermost scope outwards")
    func relativeNames() throws {
        var writer = WireWriter()
        writer.message(1) { file in
            file.string(1, "rel.proto")
            file.string(2, "a.b")
            file.string(12, "proto3")
            file.message(4) { outer in
                outer.string(1, "Outer")
                outer.message(3) { $0.string(1, "Inner") }
                outer.message(2) { field in
                    field.string(1, "inner")
                    field.int(3, 1)
                    field.int(4, 1)
                    field.string(6, "Inner")  // a.b.Outer.Inner, found in the message's own scope
                }
                outer.message(2) { field in
                    field.string(1, "sibling")
                    field.int(3, 2)
                    field.int(4, 1)
                    field.string(6, "b.Outer")  // a.b.Outer, found from scope a
                }
            }
            file.message(6) { service in
                service.string(1, "S")
                service.message(2) { method in
                    method.string(1, "M")
                    method.string(2, "Outer")
                    method.string(3, "Outer.Inner")
                }
            }
        }
        let pool = try DescriptorPool(fileDescriptorSets: [writer.bytes])
        let outer = try #require(pool.message(named: "a.b.Outer"))
        #expect(outer.field(named: "inner")?.typeName == "a.b.Outer.Inner")
        #expect(outer.field(named: "inner")?.type == .message)
        #expect(outer.field(named: "sibling")?.messageIndex == outer.index)
        #expect(pool.method(path: "/a.b.S/M")?.inputType == "a.b.Outer")
        #expect(pool.method(path: "/a.b.S/M")?.outputType == "a.b.Outer.Inner")
    }
}
