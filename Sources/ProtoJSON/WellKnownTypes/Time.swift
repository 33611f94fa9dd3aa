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

    /// Appends a non-negative `value` with at least `width` digits, zero-padded, without
    /// allocating.
    static func appendPadded(_ value: Int64, width: Int, to out: inout [UInt8]) {
        let digits = max(width, JSONWriter.decimalDigitCount(UInt64(value)))
        var divisor: Int64 = 1
        for _ in 1..<digits {
            divisor *= 10
        }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
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
    static func secondsAndNanos(
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>
    ) throws(ProtoJSONError) -> (Int64, Int64) {
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
        writer.bytes.append(UInt8(ascii: "\""))
        TimeFormat.appendPadded(year, width: 4, to: &writer.bytes)
        writer.bytes.append(UInt8(ascii: "-"))
        TimeFormat.appendPadded(month, width: 2, to: &writer.bytes)
        writer.bytes.append(UInt8(ascii: "-"))
        TimeFormat.appendPadded(day, width: 2, to: &writer.bytes)
        writer.bytes.append(UInt8(ascii: "T"))
        TimeFormat.appendPadded(secondOfDay / 3600, width: 2, to: &writer.bytes)
        writer.bytes.append(UInt8(ascii: ":"))
        TimeFormat.appendPadded(secondOfDay / 60 % 60, width: 2, to: &writer.bytes)
        writer.bytes.append(UInt8(ascii: ":"))
        TimeFormat.appendPadded(secondOfDay % 60, width: 2, to: &writer.bytes)
        TimeFormat.appendFraction(nanos: nanos, to: &writer.bytes)
        writer.bytes.append(UInt8(ascii: "Z"))
        writer.bytes.append(UInt8(ascii: "\""))
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

extension DecoderRun {
    /// Reads a JSON string value for a well-known type into `text`.
    mutating func wellKnownString(_ typeName: String) throws(ProtoJSONError) -> [UInt8] {
        guard scanner.peek() == UInt8(ascii: "\"") else {
            throw mismatch("a string for \(typeName)")
        }
        let token = try scanner.readString()
        var text: [UInt8] = []
        try scanner.decodeString(token, into: &text)
        return text
    }

    /// Writes `seconds` (field 1) and `nanos` (field 2), leaving out zeros as a serializer does.
    mutating func writeSecondsAndNanos(_ seconds: Int64, _ nanos: Int64) {
        if seconds != 0 || explicitDefaults {
            out.append(0x08)
            WireWriter.appendVarint(UInt64(bitPattern: seconds), to: &out)
        }
        if nanos != 0 || explicitDefaults {
            out.append(0x10)
            WireWriter.appendVarint(UInt64(bitPattern: nanos), to: &out)
        }
    }

    /// Reads a Timestamp: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` (RFC 3339 with an upper-case
    /// `T` and `Z`), within years 0001 to 9999 after the offset is applied.
    mutating func timestampValue() throws(ProtoJSONError) {
        let text = try wellKnownString("Timestamp")
        let description = String(decoding: text, as: UTF8.self)
        let invalid = ProtoJSONError(
            reason: "invalid Timestamp \"\(description)\" (want RFC 3339 like 1972-01-01T10:00:20.021Z)"
        )
        var index = 0
        func digits(_ count: Int) throws(ProtoJSONError) -> Int64 {
            guard index + count <= text.count else { throw invalid }
            var value: Int64 = 0
            for _ in 0..<count {
                let byte = text[index]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { throw invalid }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }
        func literal(_ byte: UInt8) throws(ProtoJSONError) {
            guard index < text.count && text[index] == byte else { throw invalid }
            index += 1
        }
        let year = try digits(4)
        try literal(UInt8(ascii: "-"))
        let month = try digits(2)
        try literal(UInt8(ascii: "-"))
        let day = try digits(2)
        try literal(UInt8(ascii: "T"))
        let hour = try digits(2)
        try literal(UInt8(ascii: ":"))
        let minute = try digits(2)
        try literal(UInt8(ascii: ":"))
        let second = try digits(2)
        var nanos: Int64 = 0
        if index < text.count && text[index] == UInt8(ascii: ".") {
            index += 1
            var count = 0
            while index < text.count && text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9") {
                guard count < 9 else { throw invalid }
                nanos = nanos * 10 + Int64(text[index] - UInt8(ascii: "0"))
                count += 1
                index += 1
            }
            guard count > 0 else { throw invalid }
            for _ in count..<9 {
                nanos *= 10
            }
        }
        var offset: Int64 = 0
        guard index < text.count else { throw invalid }
        if text[index] == UInt8(ascii: "Z") {
            index += 1
        } else if text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            let sign: Int64 = text[index] == UInt8(ascii: "+") ? 1 : -1
            index += 1
            let offsetHours = try digits(2)
            try literal(UInt8(ascii: ":"))
            let offsetMinutes = try digits(2)
            guard offsetHours < 24 && offsetMinutes < 60 else { throw invalid }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            throw invalid
        }
        guard index == text.count else { throw invalid }
        let monthDays: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        guard year >= 1, month >= 1, month <= 12, day >= 1,
            day <= monthDays[Int(month) - 1] + (month == 2 && leap ? 1 : 0),
            hour < 24, minute < 60, second < 60
        else {
            throw invalid
        }
        let seconds =
            TimeFormat.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= TimeFormat.minimumTimestampSeconds && seconds <= TimeFormat.maximumTimestampSeconds else {
            throw ProtoJSONError(reason: "Timestamp \"\(description)\" out of range [0001-01-01, 9999-12-31]")
        }
        writeSecondsAndNanos(seconds, nanos)
    }

    /// Reads a Duration: `-?S[.f{1,9}]s`, within ±315,576,000,000 seconds.
    mutating func durationValue() throws(ProtoJSONError) {
        let text = try wellKnownString("Duration")
        let description = String(decoding: text, as: UTF8.self)
        let invalid = ProtoJSONError(
            reason: "invalid Duration \"\(description)\" (want seconds with an \"s\" suffix, like \"-1.5s\")"
        )
        guard text.last == UInt8(ascii: "s") else { throw invalid }
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative {
            index += 1
        }
        var seconds: Int64 = 0
        let digitsStart = index
        while index < text.count - 1 && text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9") {
            guard seconds <= TimeFormat.maximumDurationSeconds else {
                throw ProtoJSONError(reason: "Duration \"\(description)\" out of range [-315576000000s, 315576000000s]")
            }
            seconds = seconds * 10 + Int64(text[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index > digitsStart else { throw invalid }
        var nanos: Int64 = 0
        if text[index] == UInt8(ascii: ".") {
            index += 1
            var count = 0
            while index < text.count - 1 && text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9") {
                guard count < 9 else { throw invalid }
                nanos = nanos * 10 + Int64(text[index] - UInt8(ascii: "0"))
                count += 1
                index += 1
            }
            guard count > 0 else { throw invalid }
            for _ in count..<9 {
                nanos *= 10
            }
        }
        guard index == text.count - 1 else { throw invalid }
        guard seconds <= TimeFormat.maximumDurationSeconds else {
            throw ProtoJSONError(reason: "Duration \"\(description)\" out of range [-315576000000s, 315576000000s]")
        }
        writeSecondsAndNanos(negative ? -seconds : seconds, negative ? -nanos : nanos)
    }
}
