import Testing

@testable import Backend

@Suite("Backoff")
struct BackoffTests {
    @Test("Delays grow by the multiplier up to the cap (no jitter at random 0.5)")
    func growth() {
        var backoff = Backoff(initial: .milliseconds(100), multiplier: 2, maximum: .milliseconds(700), jitter: 0.2)
        let delays = (0..<6).map { _ in backoff.nextDelay(random: 0.5) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700), .milliseconds(700), .milliseconds(700)])
        #expect(backoff.consecutiveFailures == 6)
    }

    @Test("Jitter spreads a delay by at most the jitter fraction either way")
    func jitter() {
        var low = Backoff(initial: .seconds(1), jitter: 0.2)
        var high = Backoff(initial: .seconds(1), jitter: 0.2)
        #expect(low.nextDelay(random: 0) == .milliseconds(800))
        #expect(high.nextDelay(random: 0.999_999) > .milliseconds(1199))
    }

    @Test("A success resets the sequence")
    func reset() {
        var backoff = Backoff(initial: .milliseconds(100), multiplier: 2)
        _ = backoff.nextDelay(random: 0.5)
        _ = backoff.nextDelay(random: 0.5)
        backoff.reset()
        #expect(backoff.nextDelay(random: 0.5) == .milliseconds(100))
    }
}
