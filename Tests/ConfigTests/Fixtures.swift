internal import Foundation

/// Access to the YAML fixtures copied into the test bundle (`Fixtures/valid`, `Fixtures/invalid`).
enum Fixtures {
    /// The folder holding the fixtures inside the test bundle.
    static var root: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// The path of a fixture, e.g. `valid/full.yaml`.
    static func path(_ name: String) -> String {
        root.appendingPathComponent(name).path
    }

    /// The text of a fixture.
    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    /// The names of the negative cases: every `invalid/<case>.yaml` that has an `<case>.expected`.
    static var invalidCases: [String] {
        let folder = root.appendingPathComponent("invalid").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".expected") }.map { String($0.dropLast(".expected".count)) }.sorted()
    }
}
