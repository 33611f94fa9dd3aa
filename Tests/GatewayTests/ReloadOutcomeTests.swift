internal import Foundation
internal import Testing

@testable internal import Gateway

/// What `POST /reload` answers and what `/metrics` says about reloads.
@Suite("Reload outcome")
struct ReloadOutcomeTests {
    @Test("A reload that took effect is 200 with what is now served")
    func applied() throws {
        let outcome = ReloadOutcome.applied(.init(generation: 3, methods: 12, backends: 2, restBindings: 5))
        #expect(outcome.httpStatus == 200)
        #expect(outcome.json == #"{"result":"success","generation":3,"methods":12,"backends":2,"rest_bindings":5}"#)
    }

    @Test("A refused file is 422 with the located error, escaped as JSON")
    func refused() throws {
        let reason = "gateway.yaml:7:14: service \"a.B\" is not in the descriptor sets\n(they define: c.D)"
        let outcome = ReloadOutcome.refused(reason: reason)
        #expect(outcome.httpStatus == 422)
        let object = try #require(JSONSerialization.jsonObject(with: Data(outcome.json.utf8)) as? [String: String])
        #expect(object == ["result": "failure", "error": reason])
    }

    @Test("A half-switched gateway is 500, a reload that cannot run now 503")
    func otherFailures() {
        #expect(ReloadOutcome.incomplete(reason: "x").httpStatus == 500)
        #expect(ReloadOutcome.unavailable(reason: "the gateway is shutting down").httpStatus == 503)
        #expect(!ReloadOutcome.incomplete(reason: "x").succeeded)
    }

    @Test("Metrics count reloads by result and show whether the last one succeeded")
    func metrics() {
        let statistics = ReloadStatistics()
        statistics.record(.applied(.init(generation: 1, methods: 1, backends: 1, restBindings: 0)))
        statistics.record(.refused(reason: "bad"))
        let text = MetricsExposition.render([WorkerMetrics()], reloads: statistics.snapshot)
        #expect(text.contains("gateway_config_reloads_total{result=\"success\"} 1\n"))
        #expect(text.contains("gateway_config_reloads_total{result=\"failure\"} 1\n"))
        #expect(text.contains("gateway_config_last_reload_successful 0\n"))
        #expect(text.contains("# TYPE gateway_config_last_reload_success_timestamp_seconds gauge\n"))
        #expect(!MetricsExposition.render([]).contains("gateway_config_reloads_total"))
    }
}
