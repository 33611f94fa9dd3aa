import GRPCWire
import Testing

@Suite("MessageFramer")
struct MessageFramerTests {
    @Test(
        "The prefix is the flag byte then the length as big-endian UInt32",
        arguments: [
            (UInt8(0x00), 0, [UInt8(0x00), 0x00, 0x00, 0x00, 0x00]),
            (0x01, 5, [0x01, 0x00, 0x00, 0x00, 0x05]),
            (0x80, 30, [0x80, 0x00, 0x00, 0x00, 0x1E]),
            (0x00, 0x0102_0304, [0x00, 0x01, 0x02, 0x03, 0x04]),
            (0x81, 0xFFFF_FFFF, [0x81, 0xFF, 0xFF, 0xFF, 0xFF]),
        ]
    )
    func prefix(flags: UInt8, length: Int, expected: [UInt8]) {
        var buffer: [UInt8] = [0xAA]
        MessageFramer.appendPrefix(flags: flags, length: length, to: &buffer)
        #expect(buffer == [0xAA] + expected)
        #expect(MessageFramer.prefixLength == expected.count)
    }
}
