internal import Foundation
internal import SwiftProtobuf

/// Turns decoded `FileDescriptorProto`s into the pool's flat tables, in two passes:
/// 1. ``add(_:)`` decodes each set, drops repeated copies of a file, and ``build()`` first gives
///    every message, enum and service an index and registers its full name;
/// 2. ``build()`` then resolves every field and method type name to an index, so a dangling
///    reference is found here, at start-up, with the referrer named.
struct PoolBuilder {
    /// One `.proto` file and the set it came from.
    private struct FileRecord {
        /// The decoded file.
        var proto: Google_Protobuf_FileDescriptorProto
        /// The set it was first seen in, named in errors.
        var source: DescriptorSetSource
        /// The file's syntax.
        var syntax: ProtoSyntax
    }

    /// A message whose fields are not resolved yet.
    private struct PendingMessage {
        var proto: Google_Protobuf_DescriptorProto
        var fullName: String
        var file: Int
    }

    /// An enum waiting to be built.
    private struct PendingEnum {
        var proto: Google_Protobuf_EnumDescriptorProto
        var fullName: String
        var file: Int
    }

    /// A service waiting to be built.
    private struct PendingService {
        var proto: Google_Protobuf_ServiceDescriptorProto
        var fullName: String
        var file: Int
    }

    /// What a full name denotes.
    private enum Symbol {
        case message(Int)
        case enumeration(Int)
        case service(Int)
    }

    /// The result of ``build()``.
    struct Tables {
        var messages: [MessageSchema]
        var enums: [EnumSchema]
        var services: [ServiceSchema]
        var fileNames: [String]
    }

    /// Every distinct `.proto` file, in the order first seen.
    private var files: [FileRecord] = []
    /// `.proto` file name → index in ``files``, to drop repeated copies.
    private var fileIndexByName: [String: Int] = [:]
    /// Messages in table order (file, then depth-first declaration order).
    private var messages: [PendingMessage] = []
    /// Enums in table order.
    private var enums: [PendingEnum] = []
    /// Services in table order.
    private var services: [PendingService] = []
    /// Full name → what it denotes and its table index.
    private var symbols: [String: Symbol] = [:]
    /// Full name → defining file, for "defined twice" messages.
    private var symbolFiles: [String: String] = [:]

    /// Decodes one serialized set and keeps its files.
    /// - Throws: ``SchemaError`` if the bytes are not a `FileDescriptorSet`, or a file name arrives
    ///   twice with different contents.
    mutating func add(_ source: DescriptorSetSource) throws(SchemaError) {
        let set: Google_Protobuf_FileDescriptorSet
        do {
            set = try Google_Protobuf_FileDescriptorSet(serializedBytes: source.bytes)
        } catch {
            throw SchemaError(
                code: .notADescriptorSet,
                file: source.displayName,
                message: "is not a serialized google.protobuf.FileDescriptorSet (\(error)); "
                    + "make it with protoc --include_imports --descriptor_set_out"
            )
        }
        // Arbitrary bytes can happen to parse as a message made only of unknown fields; a real set
        // has nothing but files.
        guard set.unknownFields.data.isEmpty, !set.file.isEmpty, set.file.allSatisfy({ !$0.name.isEmpty }) else {
            throw SchemaError(
                code: .notADescriptorSet,
                file: source.displayName,
                message: "is not a google.protobuf.FileDescriptorSet with at least one named file; "
                    + "make it with protoc --include_imports --descriptor_set_out"
            )
        }
        for proto in set.file {
            if let existing = fileIndexByName[proto.name] {
                guard Self.sameDefinitions(files[existing].proto, proto) else {
                    throw SchemaError(
                        code: .duplicateDefinition,
                        file: source.displayName,
                        message: "\(proto.name) differs from the copy in \(files[existing].source.displayName); "
                            + "build every set from the same .proto files"
                    )
                }
                continue
            }
            let syntax: ProtoSyntax
            switch proto.syntax {
            case "", "proto2": syntax = .proto2
            case "proto3": syntax = .proto3
            default:
                throw SchemaError(
                    code: .unsupported,
                    file: source.displayName,
                    message: "\(proto.name) uses syntax \"\(proto.syntax)\"; only proto2 and proto3 are supported"
                )
            }
            fileIndexByName[proto.name] = files.count
            files.append(FileRecord(proto: proto, source: source, syntax: syntax))
        }
    }

