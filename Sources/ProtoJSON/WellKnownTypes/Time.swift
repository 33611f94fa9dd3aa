/// `google.protobuf.Timestamp` and `google.protobuf.Duration`
/// (https://protobuf.dev/programming-guides/json/, "Timestamp", "Duration").
///
/// Timestamp: RFC 3339 in UTC, `1972-01-01T10:00:20.021Z`, with 0, 3, 6 or 9 fraction digits as
/// needed; input may carry any offset and up to 9 fraction digits. Duration: seconds with an `s`
/// suffix, `-1.500s`, fraction digits as for Timestamp.
enum TimeFormat {
    /// The first valid Timestamp second, 0001-01-01T00:00:00Z.
    static let minimumTimestampSeconds: Int64 = -62_135_596_800
    /// The last valid Timestamp second, 9999-12-31T23:59:59Z.
    static let maximumTimestampSeconds: Int64 = 253_402_300_799
    /// Duration's limit in seconds, about 10,000 years.
    static let maximumDurationSeconds: Int64 = 315_576_000_000

    /// Civil date from days since 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Appends `value` with at least `width` digits, zero-padded.
    static func appendPadded(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        if digits.count < width {
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
        }
        out.append(contentsOf: digits.reversed())
    }

    /// Appends `.fff`, `.ffffff` or `.fffffffff`, the fewest of those that is exact, or nothing.
    static func appendFraction(nanos: Int64, to out: inout [UInt8]) {
        if nanos == 0 {
            return
        }
        out.append(UInt8(ascii: "."))
        if nanos % 1_000_000 == 0 {
            appendPadded(nanos / 1_000_000, width: 3, to: &out)
        } else if nanos % 1000 == 0 {
            appendPadded(nanos / 1000, width: 6, to: &out)
        } else {
            appendPadded(nanos, width: 9, to: &out)
        }
    }

    /// Reads `seconds` (field 1) and `nanos` (field 2), the layout Timestamp and Duration share.
    static func secondsAndNanos(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) -> (Int64, Int64) {
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        try WireFields.forEach(source, range) { (number, wireType, value) throws(ProtoJSONError) in
            if number == 1 && wireType == 0 {
                seconds = Int64(bitPattern: try WireFields.varint(source, value))
            } else if number == 2 && wireType == 0 {
                nanos = Int64(Int32(truncatingIfNeeded: try WireFields.varint(source, value)))
            }
        }
        return (seconds, nanos)
    }
}

extension EncoderRun {
    /// Writes a Timestamp as a quoted RFC 3339 UTC time.
    mutating func timestamp(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        let (seconds, nanos) = try TimeFormat.secondsAndNanos(source, range)
        guard seconds >= TimeFormat.minimumTimestampSeconds, seconds <= TimeFormat.maximumTimestampSeconds else {
            throw ProtoJSONError(reason: "Timestamp seconds \(seconds) out of range [0001-01-01, 9999-12-31]")
        }
        guard nanos >= 0, nanos < 1_000_000_000 else {
            throw ProtoJSONError(reason: "Timestamp nanos \(nanos) out of range [0, 999999999]")
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = TimeFormat.civil(days: days)
        var out: [UInt8] = [UInt8(ascii: "\"")]
        TimeFormat.appendPadded(year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        TimeFormat.appendPadded(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        TimeFormat.appendPadded(day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        TimeFormat.appendPadded(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        TimeFormat.appendPadded(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        TimeFormat.appendPadded(secondOfDay % 60, width: 2, to: &out)
        TimeFormat.appendFraction(nanos: nanos, to: &out)
        out.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
        writer.bytes.append(contentsOf: out)
    }

    /// Writes a Duration as quoted seconds with an `s` suffix.
    mutating func duration(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        let (seconds, nanos) = try TimeFormat.secondsAndNanos(source, range)
        guard seconds >= -TimeFormat.maximumDurationSeconds, seconds <= TimeFormat.maximumDurationSeconds else {
            throw ProtoJSONError(reason: "Duration seconds \(seconds) out of range [-315576000000, 315576000000]")
        }
        guard nanos > -1_000_000_000, nanos < 1_000_000_000 else {
            throw ProtoJSONError(reason: "Duration nanos \(nanos) out of range [-999999999, 999999999]")
        }
        guard !(seconds > 0 && nanos < 0) && !(seconds < 0 && nanos > 0) else {
            throw ProtoJSONError(reason: "Duration seconds and nanos have different signs")
        }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        if seconds < 0 || nanos < 0 {
            out.append(UInt8(ascii: "-"))
        }
        TimeFormat.appendPadded(seconds.magnitude > 0 ? Int64(seconds.magnitude) : 0, width: 1, to: &out)
        TimeFormat.appendFraction(nanos: Int64(nanos.magnitude), to: &out)
        out.append(contentsOf: [UInt8(ascii: "s"), UInt8(ascii: "\"")])
        writer.bytes.append(contentsOf: out)
    }
}
