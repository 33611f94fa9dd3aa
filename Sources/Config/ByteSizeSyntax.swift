/// The text form of byte sizes in `gateway.yaml`: an integer, optionally followed by a unit.
///
/// Units: `B`; binary `KiB`, `MiB`, `GiB` (powers of 1024); decimal `KB`, `MB`, `GB` (powers of
/// 1000), following IEC 80000-13 so that `4MiB` and `4MB` mean different, exact numbers. Units are
/// case-sensitive and written with no space (`4MiB`). Fractions are refused: a size is bytes.
enum ByteSizeSyntax {
    /// The hint appended to every size error.
    static let advice =
        "write an integer number of bytes, optionally with a unit B, KB, MB, GB, KiB, MiB or GiB, such as 4MiB"

    /// Bytes per unit.
    private static let units: [String: Int] = [
        "B": 1,
        "KB": 1_000,
        "MB": 1_000_000,
        "GB": 1_000_000_000,
        "KiB": 1 << 10,
        "MiB": 1 << 20,
        "GiB": 1 << 30,
    ]

    /// Parses a size.
    /// - Parameter text: The scalar's text.
    /// - Returns: The size in bytes, or `nil` if it is not a size or overflows `Int`.
    static func bytes(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let count = Int(digits), let unit = units[String(text.dropFirst(digits.count))] else {
            return nil
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }
}
