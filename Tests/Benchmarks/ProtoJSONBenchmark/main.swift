// ProtoJSON throughput, both directions, beside swift-protobuf's generated-code JSON on the same
// messages and beside the per-byte figures Envoy's transcoding library publishes
// (grpc-httpjson-transcoding, perf_benchmark). It prints and never asserts.
//
// Run: swift run -c release ProtoJSONBenchmark   (from the package root)
//
// Per-byte figures divide the time by the INPUT size of the direction measured: wire bytes for
// protobuf → JSON, JSON bytes for JSON → protobuf.
internal import Foundation
internal import ProtoJSON
internal import Schema
internal import SwiftProtobuf

/// One benchmark message: its generated-code value and how to round-trip it through swift-protobuf.
struct Case {
    var name: String
    var typeName: String
    var wire: [UInt8]
    /// swift-protobuf: message → JSON.
    var swiftProtobufEncode: () throws -> [UInt8]
    /// swift-protobuf: JSON → message.
    var swiftProtobufDecode: ([UInt8]) throws -> Void
    /// swift-protobuf: wire → message → JSON.
    var swiftProtobufWireToJSON: () throws -> [UInt8]
    /// swift-protobuf: JSON → message → wire.
    var swiftProtobufJSONToWire: ([UInt8]) throws -> [UInt8]
}

/// Builds a case from a generated message.
func makeCase<M: SwiftProtobuf.Message>(_ name: String, _ typeName: String, _ message: M) throws -> Case {
    let wire: [UInt8] = try message.serializedBytes()
    return Case(
        name: name,
        typeName: typeName,
        wire: wire,
        swiftProtobufEncode: { try message.jsonUTF8Bytes() },
        swiftProtobufDecode: { _ = try M(jsonUTF8Bytes: $0) },
        swiftProtobufWireToJSON: { try M(serializedBytes: wire).jsonUTF8Bytes() },
        swiftProtobufJSONToWire: { try M(jsonUTF8Bytes: $0).serializedBytes() }
    )
}

/// A reproducible generator for the payloads.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

var random = SplitMix64(state: 7)

func order(_ id: Int) -> Testing_V1_Json_Order {
    var order = Testing_V1_Json_Order()
    order.id = "order-\(id)"
    order.customer = "customers/\(1000 + id)"
    for item in 0..<3 {
        var line = Testing_V1_Json_Order.Item()
        line.sku = "SKU-\(id)-\(item)"
        line.quantity = Int32(item + 1)
        line.priceMicros = Int64(1_990_000 * (item + 1))
        order.items.append(line)
    }
    order.color = .green
    order.createdAt = Google_Protobuf_Timestamp(seconds: 1_700_000_000 + Int64(id), nanos: 125_000_000)
    order.labels = ["channel": "web", "region": "eu-west-1"]
    order.total = 119.4
    return order
}

@MainActor
func structDocument() -> Google_Protobuf_Struct {
    func value(_ depth: Int) -> Google_Protobuf_Value {
        switch Int(random.next() % (depth > 2 ? 4 : 6)) {
        case 0: return Google_Protobuf_Value(numberValue: Double(random.next() % 100_000) / 100)
        case 1: return Google_Protobuf_Value(stringValue: "value-\(random.next() % 1000)")
        case 2: return Google_Protobuf_Value(boolValue: random.next() % 2 == 0)
        case 3: return Google_Protobuf_Value(nilLiteral: ())
        case 4:
            return Google_Protobuf_Value(
                listValue: Google_Protobuf_ListValue(values: (0..<5).map { _ in value(depth + 1) })
            )
        default:
            var object = Google_Protobuf_Struct()
            for key in 0..<5 {
                object.fields["key\(key)"] = value(depth + 1)
            }
            return Google_Protobuf_Value(structValue: object)
        }
    }
    var document = Google_Protobuf_Struct()
    for key in 0..<60 {
        document.fields["field_\(key)"] = value(0)
    }
    return document
}

