internal import Foundation
internal import ProtoJSON
internal import Schema

/// The conformance corpus in `Fixtures/`, written by `scripts/generate-protojson-corpus` with Python
/// protobuf's `json_format` as the reference, loaded once for every test.
enum Corpus {
    /// The test schema (json_conformance.proto, json_conformance_proto2.proto, well-known types).
    static let pool: DescriptorPool = {
        let url = Bundle.module.url(forResource: "Fixtures/descriptors", withExtension: "binpb")!
        return try! DescriptorPool.load(paths: [url.path])
    }()

    /// The option sets the corpus has expectations for, by the generator's names.
    static let optionSets: [String: ProtoJSONOptions] = [
        "default": ProtoJSONOptions(),
        "alwaysPrint": ProtoJSONOptions(alwaysPrintFieldsWithNoPresence: true),
        "protoNames": ProtoJSONOptions(preserveProtoFieldNames: true),
        "enumInts": ProtoJSONOptions(enumsAsIntegers: true),
        "indent2": ProtoJSONOptions(indent: 2),
        "all": ProtoJSONOptions(
            alwaysPrintFieldsWithNoPresence: true,
            preserveProtoFieldNames: true,
            enumsAsIntegers: true,
            indent: 2
        ),
    ]

    /// One wire → JSON case: the message's deterministic wire bytes and, per option set, the
    /// reference's JSON text or its error.
    struct EncodeCase: Sendable, CustomStringConvertible {
        var name: String
        var type: String
        var wire: [UInt8]
        /// Option set name → (expected JSON, or nil when the reference refused, with its reason).
        var expected: [String: (json: String?, error: String?)]
        var description: String { name }
    }

    /// A JSON input the reference accepts, with the wire bytes it made and their canonical JSON.
    struct ValidInput: Sendable, CustomStringConvertible {
        var name: String
        var type: String
        var input: String
        var wire: [UInt8]
        var json: String
        var description: String { name }
    }

    /// A JSON input the reference rejects, with its reason.
    struct InvalidInput: Sendable, CustomStringConvertible {
        var name: String
        var type: String
        var input: String
        var ignoreUnknownFields: Bool
        var reason: String
        var description: String { name }
    }

    /// Reads a JSON Lines fixture.
    private static func lines(_ name: String) -> [[String: Any]] {
        let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "jsonl")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// Every wire → JSON case.
    static let encodeCases: [EncodeCase] = lines("encode").map { record in
        var expected: [String: (json: String?, error: String?)] = [:]
        for (set, value) in record["expected"] as! [String: [String: String]] {
            expected[set] = (value["json"].map(text(base64:)), value["error"])
        }
        return EncodeCase(
            name: record["name"] as! String,
            type: record["type"] as! String,
            wire: [UInt8](Data(base64Encoded: record["wire"] as! String)!),
            expected: expected
        )
    }

    /// Every lenient JSON input.
    static let validInputs: [ValidInput] = lines("decode_valid").map { record in
        ValidInput(
            name: record["name"] as! String,
            type: record["type"] as! String,
            input: text(base64: record["input"] as! String),
            wire: [UInt8](Data(base64Encoded: record["wire"] as! String)!),
            json: text(base64: record["json"] as! String)
        )
    }

    /// Every JSON input the reference rejects.
    static let invalidInputs: [InvalidInput] = lines("decode_invalid").map { record in
        InvalidInput(
            name: record["name"] as! String,
            type: record["type"] as! String,
            input: text(base64: record["input"] as! String),
            ignoreUnknownFields: record["ignoreUnknownFields"] as! Bool,
            reason: record["reason"] as! String
        )
    }

    /// Decodes a base64 UTF-8 text (the generator encodes JSON texts so that no JSON reader on this
    /// side can normalise them).
    static func text(base64: String) -> String {
        String(decoding: Data(base64Encoded: base64)!, as: UTF8.self)
    }

    /// The index of a message type in ``pool``.
    static func index(_ type: String) -> Int {
        pool.messageIndex(named: type)!
    }
}
