internal import Testing

@testable internal import Backend

/// The pure diff of two endpoint lists: what a worker's cluster adds, keeps and retires.
@Suite("Endpoint change")
struct EndpointChangeTests {
    /// An endpoint of the name `orders.internal` at `address`.
    static func endpoint(_ address: String, port: Int = 50051, host: String = "orders.internal") -> BackendEndpoint {
        BackendEndpoint(host: host, port: port, address: address)!
    }

    static let a = endpoint("10.0.0.1")
    static let b = endpoint("10.0.0.2")
    static let c = endpoint("10.0.0.3")
    static let v6 = endpoint("fd00::1")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var old: [BackendEndpoint]
        var new: [BackendEndpoint]
        var added: [BackendEndpoint]
        var kept: [BackendEndpoint]
        var retired: [BackendEndpoint]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "same list", old: [a, b], new: [a, b], added: [], kept: [a, b], retired: []),
        Case(name: "same endpoints, other order", old: [a, b], new: [b, a], added: [], kept: [b, a], retired: []),
        Case(name: "one replaced", old: [a, b], new: [b, c], added: [c], kept: [b], retired: [a]),
        Case(name: "all replaced", old: [a, b], new: [c, v6], added: [c, v6], kept: [], retired: [a, b]),
        Case(name: "one added", old: [a], new: [a, v6], added: [v6], kept: [a], retired: []),
        Case(name: "one removed", old: [a, b, c], new: [a, c], added: [], kept: [a, c], retired: [b]),
        Case(name: "from nothing", old: [], new: [a], added: [a], kept: [], retired: []),
        Case(name: "to nothing", old: [a, b], new: [], added: [], kept: [], retired: [a, b]),
        Case(name: "duplicates count once", old: [a, a, b], new: [c, c, b], added: [c], kept: [b], retired: [a]),
        Case(
            name: "same address, other port", old: [a], new: [endpoint("10.0.0.1", port: 50052)],
            added: [endpoint("10.0.0.1", port: 50052)], kept: [], retired: [a]),
        Case(
            name: "same address, other name", old: [a], new: [endpoint("10.0.0.1", host: "billing.internal")],
            added: [endpoint("10.0.0.1", host: "billing.internal")], kept: [], retired: [a]),
    ]

    @Test("Old and new lists split into added, kept and retired", arguments: cases)
    func diff(_ example: Case) {
        let change = EndpointChange(from: example.old, to: example.new)
        #expect(change.added == example.added)
        #expect(change.kept == example.kept)
        #expect(change.retired == example.retired)
        #expect(change.isEmpty == (example.added.isEmpty && example.retired.isEmpty))
    }

    @Test("A change and its reverse swap added and retired")
    func reverse() {
        let forward = EndpointChange(from: [Self.a, Self.b], to: [Self.b, Self.c])
        let backward = EndpointChange(from: [Self.b, Self.c], to: [Self.a, Self.b])
        #expect(forward.added == backward.retired)
        #expect(forward.retired == backward.added)
    }
}
