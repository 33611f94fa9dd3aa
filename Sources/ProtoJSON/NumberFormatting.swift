/// Text forms of `double` and `float` values as the reference prints them.
///
/// ProtoJSON asks for the shortest text that parses back to the same value
/// (https://protobuf.dev/programming-guides/json/). The reference used for the conformance corpus
/// is Python's `json_format`, whose text is Python's `repr` of a double:
/// - doubles: the shortest round-trip digits, fixed notation for decimal exponents -4 through 15
///   (`0.0001`, `1000000000000000.0`, always with a fraction), scientific otherwise (`1e-05`,
///   `1e+16`, `1.2345678901234568e+17`: a signed exponent of at least two digits);
/// - floats: `type_checkers.ToShortestFloat`, the fewest significant digits, at least 6, that
///   round-trip as a 32-bit float, printed as a double. For normal floats that is the float's own
///   shortest digits; subnormals keep up to 6 digits (`1.4013e-45`, not `1e-45`).
///
/// The digits come from Swift's `description`, which prints the shortest round-trip digits (and
/// the closest of them when several tie); only the layout is rewritten here.
enum NumberFormatting {
    /// Appends a finite double in Python `repr` layout. NaN and infinities are the caller's job
    /// (ProtoJSON writes them as strings).
    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        if value == 0 {
            if value.sign == .minus {
                out.append(UInt8(ascii: "-"))
            }
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "."), UInt8(ascii: "0")])
            return
        }
        // Integral values of moderate size are common (counts, prices): print them directly.
        if value.magnitude < 1e15, value == value.rounded(.towardZero) {
            let integral = Int64(value)
            var writer = JSONWriter(bytes: [], indent: 0)
            swap(&writer.bytes, &out)
            writer.integer(integral)
            swap(&writer.bytes, &out)
            out.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
            return
        }
        appendShortest(value.description, to: &out)
    }

    /// Appends Swift's shortest-digits `description`, as is when it is in fixed notation (Swift
    /// uses it for magnitudes from 1e-4 up to 2^53 for doubles and 2^24 for floats, a range where
    /// Python does too, with the same text), else rewritten in Python's layout.
    private static func appendShortest(_ description: String, to out: inout [UInt8]) {
        var text = description
        let copied = text.withUTF8 { utf8 -> Bool in
            guard !utf8.contains(UInt8(ascii: "e")) else {
                return false
            }
            out.append(contentsOf: utf8)
            return true
        }
        if !copied {
            layout(decimal: Decimal(shortestOf: description), to: &out)
        }
    }

    /// Appends a finite float as `ToShortestFloat` and then Python `repr` would.
    static func appendFloat(_ value: Float, to out: inout [UInt8]) {
        if value == 0 {
            appendDouble(Double(value), to: &out)
            return
        }
        if value.isNormal {
            appendShortest(value.description, to: &out)
            return
        }
        // Subnormal: try 6, 7, … significant digits of the value (as a double) until one parses
        // back to the same float, exactly as ToShortestFloat does.
        let exact = Decimal(shortestOf: Double(value).description)
        for precision in 6...17 {
            let candidate = exact.rounded(toSignificantDigits: precision)
            if Float(candidate.scientificText) == value {
                layout(decimal: candidate, to: &out)
                return
            }
        }
        layout(decimal: exact, to: &out)
    }

    /// Writes digits and a decimal-point position in Python `repr` layout.
    private static func layout(decimal: Decimal, to out: inout [UInt8]) {
        if decimal.isNegative {
            out.append(UInt8(ascii: "-"))
        }
        let digits = decimal.digits
        let point = decimal.pointPosition
        if point > 16 || point < -3 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let exponent = point - 1
            out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            if exponent.magnitude < 10 {
                out.append(UInt8(ascii: "0"))
            }
            out.append(contentsOf: String(exponent.magnitude).utf8)
        } else if point <= 0 {
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")])
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point))
            out.append(contentsOf: digits)
        } else if point >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: point - digits.count))
            out.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
        } else {
            out.append(contentsOf: digits[..<point])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[point...])
        }
    }

    /// A decimal number as significant digits and the position of the decimal point:
    /// value = 0.d₁d₂… × 10^pointPosition.
    struct Decimal {
        /// Whether the value is negative.
        var isNegative: Bool
        /// ASCII digits, no leading or trailing zeros.
        var digits: [UInt8]
        /// Where the point goes relative to the first digit.
        var pointPosition: Int

        /// Parses Swift's `description` of a finite, non-zero value (`1.25`, `1e-05`,
        /// `1.2345678901234568e+17`, `100.0`) into digits and point position.
        init(shortestOf text: String) {
            isNegative = false
            digits = []
            var exponent = 0
            var pointSeen = false
            var digitsBeforePoint = 0
            var leadingZerosAfterPoint = 0
            var inExponent = false
            var exponentNegative = false
            for byte in text.utf8 {
                if inExponent {
                    switch byte {
                    case UInt8(ascii: "-"): exponentNegative = true
                    case UInt8(ascii: "+"): break
                    default: exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "-"): isNegative = true
                case UInt8(ascii: "."): pointSeen = true
                case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
                case UInt8(ascii: "0") where digits.isEmpty:
                    if pointSeen {
                        leadingZerosAfterPoint += 1
                    }
                default:
                    digits.append(byte)
                    if !pointSeen {
                        digitsBeforePoint += 1
                    }
                }
            }
            if exponentNegative {
                exponent = -exponent
            }
            while digits.count > 1 && digits.last == UInt8(ascii: "0") {
                digits.removeLast()
            }
            pointPosition = (digitsBeforePoint > 0 ? digitsBeforePoint : -leadingZerosAfterPoint) + exponent
        }

        /// The value rounded half-up to `precision` significant digits, trailing zeros dropped.
        func rounded(toSignificantDigits precision: Int) -> Decimal {
            guard digits.count > precision else {
                return self
            }
            var copy = self
            copy.digits = Array(digits[..<precision])
            if digits[precision] >= UInt8(ascii: "5") {
                var index = precision - 1
                while index >= 0 {
                    if copy.digits[index] == UInt8(ascii: "9") {
                        copy.digits[index] = UInt8(ascii: "0")
                        index -= 1
                    } else {
                        copy.digits[index] += 1
                        break
                    }
                }
                if index < 0 {
                    copy.digits.insert(UInt8(ascii: "1"), at: 0)
                    copy.pointPosition += 1
                }
            }
            while copy.digits.count > 1 && copy.digits.last == UInt8(ascii: "0") {
                copy.digits.removeLast()
            }
            return copy
        }

        /// `d.ddde±N`, for parsing back.
        var scientificText: String {
            var text = isNegative ? "-" : ""
            text += String(decoding: digits[..<1], as: UTF8.self)
            if digits.count > 1 {
                text += "." + String(decoding: digits[1...], as: UTF8.self)
            }
            return text + "e" + String(pointPosition - 1)
        }
    }
}