    /// Whether two copies of one file define the same things (source info, which depends on how
    /// protoc was called, is ignored).
    private static func sameDefinitions(
        _ first: Google_Protobuf_FileDescriptorProto,
        _ second: Google_Protobuf_FileDescriptorProto
    ) -> Bool {
        var first = first
        var second = second
        first.clearSourceCodeInfo()
        second.clearSourceCodeInfo()
        return first == second
    }

    /// Registers every type and service, then resolves references.
    /// - Returns: The finished tables.
    /// - Throws: ``SchemaError`` for a name defined twice, a dangling reference or a malformed
    ///   descriptor.
    mutating func build() throws(SchemaError) -> Tables {
        for fileIndex in files.indices {
            let proto = files[fileIndex].proto
            let prefix = proto.package.isEmpty ? "" : proto.package + "."
            for message in proto.messageType {
                try register(message: message, fullName: prefix + message.name, file: fileIndex)
            }
            for enumeration in proto.enumType {
                try register(enum: enumeration, fullName: prefix + enumeration.name, file: fileIndex)
            }
            for service in proto.service {
                let fullName = prefix + service.name
                try claim(fullName, as: .service(services.count), file: fileIndex)
                services.append(PendingService(proto: service, fullName: fullName, file: fileIndex))
            }
        }
        let isMapEntry = messages.map(\.proto.options.mapEntry)
        var builtMessages: [MessageSchema] = []
        builtMessages.reserveCapacity(messages.count)
        for (index, pending) in messages.enumerated() {
            builtMessages.append(try buildMessage(pending, index: index, isMapEntry: isMapEntry))
        }
        let builtEnums = enums.enumerated().map { index, pending in
            EnumSchema(
                fullName: pending.fullName,
                file: files[pending.file].proto.name,
                values: pending.proto.value.map { EnumValueSchema(name: $0.name, number: $0.number) },
                isClosed: files[pending.file].syntax == .proto2,
                index: index
            )
        }
        var builtServices: [ServiceSchema] = []
        var methodCount = 0
        for pending in services {
            let service = try buildService(pending, firstMethodIndex: methodCount)
            methodCount += service.methods.count
            builtServices.append(service)
        }
        return Tables(
            messages: builtMessages,
            enums: builtEnums,
            services: builtServices,
            fileNames: files.map(\.proto.name)
        )
    }

    /// Registers a message and, depth first, its nested messages and enums.
    private mutating func register(
        message: Google_Protobuf_DescriptorProto,
        fullName: String,
        file: Int
    ) throws(SchemaError) {
        try claim(fullName, as: .message(messages.count), file: file)
        messages.append(PendingMessage(proto: message, fullName: fullName, file: file))
        for nested in message.nestedType {
            try register(message: nested, fullName: fullName + "." + nested.name, file: file)
        }
        for enumeration in message.enumType {
            try register(enum: enumeration, fullName: fullName + "." + enumeration.name, file: file)
        }
    }

    /// Registers an enum.
    private mutating func register(
        enum enumeration: Google_Protobuf_EnumDescriptorProto,
        fullName: String,
        file: Int
    ) throws(SchemaError) {
        try claim(fullName, as: .enumeration(enums.count), file: file)
        enums.append(PendingEnum(proto: enumeration, fullName: fullName, file: file))
    }

    /// Records that a full name is taken.
    /// - Throws: ``SchemaError`` when another file (or the same one) already defines it.
    private mutating func claim(_ fullName: String, as symbol: Symbol, file: Int) throws(SchemaError) {
        let fileName = files[file].proto.name
        if let earlier = symbolFiles[fullName] {
            throw SchemaError(
                code: .duplicateDefinition,
                file: files[file].source.displayName,
                message: "\(fullName) is defined in both \(earlier) and \(fileName)"
            )
        }
        symbols[fullName] = symbol
        symbolFiles[fullName] = fileName
    }

