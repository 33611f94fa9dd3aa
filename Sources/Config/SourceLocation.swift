/// A position in a configuration file, as `file:line:column` with 1-based line and column.
///
/// Every value read from `gateway.yaml` keeps one, so that a check made long after parsing (for
/// example "this service is not in the descriptor sets", which only the `Gateway` module can see)
/// still points the operator at the exact spot to fix.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the caller named it (the path given to ``GatewayConfiguration/load(path:)`` or the
    /// `file` given to ``GatewayConfiguration/parse(yaml:file:)``), never rewritten, so that messages
    /// read the way the operator typed the path.
    public var file: String
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column, counted in Unicode scalars as libyaml counts them.
    public var column: Int

    /// Creates a location.
    /// - Parameters:
    ///   - file: The file name or path, printed as given.
    ///   - line: The 1-based line.
    ///   - column: The 1-based column.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location of values built in code rather than read from a file (line 0 means "no line").
    public static let unspecified = SourceLocation(file: "<code>", line: 0, column: 0)

    /// `file:line:column`, the form compilers use, which editors and terminals turn into links;
    /// just `file` when there is no line.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// A configuration value together with where it was written.
///
/// Used for values that another module checks later against data the `Config` module cannot see
/// (descriptor paths, service names), so that its error can still carry the YAML location.
public struct Located<Value: Sendable>: Sendable {
    /// The value itself.
    public var value: Value
    /// Where the value was written.
    public var location: SourceLocation

    /// Creates a located value.
    /// - Parameters:
    ///   - value: The value.
    ///   - location: Where it was written.
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

extension Located: CustomStringConvertible where Value: CustomStringConvertible {
    /// The value followed by its location, for logs and test failures.
    public var description: String {
        "\(value) (\(location))"
    }
}
