internal import Testing

@testable internal import Config

/// The text forms of durations, sizes and addresses, table by table, with matches and non-matches.
@Suite("Value syntax")
struct SyntaxTests {
    @Test(
        "Durations with a unit parse to exact nanoseconds",
        arguments: [
            ("1ns", Int64(1)),
            ("250us", 250_000),
            ("250ms", 250_000_000),
            ("5s", 5_000_000_000),
            ("1.5s", 1_500_000_000),
            ("0.001s", 1_000_000),
            ("10m", 600_000_000_000),
            ("1h", 3_600_000_000_000),
            ("0s", 0),
            ("1.25ms", 1_250_000),
        ]
    )
    func durations(text: String, nanoseconds: Int64) {
        #expect(DurationSyntax.nanoseconds(text) == nanoseconds)
    }

    @Test(
        "Text that is not a duration is refused",
        arguments: [
            "", "5", "s", "5 s", "5sec", "-5s", "+5s", "1.s", ".5s", "1.2.3s", "5S", "1.5ns", "1e3ms",
            "99999999999h", "5s ", "1m30s",
        ]
    )
    func notDurations(text: String) {
        #expect(DurationSyntax.nanoseconds(text) == nil)
    }

    @Test(
        "Sizes with and without a unit parse to bytes",
        arguments: [
            ("0B", 0), ("17B", 17), ("1KB", 1000), ("1KiB", 1024), ("4MiB", 4_194_304), ("4MB", 4_000_000),
            ("2GiB", 2_147_483_648), ("1GB", 1_000_000_000),
        ]
    )
    func sizes(text: String, bytes: Int) {
        #expect(ByteSizeSyntax.bytes(text) == bytes)
    }

    @Test(
        "Text that is not a size is refused",
        arguments: ["", "MiB", "4mib", "4 MiB", "4.5MiB", "-1B", "4Mi", "4TB", "99999999999999GiB", "4MiB "]
    )
    func notSizes(text: String) {
        #expect(ByteSizeSyntax.bytes(text) == nil)
    }

    @Test(
        "host:port addresses split into host and port text",
        arguments: [
            ("127.0.0.1:50051", "127.0.0.1", "50051"),
            ("localhost:1", "localhost", "1"),
            ("[::1]:50051", "::1", "50051"),
            ("[2001:db8::8:800:200c:417a]:443", "2001:db8::8:800:200c:417a", "443"),
            ("my-host_1.example:80", "my-host_1.example", "80"),
        ]
    )
    func addresses(text: String, host: String, port: String) throws {
        let parts = try AddressSyntax.split(text).get()
        #expect(parts.host == host)
        #expect(parts.port == port)
    }

    @Test(
        "Malformed addresses are refused with a reason",
        arguments: [
            ("localhost", "has no port"),
            ("::1:80", "looks like an IPv6 address without brackets"),
            ("[::1", "has '[' without ']'"),
            ("[::1]", "has no port after ']'"),
            ("[localhost]:80", "has \"localhost\" in brackets, which is not an IPv6 address"),
            (":80", "has \"\", which is not a host name or IPv4 address"),
            ("a b:80", "has \"a b\", which is not a host name or IPv4 address"),
        ]
    )
    func badAddresses(text: String, reason: String) {
        switch AddressSyntax.split(text) {
        case .success(let parts):
            Issue.record("accepted \(text) as \(parts)")
        case .failure(let problem):
            #expect(problem.reason == reason)
        }
    }

    @Test(
        "snake_case keys have a lowerCamel spelling",
        arguments: [("connect_timeout", "connectTimeout"), ("max_request_body", "maxRequestBody"), ("host", "host")]
    )
    func lowerCamel(snake: String, camel: String) {
        #expect(NodeReader.lowerCamel(snake) == camel)
    }
}
