import Testing

@testable import Gateway

@Suite("GatewayPlan.DeadlinePolicy")
struct DeadlinePolicyTests {
    @Test(
        "The client's deadline wins, capped by the maximum; the default applies only when it sent none",
        arguments: [
            // (default, max, client) → effective
            (nil, nil, nil, nil),
            (nil, nil, 5_000, 5_000),
            (2_000, nil, nil, 2_000),
            (2_000, nil, 9_000, 9_000),
            (2_000, 3_000, 9_000, 3_000),
            (nil, 3_000, 1_000, 1_000),
            (nil, 3_000, nil, nil),
        ] as [(Int64?, Int64?, Int64?, Int64?)])
    func effective(defaultValue: Int64?, maximum: Int64?, client: Int64?, expected: Int64?) {
        let policy = GatewayPlan.DeadlinePolicy(defaultNanoseconds: defaultValue, maxNanoseconds: maximum)
        #expect(policy.effective(clientNanoseconds: client) == expected)
    }
}
