import GRPCWire
import Testing

@Suite("GRPCTimeout")
struct GRPCTimeoutTests {
    @Test(
        "Each unit converts to nanoseconds",
        arguments: [
            ("1H", Int64(3_600_000_000_000)),
            ("2M", 120_000_000_000),
            ("3S", 3_000_000_000),
            ("4m", 4_000_000),
            ("5u", 5_000),
            ("6n", 6),
            ("0m", 0),
            ("1500m", 1_500_000_000),
            ("99999999n", 99_999_999),
            ("99999999u", 99_999_999_000),
            ("00000001S", 1_000_000_000),
            ("99999999M", 5_999_999_940_000_000_000),
            ("2562047H", 9_223_369_200_000_000_000),
        ]
    )
    func parse(value: String, nanoseconds: Int64) {
        #expect(GRPCTimeout.parse(value) == nanoseconds)
    }

    @Test("Hours that overflow Int64 nanoseconds saturate", arguments: ["2562048H", "99999999H"])
    func parseSaturates(value: String) {
        #expect(GRPCTimeout.parse(value) == Int64.max)
    }

    @Test(
        "Malformed values are rejected",
        arguments: [
            "", "m", "S", "1", "12", "123456789m", "000000001m", "1h", "1s", "1x", "1.5S", "-1S", "+1S", " 1S", "1S ",
            "1 S", "12a4m", "1mm", "\u{0661}S",
        ]
    )
    func parseRejects(value: String) {
        #expect(GRPCTimeout.parse(value) == nil)
    }

    @Test(
        "Encoding picks the finest unit that fits in 8 digits, rounding up",
        arguments: [
            (Int64(1), "1n"),
            (99_999_999, "99999999n"),
            (100_000_000, "100000u"),
            (100_000_001, "100001u"),
            (1_500_000_000, "1500000u"),
            (99_999_999_000, "99999999u"),
            (99_999_999_001, "100000m"),
            (100_000_000_000, "100000m"),
            (1_800_000_000_000, "1800000m"),
            (99_999_999_000_000, "99999999m"),
            (99_999_999_000_001, "100000S"),
            (99_999_999_000_000_000, "99999999S"),
            (100_000_000_000_000_000, "1666667M"),
            (Int64.max, "2562048H"),
        ]
    )
    func encode(nanoseconds: Int64, value: String) {
        #expect(GRPCTimeout.encode(nanoseconds: nanoseconds) == value)
    }

    @Test("An already expired timeout encodes as 0n", arguments: [Int64(0), -1, Int64.min])
    func encodeNonPositive(nanoseconds: Int64) {
        #expect(GRPCTimeout.encode(nanoseconds: nanoseconds) == "0n")
    }

    @Test("Encoding never shortens the timeout and stays within one unit of it")
    func encodeRoundTrips() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let magnitude = Int64.random(in: 0...62, using: &generator)
            let nanoseconds = Int64.random(in: 1...(Int64(1) << magnitude), using: &generator)
            let encoded = GRPCTimeout.encode(nanoseconds: nanoseconds)
            #expect(encoded.utf8.count <= 9)
            let decoded = try #require(GRPCTimeout.parse(encoded))
            #expect(decoded >= nanoseconds)
            // A coarser unit is only chosen when the value exceeds 10^8 of the finer one, so the
            // rounding error stays far below a ten-thousandth of the value.
            #expect(decoded - nanoseconds < max(1, nanoseconds / 10_000), "\(nanoseconds)")
        }
    }
}
