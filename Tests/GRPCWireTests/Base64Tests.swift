import Foundation
import GRPCWire
import Testing

@Suite("Base64")
struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    static let rfcVectors: [(String, String)] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 test vectors encode exactly", arguments: rfcVectors)
    func rfcVector(plain: String, encoded: String) {
        var output: [UInt8] = []
        Base64.encode(Array(plain.utf8), into: &output)
        #expect(output == Array(encoded.utf8))
        #expect(Base64.encodedLength(plain.utf8.count) == encoded.utf8.count)
    }

    @Test("Encoding appends to what is already in the output")
    func appends() {
        var output = Array("Zg==".utf8)
        Array("fo".utf8).withUnsafeBytes { Base64.encode($0, into: &output) }
        #expect(output == Array("Zg==Zm8=".utf8))
    }

    @Test("Every byte value and the '+' and '/' characters match Foundation's encoder")
    func matchesFoundation() {
        let bytes = (0..<256).map { UInt8($0) } + [0xFB, 0xFF, 0xBF, 0xFE]
        var output: [UInt8] = []
        Base64.encode(bytes, into: &output)
        let reference = Data(bytes).base64EncodedString()
        #expect(String(decoding: output, as: UTF8.self) == reference)
        #expect(reference.contains("+") && reference.contains("/"))
    }

    @Test(
        "The encoded length is 4 characters per started group of 3 bytes",
        arguments: [(0, 0), (1, 4), (2, 4), (3, 4), (4, 8), (5, 8), (6, 8), (7, 12), (3_000, 4_000)]
    )
    func encodedLength(count: Int, length: Int) {
        #expect(Base64.encodedLength(count) == length)
    }
}
