internal import ArgumentParser
internal import Config
internal import Gateway
internal import Glibc
internal import Logging

/// The `gateway` executable: reads `gateway.yaml`, checks it against the descriptor sets and
/// serves until SIGTERM, reading it again on SIGHUP. Everything else lives in the libraries.
@main
struct GatewayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Serve gRPC-Web (and REST/JSON) in front of gRPC backends.")

    @Option(name: .long, help: "The configuration file.")
    var config: String = "gateway.yaml"

    @Flag(name: .long, help: "Check the configuration and the descriptor sets, then exit without serving.")
    var check = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() throws {
        var logger = Logger(label: "gateway")
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \(logLevel)")
        }
        logger.logLevel = level
        // The same reading and checking at start, for --check, and for each reload (SIGHUP).
        let path = config
        let load = { () throws(ConfigError) -> GatewayPlan in
            try GatewayPlan.make(configuration: GatewayConfiguration.load(path: path))
        }
        let plan: GatewayPlan
        do {
            plan = try load()
        } catch {
            // file:line:column: reason, the shape compilers use, so editors can jump to it.
            printToStandardError("\(error)")
            throw ExitCode(2)
        }
        if check {
            printToStandardError(
                "\(config): OK (\(plan.methodCount) methods routed to \(plan.backends.count) backends, "
                    + "\(plan.restBindingCount) REST bindings)")
            return
        }
        try Gateway(plan: plan, logger: logger, reloadPlan: load).run()
    }
}

private func printToStandardError(_ message: String) {
    var standardError = StandardError()
    print(message, to: &standardError)
}

/// Standard error as a `TextOutputStream` (Swift 6 cannot name the C `stderr` global safely).
private struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            _ = Glibc.write(2, bytes.baseAddress, bytes.count)
        }
    }
}
