import GRPCWire
import Testing

@Suite("GRPCStatus")
struct GRPCStatusTests {
    /// google/rpc/code.proto, copied by hand: number and canonical name of every code.
    static let codeTable: [(GRPCStatusCode, Int, String)] = [
        (.ok, 0, "OK"),
        (.cancelled, 1, "CANCELLED"),
        (.unknown, 2, "UNKNOWN"),
        (.invalidArgument, 3, "INVALID_ARGUMENT"),
        (.deadlineExceeded, 4, "DEADLINE_EXCEEDED"),
        (.notFound, 5, "NOT_FOUND"),
        (.alreadyExists, 6, "ALREADY_EXISTS"),
        (.permissionDenied, 7, "PERMISSION_DENIED"),
        (.resourceExhausted, 8, "RESOURCE_EXHAUSTED"),
        (.failedPrecondition, 9, "FAILED_PRECONDITION"),
        (.aborted, 10, "ABORTED"),
        (.outOfRange, 11, "OUT_OF_RANGE"),
        (.unimplemented, 12, "UNIMPLEMENTED"),
        (.internalError, 13, "INTERNAL"),
        (.unavailable, 14, "UNAVAILABLE"),
        (.dataLoss, 15, "DATA_LOSS"),
        (.unauthenticated, 16, "UNAUTHENTICATED"),
    ]

    @Test("Every code has the number and canonical name from code.proto", arguments: codeTable)
    func numberAndName(code: GRPCStatusCode, number: Int, name: String) {
        #expect(code.rawValue == number)
        #expect(code.name == name)
    }

    @Test("There are exactly seventeen codes")
    func caseCount() {
        #expect(GRPCStatusCode.allCases.count == 17)
    }

    @Test("A canonical decimal grpc-status parses to its code", arguments: codeTable)
    func parsesCanonicalDecimal(code: GRPCStatusCode, number: Int, name: String) {
        #expect(GRPCStatus.parseCode(String(number)) == code)
    }

    @Test(
        "A grpc-status that is not a canonical decimal in 0...16 is rejected",
        arguments: [
            "", "00", "01", "007", "17", "99", "100", "-1", "+1", " 1", "1 ", "a", "1a", "OK", "0x1", "\u{0663}",
        ]
    )
    func rejectsNonCanonical(value: String) {
        #expect(GRPCStatus.parseCode(value) == nil)
    }

    @Test("A status defaults to an empty message and .ok is OK with none")
    func defaults() {
        #expect(GRPCStatus(.notFound).message == "")
        #expect(GRPCStatus.ok.code == .ok)
        #expect(GRPCStatus.ok.message == "")
        #expect(GRPCStatus(.ok, "x") != GRPCStatus.ok)
    }
}