    /// Resolves a type name as written in a descriptor. protoc always writes fully-qualified names
    /// with a leading dot; a name without one is looked up from the innermost scope outwards, as
    /// protobuf's C++ scoping rules do, for sets made by other tools.
    private func resolve(_ typeName: String, scope: String) -> (String, Symbol)? {
        if typeName.hasPrefix(".") {
            let name = String(typeName.dropFirst())
            return symbols[name].map { (name, $0) }
        }
        var scope = Substring(scope)
        while true {
            let candidate = scope.isEmpty ? typeName : "\(scope).\(typeName)"
            if let symbol = symbols[candidate] {
                return (candidate, symbol)
            }
            guard let dot = scope.lastIndex(of: ".") else {
                return scope.isEmpty ? nil : symbols[typeName].map { (typeName, $0) }
            }
            scope = scope[..<dot]
        }
    }

    /// Builds one message: fields resolved to indices, packing and presence decided, oneofs collected.
    private func buildMessage(
        _ pending: PendingMessage,
        index: Int,
        isMapEntry: [Bool]
    ) throws(SchemaError) -> MessageSchema {
        let record = files[pending.file]
        let proto = pending.proto
        var fields: [FieldSchema] = []
        var seenNumbers: Set<Int32> = []
        for fieldProto in proto.field {
            let subject = "\(record.proto.name): field \(pending.fullName).\(fieldProto.name)"
            guard fieldProto.number >= 1, seenNumbers.insert(fieldProto.number).inserted else {
                throw invalid(record, "\(subject) has an invalid or repeated number \(fieldProto.number)")
            }
            var typeName: String?
            var messageIndex: Int?
            var enumIndex: Int?
            var type: FieldType?
            if fieldProto.hasType {
                guard let known = FieldType(rawValue: fieldProto.type.rawValue) else {
                    throw invalid(record, "\(subject) has unknown type number \(fieldProto.type.rawValue)")
                }
                type = known
            }
            if !fieldProto.typeName.isEmpty {
                guard let (name, symbol) = resolve(fieldProto.typeName, scope: pending.fullName) else {
                    throw SchemaError(
                        code: .danglingReference,
                        file: record.source.displayName,
                        message: "\(subject) refers to \(Self.bare(fieldProto.typeName)), which no file in the "
                            + "descriptor sets defines; build the set with protoc --include_imports"
                    )
                }
                typeName = name
                switch (symbol, type) {
                case (.message(let target), nil), (.message(let target), .message?), (.message(let target), .group?):
                    messageIndex = target
                    type = type ?? .message
                case (.enumeration(let target), nil), (.enumeration(let target), .enum?):
                    enumIndex = target
                    type = .enum
                default:
                    throw invalid(
                        record,
                        "\(subject) has type \(name), which is not a \(type.map { "\($0)" } ?? "type")"
                    )
                }
            } else if type == .message || type == .group || type == .enum || type == nil {
                throw invalid(record, "\(subject) has no type name")
            }
            guard let type else {
                throw invalid(record, "\(subject) has no type")
            }
            let label = FieldLabel(rawValue: fieldProto.label.rawValue) ?? .optional
            let isRepeated = label == .repeated
            var oneofIndex: Int?
            if fieldProto.hasOneofIndex {
                guard fieldProto.oneofIndex >= 0, Int(fieldProto.oneofIndex) < proto.oneofDecl.count else {
                    throw invalid(record, "\(subject) names oneof #\(fieldProto.oneofIndex), which does not exist")
                }
                oneofIndex = Int(fieldProto.oneofIndex)
            }
            let isPacked: Bool
            if isRepeated, type.isPackable {
                let options = fieldProto.options
                isPacked = record.syntax == .proto3 ? !(options.hasPacked && !options.packed) : options.packed
            } else {
                isPacked = false
            }
            fields.append(
                FieldSchema(
                    number: Int(fieldProto.number),
                    name: fieldProto.name,
                    jsonName: fieldProto.hasJsonName
                        ? fieldProto.jsonName : FieldSchema.defaultJSONName(for: fieldProto.name),
                    type: type,
                    label: label,
                    isPacked: isPacked,
                    oneofIndex: oneofIndex,
                    isProto3Optional: fieldProto.proto3Optional,
                    hasPresence: !isRepeated
                        && (type == .message || type == .group || oneofIndex != nil || record.syntax == .proto2),
                    typeName: typeName,
                    messageIndex: messageIndex,
                    enumIndex: enumIndex,
                    isMap: isRepeated && messageIndex.map { isMapEntry[$0] } == true,
                    defaultValue: fieldProto.hasDefaultValue ? fieldProto.defaultValue : nil,
                    index: fields.count
                )
            )
        }
        let oneofs = proto.oneofDecl.enumerated().map { position, oneof in
            let members = fields.filter { $0.oneofIndex == position }.map(\.index)
            return OneofSchema(
                name: oneof.name,
                fieldIndices: members,
                isSynthetic: members.count == 1 && fields[members[0]].isProto3Optional
            )
        }
        return MessageSchema(
            fullName: pending.fullName,
            file: record.proto.name,
            syntax: record.syntax,
            fields: fields,
            oneofs: oneofs,
            isMapEntry: isMapEntry[index],
            index: index
        )
    }

