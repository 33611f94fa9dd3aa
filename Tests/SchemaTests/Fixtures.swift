internal import Foundation
internal import Schema

/// Access to the descriptor-set fixtures made by `Fixtures/generate.sh` and copied into the bundle.
enum Fixtures {
    /// The path of a fixture file, e.g. `orders.binpb`.
    static func path(_ name: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    /// The pool of the complete proto3 and proto2 fixtures, built once for all tests.
    static let pool: DescriptorPool = {
        do {
            return try DescriptorPool.load(paths: [path("orders.binpb"), path("legacy.binpb")])
        } catch {
            fatalError("the fixture descriptor sets do not load: \(error)")
        }
    }()
}

/// Builds protobuf wire bytes by hand, so tests can make descriptor sets and options that protoc
/// would not produce (no json_name, editions, malformed extensions).
struct WireWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// Appends a varint.
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Appends a tag.
    mutating func tag(_ field: Int, _ wireType: UInt8) {
        varint(UInt64(field) << 3 | UInt64(wireType))
    }

    /// Appends bytes as they are.
    mutating func raw(_ value: [UInt8]) {
        bytes.append(contentsOf: value)
    }

    /// Appends a varint field.
    mutating func int(_ field: Int, _ value: Int) {
        tag(field, 0)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// Appends a length-delimited field.
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a string field.
    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// Appends a nested message built by `body`.
    mutating func message(_ field: Int, _ body: (inout WireWriter) -> Void) {
        var nested = WireWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }
}
