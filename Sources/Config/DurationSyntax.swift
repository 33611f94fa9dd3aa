/// The text form of durations in `gateway.yaml`: a decimal number and a unit, with no space.
///
/// Grammar: `digits [ "." digits ] unit`, where unit is one of `ns`, `us`, `ms`, `s`, `m`, `h`
/// (the units of Go's `time.ParseDuration` that Envoy and grpc-gateway users already write, in one
/// component only). Examples: `250ms`, `5s`, `1.5s`, `10m`. A bare number is refused on purpose:
/// `timeout: 5` is ambiguous between seconds and milliseconds.
enum DurationSyntax {
    /// The hint appended to every duration error.
    static let advice = "write a number with a unit ns, us, ms, s, m or h, such as 250ms, 5s or 1.5s"

    /// Nanoseconds per unit.
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ns", 1),
        ("us", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ]

    /// Parses a duration.
    /// - Parameter text: The scalar's text.
    /// - Returns: The duration in nanoseconds, or `nil` if the text is not a duration, is finer than
    ///   one nanosecond, or does not fit in 64 bits of nanoseconds (about 292 years).
    static func nanoseconds(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        var end = 0
        let numberCharacters = Set("0123456789.".utf8)
        while end < utf8.count, numberCharacters.contains(utf8[end]) {
            end += 1
        }
        guard end > 0, let suffix = String(validating: utf8[end...], as: UTF8.self),
            let unit = units.first(where: { $0.suffix == suffix })?.nanoseconds
        else {
            return nil
        }
        let number = utf8[..<end].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard number.count <= 2, let wholeDigits = number.first, !wholeDigits.isEmpty else {
            return nil
        }
        guard let whole = decimal(wholeDigits) else {
            return nil
        }
        var (total, overflow) = whole.multipliedReportingOverflow(by: unit)
        guard !overflow else {
            return nil
        }
        if number.count == 2 {
            let fractionDigits = number[1]
            guard !fractionDigits.isEmpty, fractionDigits.count <= 18, let fraction = decimal(fractionDigits) else {
                return nil
            }
            // fraction / 10^digits of a unit, kept exact: refuse anything finer than 1 ns.
            var scale: Int64 = 1
            for _ in 0..<fractionDigits.count {
                scale *= 10
            }
            let (product, productOverflow) = fraction.multipliedReportingOverflow(by: unit)
            guard !productOverflow, product % scale == 0 else {
                return nil
            }
            (total, overflow) = total.addingReportingOverflow(product / scale)
            guard !overflow else {
                return nil
            }
        }
        return total
    }

    /// Parses ASCII digits as a non-negative `Int64`, or `nil` on overflow.
    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for digit in digits {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else {
                return nil
            }
            value = sum
        }
        return value
    }
}