let cases: [Case] = try {
    var blob = Testing_V1_Json_BlobMessage()
    blob.data = Data((0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
    var array = Testing_V1_Json_Int32Array()
    array.values = (0..<10_000).map { _ in Int32(truncatingIfNeeded: random.next() % 2_000_000) - 1_000_000 }
    var catalog = Testing_V1_Json_Catalog()
    for index in 0..<40 {
        catalog.orders["o\(index)"] = order(index)
        catalog.names[Int64(index) * 7_919] = "name \(index)"
    }
    catalog.archived = (100..<120).map(order)
    var holder = Testing_V1_Json_StructHolder()
    holder.doc = structDocument()
    return [
        try makeCase("small order", "testing.v1.json.Order", order(1)),
        try makeCase("1 MiB bytes field", "testing.v1.json.BlobMessage", blob),
        try makeCase("10,000 repeated int32", "testing.v1.json.Int32Array", array),
        try makeCase("maps + nested messages", "testing.v1.json.Catalog", catalog),
        try makeCase("Struct-heavy", "testing.v1.json.StructHolder", holder),
    ]
}()

/// Seconds per call of `body`: calls batched to ≥ 0.2 s, best of 5 batches.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    var iterations = 1
    while true {
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        if elapsed >= .milliseconds(50) {
            break
        }
        iterations *= 2
    }
    iterations = max(1, iterations * 4)
    var best = Double.infinity
    for _ in 0..<5 {
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds / Double(iterations))
    }
    return best
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func figure(_ seconds: Double, bytes: Int) -> String {
    let megabytesPerSecond = Double(bytes) / seconds / 1_000_000
    let microsecondsPerByte = seconds * 1e6 / Double(bytes)
    return "\(String(format: "%8.1f MB/s", megabytesPerSecond))  \(String(format: "%.5f µs/B", microsecondsPerByte))"
}

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let descriptors = here.appendingPathComponent("../../ProtoJSONTests/Fixtures/descriptors.binpb").standardized.path
let pool = try DescriptorPool.load(paths: [descriptors])
let encoder = ProtoJSONEncoder(pool: pool)
let decoder = ProtoJSONDecoder(pool: pool)

print("ProtoJSON benchmark (release build expected; per-byte = time / input bytes of that direction)")
print("Envoy grpc-httpjson-transcoding published: int32 array 0.03 µs/B JSON→pb, 0.001 µs/B pb→JSON;")
print("                                         bytes field 0.01 µs/B JSON→pb, 0.005 µs/B pb→JSON")
print("")
for testCase in cases {
    let index = pool.messageIndex(named: testCase.typeName)!
    let json = try encoder.encode(messageIndex: index, wireBytes: testCase.wire)
    let swiftJSON = try testCase.swiftProtobufEncode()
    // Sanity: our bytes decode back to the same wire bytes through swift-protobuf's reading.
    let back = try decoder.decode(messageIndex: index, json: json)
    let theirs = try testCase.swiftProtobufJSONToWire(json)
    precondition(
        theirs.count == testCase.wire.count && back.count == testCase.wire.count,
        "size mismatch on \(testCase.name)"
    )
    var output: [UInt8] = []
    output.reserveCapacity(json.count * 2)
    let oursEncode = try testCase.wire.withUnsafeBytes { wire in
        try measure {
            output.removeAll(keepingCapacity: true)
            try encoder.encode(messageIndex: index, wireBytes: wire, into: &output)
        }
    }
    var wireOut: [UInt8] = []
    wireOut.reserveCapacity(testCase.wire.count * 2)
    let oursDecode = try json.withUnsafeBytes { text in
        try measure {
            wireOut.removeAll(keepingCapacity: true)
            try decoder.decode(messageIndex: index, json: text, into: &wireOut)
        }
    }
    let theirEncode = try measure { _ = try testCase.swiftProtobufEncode() }
    let theirDecode = try measure { try testCase.swiftProtobufDecode(swiftJSON) }
    let theirWireToJSON = try measure { _ = try testCase.swiftProtobufWireToJSON() }
    let theirJSONToWire = try measure { _ = try testCase.swiftProtobufJSONToWire(swiftJSON) }
    print("\(testCase.name): \(testCase.wire.count) wire bytes, \(json.count) JSON bytes")
    print("  protobuf → JSON  ProtoJSON (wire→JSON)            \(figure(oursEncode, bytes: testCase.wire.count))")
    print("                   swift-protobuf (message→JSON)    \(figure(theirEncode, bytes: testCase.wire.count))")
    let wireToJSON = figure(theirWireToJSON, bytes: testCase.wire.count)
    print("                   swift-protobuf (wire→msg→JSON)   \(wireToJSON)")
    print("  JSON → protobuf  ProtoJSON (JSON→wire)            \(figure(oursDecode, bytes: json.count))")
    print("                   swift-protobuf (JSON→message)    \(figure(theirDecode, bytes: swiftJSON.count))")
    print("                   swift-protobuf (JSON→msg→wire)   \(figure(theirJSONToWire, bytes: swiftJSON.count))")
}
