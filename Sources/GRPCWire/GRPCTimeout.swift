/// The `grpc-timeout` header: a relative deadline for a call.
///
/// gRPC over HTTP/2 (PROTOCOL-HTTP2.md, "Timeout"): `TimeoutValue TimeoutUnit`, where the value is
/// at most 8 ASCII digits and the unit is one of `H` (hours), `M` (minutes), `S` (seconds),
/// `m` (milliseconds), `u` (microseconds) or `n` (nanoseconds). The gateway parses what a frontend
/// client sent (the grpc-web JS client always sends `<ms>m`) and re-encodes the remaining budget
/// for the backend.
public enum GRPCTimeout {
    /// The largest value that fits in the 8 digits the spec allows.
    public static let maxValue: Int64 = 99_999_999

    /// Parses a `grpc-timeout` value.
    ///
    /// The spec calls the value "positive", but `0` is accepted (and means "already expired"), as
    /// grpc-go and grpc-core accept it. Leading zeros are allowed; they still count toward the 8
    /// digits. Hours and minutes can overflow `Int64` nanoseconds for 8-digit values (99999999H is
    /// about 3.6e20 ns); such values saturate at `Int64.max`, which is effectively infinite.
    /// - Parameter value: The header value as received.
    /// - Returns: The timeout in nanoseconds, or `nil` if the value is empty, has no digits, more
    ///   than 8 digits, a non-digit, or a unit other than `HMSmun`.
    public static func parse(_ value: String) -> Int64? {
        let utf8 = value.utf8
        let digitCount = utf8.count - 1
        guard digitCount >= 1, digitCount <= 8, let unit = utf8.last,
            let nanosecondsPerUnit = nanoseconds(perUnit: unit)
        else {
            return nil
        }
        var number: Int64 = 0
        for byte in utf8.prefix(digitCount) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                return nil
            }
            number = number * 10 + Int64(byte &- UInt8(ascii: "0"))
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: nanosecondsPerUnit)
        return overflow ? Int64.max : product
    }

    /// Encodes a timeout for the backend, choosing the finest unit whose value fits in 8 digits, as
    /// PROTOCOL-HTTP2.md asks encoders to do.
    ///
    /// When a coarser unit is needed the value is rounded **up**, so re-encoding never shortens the
    /// client's deadline (grpc-go does the same). Zero and negative inputs, a deadline already
    /// spent, encode as `"0n"`: the backend then fails the call with DEADLINE_EXCEEDED itself,
    /// rather than the header claiming time that is not there. `Int64.max` fits in hours, so every
    /// input has an encoding.
    /// - Parameter nanoseconds: The remaining time.
    /// - Returns: The header value, for example `"1500m"` or `"250000u"`.
    public static func encode(nanoseconds: Int64) -> String {
        guard nanoseconds > 0 else {
            return "0n"
        }
        for (unit, perUnit) in unitsFinestFirst {
            let whole = nanoseconds / perUnit
            let value = nanoseconds % perUnit == 0 ? whole : whole + 1
            if value <= maxValue {
                return String(value) + unit
            }
        }
        preconditionFailure("Int64.max nanoseconds fits in 8 digits of hours")
    }

    /// Units from finest to coarsest, with their length in nanoseconds.
    private static let unitsFinestFirst: [(String, Int64)] = [
        ("n", 1),
        ("u", 1_000),
        ("m", 1_000_000),
        ("S", 1_000_000_000),
        ("M", 60_000_000_000),
        ("H", 3_600_000_000_000),
    ]

    /// Nanoseconds in one of the given unit character, or `nil` for an unknown unit.
    private static func nanoseconds(perUnit unit: UInt8) -> Int64? {
        switch unit {
        case UInt8(ascii: "H"): 3_600_000_000_000
        case UInt8(ascii: "M"): 60_000_000_000
        case UInt8(ascii: "S"): 1_000_000_000
        case UInt8(ascii: "m"): 1_000_000
        case UInt8(ascii: "u"): 1_000
        case UInt8(ascii: "n"): 1
        default: nil
        }
    }
}
