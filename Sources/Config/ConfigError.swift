/// Why `gateway.yaml` was refused, and where.
///
/// The gateway stops at start-up with this error's ``description``, which has the compiler-style
/// form `file:line:column: message` (or `file: message` when no position applies, such as a file that
/// cannot be read). The message names the key path (`backends[1].connect_timeout`) and says what
/// was expected, so the operator can fix the file without reading the source.
///
/// ``code`` is a stable, greppable category for tests and metrics; the message text may be
/// reworded between versions.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The category of the problem.
    public var code: Code
    /// The position of the offending YAML node, when there is one.
    public var location: SourceLocation?
    /// The file the error concerns; used in ``description`` when ``location`` is `nil`.
    public var file: String?
    /// What is wrong, naming the key path, and what would be accepted instead.
    public var message: String

    /// Creates an error at a position in a file.
    /// - Parameters:
    ///   - code: The category.
    ///   - location: Where the offending node is.
    ///   - message: What is wrong and what would be accepted.
    public init(code: Code = .invalidValue, location: SourceLocation?, message: String) {
        self.code = code
        self.location = location
        self.file = location?.file
        self.message = message
    }

    /// Creates an error about a whole file (for example one that cannot be read).
    /// - Parameters:
    ///   - code: The category.
    ///   - file: The file, printed as given.
    ///   - message: What is wrong.
    public init(code: Code, file: String, message: String) {
        self.code = code
        self.location = nil
        self.file = file
        self.message = message
    }

    /// `file:line:column: message`, `file: message`, or just the message.
    public var description: String {
        if let location {
            return "\(location): \(message)"
        }
        if let file {
            return "\(file): \(message)"
        }
        return message
    }
}

extension ConfigError {
    /// A stable category for a ``ConfigError``, compared in tests instead of message text.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The category's name, e.g. `unknown-key`.
        public var name: String

        /// Creates a category; the module's own codes are the static members below.
        /// - Parameter name: The category's stable name.
        public init(_ name: String) {
            self.name = name
        }

        /// The category's name.
        public var description: String { name }

        /// The file could not be read.
        public static let unreadableFile = Code("unreadable-file")
        /// The text is not well-formed YAML (reported at libyaml's position).
        public static let syntax = Code("syntax")
        /// A mapping has a key the gateway does not know; usually a typo.
        public static let unknownKey = Code("unknown-key")
        /// A key appears twice in one mapping, possibly under both spellings (snake_case, lowerCamel).
        public static let duplicateKey = Code("duplicate-key")
        /// A required key is absent or empty.
        public static let missingKey = Code("missing-key")
        /// A node has the wrong YAML kind (list where a scalar belongs, text where a number belongs).
        public static let wrongType = Code("wrong-type")
        /// A number is outside its allowed range.
        public static let outOfRange = Code("out-of-range")
        /// A duration is not `<number><unit>`.
        public static let invalidDuration = Code("invalid-duration")
        /// A size is not `<integer>[unit]`.
        public static let invalidSize = Code("invalid-size")
        /// An address is not `host:port` or `[ipv6]:port`.
        public static let invalidAddress = Code("invalid-address")
        /// A name or value does not have the required shape.
        public static let invalidValue = Code("invalid-value")
        /// Two entries claim the same identity (two backends with one name, two routes for one service).
        public static let duplicateEntry = Code("duplicate-entry")
        /// A reference names something that is not defined (a route's backend).
        public static let unknownReference = Code("unknown-reference")
        /// Values that are fine alone but not together (credentials with `*`).
        public static let conflict = Code("conflict")
    }
}
