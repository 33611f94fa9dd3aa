internal import Foundation
internal import Testing

@testable internal import Config

/// Runs every negative fixture: `invalid/<case>.yaml` must fail with exactly the line written by
/// hand in `invalid/<case>.expected`. The file is parsed under its base name, so the expected lines
/// read `<case>.yaml:LINE:COLUMN: message` wherever the bundle lives.
@Suite("Invalid configurations")
struct InvalidConfigurationTests {
    @Test("There are enough negative fixtures to cover the documented failure kinds")
    func fixtureCount() {
        #expect(Fixtures.invalidCases.count >= 12)
    }

    @Test("Each invalid fixture fails with its expected file:line:column message", arguments: Fixtures.invalidCases)
    func invalidFixture(name: String) throws {
        let yaml = try Fixtures.text("invalid/\(name).yaml")
        let expected = try Fixtures.text("invalid/\(name).expected").trimmingCharacters(in: .newlines)
        do {
            let configuration = try GatewayConfiguration.parse(yaml: yaml, file: "\(name).yaml")
            Issue.record("\(name).yaml was accepted: \(configuration)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test(
        "Each failure has a stable code",
        arguments: [
            ("unknown_key", ConfigError.Code.unknownKey),
            ("bad_duration", .invalidDuration),
            ("duration_without_unit", .invalidDuration),
            ("bad_size", .invalidSize),
            ("port_out_of_range", .outOfRange),
            ("missing_backends", .missingKey),
            ("duplicate_backend", .duplicateEntry),
            ("duplicate_route", .duplicateEntry),
            ("unknown_backend", .unknownReference),
            ("bad_address", .invalidAddress),
            ("credentials_with_wildcard", .conflict),
            ("list_instead_of_scalar", .wrongType),
            ("yaml_syntax", .syntax),
            ("empty_descriptors", .missingKey),
            ("both_spellings", .duplicateKey),
            ("duplicate_yaml_key", .duplicateKey),
        ]
    )
    func code(name: String, code: ConfigError.Code) throws {
        let yaml = try Fixtures.text("invalid/\(name).yaml")
        let error = #expect(throws: ConfigError.self) {
            try GatewayConfiguration.parse(yaml: yaml, file: "\(name).yaml")
        }
        #expect(error?.code == code)
        #expect(error?.location?.file == "\(name).yaml")
    }

    @Test("A file that does not exist is reported with its path and no position")
    func missingFile() {
        do {
            _ = try GatewayConfiguration.load(path: "/nonexistent/gateway.yaml")
            Issue.record("loaded a file that does not exist")
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.location == nil)
            #expect(error.description == "/nonexistent/gateway.yaml: no such file")
        }
    }

    @Test("A directory is not a configuration file")
    func directory() {
        do {
            _ = try GatewayConfiguration.load(path: Fixtures.path("valid"))
            Issue.record("loaded a directory")
        } catch {
            #expect(error.description == "\(Fixtures.path("valid")): is a directory, not a configuration file")
        }
    }

    @Test("load(path:) prints the path as the caller gave it")
    func loadPrintsGivenPath() {
        let path = Fixtures.path("invalid/port_out_of_range.yaml")
        do {
            _ = try GatewayConfiguration.load(path: path)
            Issue.record("accepted an invalid file")
        } catch {
            #expect(error.description == "\(path):3:9: listen.port: 70000 is out of range 0...65535")
        }
    }
}