    /// Builds one service: method types resolved to message indices, HTTP rules decoded.
    private func buildService(_ pending: PendingService, firstMethodIndex: Int) throws(SchemaError) -> ServiceSchema {
        let record = files[pending.file]
        var methods: [MethodSchema] = []
        for methodProto in pending.proto.method {
            let subject = "\(record.proto.name): method \(pending.fullName).\(methodProto.name)"
            let input = try resolveMessage(
                methodProto.inputType,
                role: "request",
                scope: pending.fullName,
                subject: subject,
                record: record
            )
            let output = try resolveMessage(
                methodProto.outputType,
                role: "response",
                scope: pending.fullName,
                subject: subject,
                record: record
            )
            var rules: [HTTPRule] = []
            do {
                let unknown = [UInt8](methodProto.options.unknownFields.data)
                if let rule = try HTTPRule.fromMethodOptions(unknownFields: unknown) {
                    rules.append(rule)
                }
            } catch {
                throw invalid(record, "\(subject) has a malformed google.api.http option: \(error)")
            }
            methods.append(
                MethodSchema(
                    name: methodProto.name,
                    serviceName: pending.fullName,
                    inputType: input.name,
                    outputType: output.name,
                    inputIndex: input.index,
                    outputIndex: output.index,
                    clientStreaming: methodProto.clientStreaming,
                    serverStreaming: methodProto.serverStreaming,
                    httpRules: rules,
                    index: firstMethodIndex + methods.count
                )
            )
        }
        return ServiceSchema(fullName: pending.fullName, file: record.proto.name, methods: methods)
    }

    /// Resolves a method's request or response type, which must be a message.
    private func resolveMessage(
        _ typeName: String,
        role: String,
        scope: String,
        subject: String,
        record: FileRecord
    ) throws(SchemaError) -> (name: String, index: Int) {
        guard let (name, symbol) = resolve(typeName, scope: scope) else {
            throw SchemaError(
                code: .danglingReference,
                file: record.source.displayName,
                message: "\(subject) has \(role) type \(Self.bare(typeName)), which no file in the descriptor sets "
                    + "defines; build the set with protoc --include_imports"
            )
        }
        guard case .message(let index) = symbol else {
            throw invalid(record, "\(subject) has \(role) type \(name), which is not a message")
        }
        return (name, index)
    }

    /// A malformed-descriptor error attributed to a file's set.
    private func invalid(_ record: FileRecord, _ message: String) -> SchemaError {
        SchemaError(code: .invalidDescriptor, file: record.source.displayName, message: message)
    }

    /// A type name without its leading dot, for messages.
    private static func bare(_ typeName: String) -> String {
        typeName.hasPrefix(".") ? String(typeName.dropFirst()) : typeName
    }
}
