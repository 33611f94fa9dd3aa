/// Base64 (https://www.rfc-editor.org/rfc/rfc4648) as ProtoJSON uses it for `bytes`: written in the
/// standard alphabet with padding, read in either the standard or the URL-safe alphabet, with or
/// without padding (https://protobuf.dev/programming-guides/json/, "bytes").
enum Base64 {
    /// The standard alphabet.
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8
    )

    /// Byte → 6-bit value for both alphabets; 0xFF for anything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Appends the standard, padded encoding of `source[range]`.
    static func encode(_ source: UnsafeRawBufferPointer, _ range: Range<Int>, to out: inout [UInt8]) {
        let count = range.count
        let start = out.count
        let encodedCount = (count + 2) / 3 * 4
        out.append(contentsOf: repeatElement(0, count: encodedCount))
        alphabet.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { output in
                var input = range.lowerBound
                var position = start
                let fullEnd = range.lowerBound + count / 3 * 3
                while input < fullEnd {
                    let word = UInt32(source[input]) << 16 | UInt32(source[input + 1]) << 8 | UInt32(source[input + 2])
                    output[position] = table[Int(word >> 18)]
                    output[position + 1] = table[Int((word >> 12) & 63)]
                    output[position + 2] = table[Int((word >> 6) & 63)]
                    output[position + 3] = table[Int(word & 63)]
                    input += 3
                    position += 4
                }
                let rest = range.upperBound - input
                if rest > 0 {
                    let word = UInt32(source[input]) << 16 | (rest == 2 ? UInt32(source[input + 1]) << 8 : 0)
                    output[position] = table[Int(word >> 18)]
                    output[position + 1] = table[Int((word >> 12) & 63)]
                    output[position + 2] = rest == 2 ? table[Int((word >> 6) & 63)] : UInt8(ascii: "=")
                    output[position + 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    /// Appends the bytes a base64 text decodes to. Both alphabets are accepted, even mixed, and
    /// padding is optional but must be correct when present.
    /// - Returns: `false` when the text is not base64 (a bad character, a lone trailing character,
    ///   or misplaced `=`); `out` is then left with a partial result the caller discards.
    static func decode(_ source: UnsafeRawBufferPointer, _ range: Range<Int>, to out: inout [UInt8]) -> Bool {
        var end = range.upperBound
        var padding = 0
        while end > range.lowerBound, source[end - 1] == UInt8(ascii: "=") {
            end -= 1
            padding += 1
        }
        let length = end - range.lowerBound
        if padding > 2 {
            return false
        }
        if length % 4 == 1 {
            return false
        }
        return decodeTable.withUnsafeBufferPointer { table -> Bool in
            var input = range.lowerBound
            let fullEnd = range.lowerBound + length / 4 * 4
            out.reserveCapacity(out.count + length / 4 * 3 + 2)
            while input < fullEnd {
                let a = table[Int(source[input])]
                let b = table[Int(source[input + 1])]
                let c = table[Int(source[input + 2])]
                let d = table[Int(source[input + 3])]
                if (a | b | c | d) & 0xC0 != 0 {
                    return false
                }
                let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                out.append(UInt8(truncatingIfNeeded: word >> 16))
                out.append(UInt8(truncatingIfNeeded: word >> 8))
                out.append(UInt8(truncatingIfNeeded: word))
                input += 4
            }
            let rest = end - input
            if rest >= 2 {
                let a = table[Int(source[input])]
                let b = table[Int(source[input + 1])]
                let c = rest == 3 ? table[Int(source[input + 2])] : 0
                if (a | b | c) & 0xC0 != 0 {
                    return false
                }
                let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                out.append(UInt8(truncatingIfNeeded: word >> 16))
                if rest == 3 {
                    out.append(UInt8(truncatingIfNeeded: word >> 8))
                }
            }
            return true
        }
    }

    /// The decoded size of a base64 text of `length` characters (padding excluded), for the
    /// length prefix written before the bytes.
    static func decodedCount(length: Int) -> Int {
        length / 4 * 3 + max(0, length % 4 - 1)
    }
}
