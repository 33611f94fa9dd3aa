import GRPCWire
import Testing

@Suite("TrailerBlock")
struct TrailerBlockTests {
    @Test("An OK trailer frame is exactly 80 00 00 00 10 then \"grpc-status: 0\\r\\n\"")
    func okFrameBytes() {
        var buffer: [UInt8] = []
        TrailerBlock.append(status: .ok, metadata: [], to: &buffer)
        let expected: [UInt8] = [
            0x80, 0x00, 0x00, 0x00, 0x10,
            0x67, 0x72, 0x70, 0x63, 0x2D, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73,  // grpc-status
            0x3A, 0x20, 0x30, 0x0D, 0x0A,  // ": 0\r\n"
        ]
        #expect(buffer == expected)
    }

    @Test("Message is percent-encoded and metadata names are lower-cased, after existing bytes")
    func messageAndMetadata() {
        var buffer: [UInt8] = [0xEE]
        TrailerBlock.append(
            status: GRPCStatus(.notFound, "not found %"),
            metadata: [(name: "X-Custom", value: "v")],
            to: &buffer
        )
        // 16 + 29 + 13 = 58 = 0x3A payload bytes.
        let payload = "grpc-status: 5\r\ngrpc-message: not found %25\r\nx-custom: v\r\n"
        #expect(buffer == [0xEE, 0x80, 0x00, 0x00, 0x00, 0x3A] + Array(payload.utf8))
    }

    @Test("Two-digit codes are written in full")
    func twoDigitCode() {
        var buffer: [UInt8] = []
        TrailerBlock.append(status: GRPCStatus(.unauthenticated), metadata: [], to: &buffer)
        #expect(buffer == [0x80, 0x00, 0x00, 0x00, 0x11] + Array("grpc-status: 16\r\n".utf8))
    }

    @Test("CR and LF in metadata cannot start a new line")
    func noLineInjection() {
        var buffer: [UInt8] = []
        TrailerBlock.append(status: .ok, metadata: [(name: "a", value: "x\r\ngrpc-status: 0")], to: &buffer)
        let lines = TrailerBlock.parse(Array(buffer.dropFirst(5)))
        #expect(lines.count == 2)
        #expect(lines.last?.value == "x  grpc-status: 0")
    }

    @Test("Envoy's form without a space parses (30-byte block from protocols.md B4)")
    func parseEnvoyForm() {
        let payload = Array("grpc-status:0\r\ngrpc-message:\r\n".utf8)
        #expect(payload.count == 30)
        let fields = TrailerBlock.parse(payload)
        #expect(fields.map(\.name) == ["grpc-status", "grpc-message"])
        #expect(fields.map(\.value) == ["0", ""])
    }

    @Test("sonora's form with a space parses")
    func parseSonoraForm() {
        let fields = TrailerBlock.parse(Array("grpc-status: 0\r\ngrpc-message: all good\r\n".utf8))
        #expect(fields.map(\.name) == ["grpc-status", "grpc-message"])
        #expect(fields.map(\.value) == ["0", "all good"])
    }

    @Test(
        "Parsing tolerates odd but harmless layouts",
        arguments: [
            ("grpc-status: 3", [("grpc-status", "3")]),
            ("Grpc-Status: 3\r\n", [("grpc-status", "3")]),
            ("  grpc-status \t:  3 \t\r\n", [("grpc-status", "3")]),
            ("grpc-status: 3\nx: y\n", [("grpc-status", "3"), ("x", "y")]),
            ("\r\ngrpc-status: 3\r\n\r\n", [("grpc-status", "3")]),
            ("x-time: 12:30:00\r\n", [("x-time", "12:30:00")]),
            ("no colon here\r\nk:v", [("k", "v")]),
            ("a: 1\r\na: 2\r\n", [("a", "1"), ("a", "2")]),
            (": orphan value\r\n", []),
            ("", []),
        ]
    )
    func parseLeniently(block: String, expected: [(String, String)]) {
        let fields = TrailerBlock.parse(Array(block.utf8))
        #expect(fields.map(\.name) == expected.map(\.0))
        #expect(fields.map(\.value) == expected.map(\.1))
    }

    @Test("A written trailer frame deframes and parses back to the same fields")
    func roundTrip() throws {
        var buffer: [UInt8] = []
        let metadata = [(name: "grpc-status-details-bin", value: "CAUSBm5vcGUh"), (name: "x-id", value: "42")]
        TrailerBlock.append(status: GRPCStatus(.internalError, "boom\n\u{E9}"), metadata: metadata, to: &buffer)
        var deframer = MessageDeframer(maxMessageLength: 1024)
        deframer.append(buffer)
        let frame = try #require(try deframer.next())
        #expect(frame.isTrailer)
        let fields = TrailerBlock.parse(frame.payload)
        #expect(fields.map(\.name) == ["grpc-status", "grpc-message", "grpc-status-details-bin", "x-id"])
        #expect(fields[0].value == "13")
        #expect(GRPCMessageEncoding.decode(fields[1].value) == "boom\n\u{E9}")
        #expect(fields[2].value == "CAUSBm5vcGUh")
        #expect(fields[3].value == "42")
    }
}
