internal import Foundation
internal import Yams

/// Reads composed YAML nodes into typed values, turning every mismatch into a ``ConfigError`` that
/// carries the offending node's position and key path.
///
/// Types are judged by YAML's own resolution (YAML 1.1 core schema, as Yams resolves it): a number
/// field wants an integer node, so `port: "8080"` (quoted, hence text) is refused rather than
/// silently converted. Text fields take any non-null scalar's text, so `name: 1` names a backend `1`.
struct NodeReader {
    /// The file name printed in every location, exactly as the caller gave it.
    let file: String

    /// The position of a node, or `nil` for nodes built in code (Yams always marks parsed nodes).
    /// `path` made absolute against the configuration file's folder (relative paths in
    /// `gateway.yaml` are relative to the file, not to the working directory).
    func resolvePath(_ path: String) -> String {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        return URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL.path
    }

    func location(of node: Node) -> SourceLocation? {
        node.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
    }

    /// An error at a node, with the key path prefixed to the message when there is one.
    func error(_ code: ConfigError.Code, at node: Node, path: String, _ problem: String) -> ConfigError {
        ConfigError(code: code, location: location(of: node), message: path.isEmpty ? problem : "\(path): \(problem)")
    }

    /// Reads a mapping whose keys must come from `keys` (snake_case spellings; the lowerCamel
    /// spelling of each is accepted too, and writing both is an error).
    /// - Parameters:
    ///   - node: The node that should be a mapping.
    ///   - path: The node's key path, for messages.
    ///   - keys: The allowed keys, in the order they are listed in messages.
    /// - Returns: The mapping's entries by snake_case key.
    /// - Throws: ``ConfigError`` for a non-mapping, a non-text key, an unknown key or a repeated key.
    func mapping(_ node: Node, path: String, keys: [String]) throws(ConfigError) -> Fields {
        guard case .mapping(let mapping) = node else {
            throw error(
                .wrongType,
                at: node,
                path: path,
                "expected a mapping of \(keys.joined(separator: ", ")), got \(describe(node))"
            )
        }
        var canonical: [String: String] = [:]
        for key in keys {
            canonical[key] = key
            canonical[Self.lowerCamel(key)] = key
        }
        var entries: [String: Fields.Entry] = [:]
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode, keyNode.tagName != .null else {
                throw error(.wrongType, at: keyNode, path: path, "a key must be text, got \(describe(keyNode))")
            }
            let spelled = scalar.string
            let keyPath = Self.join(path, spelled)
            guard let key = canonical[spelled] else {
                let scope = path.isEmpty ? "at the top level" : "in \(path)"
                throw error(
                    .unknownKey,
                    at: keyNode,
                    path: keyPath,
                    "unknown key; allowed keys \(scope): \(keys.joined(separator: ", "))"
                )
            }
            if let earlier = entries[key] {
                let line = earlier.key.mark.map { " (line \($0.line))" } ?? ""
                throw error(
                    .duplicateKey,
                    at: keyNode,
                    path: keyPath,
                    "repeats '\(earlier.spelled)'\(line); write the key once, in one spelling"
                )
            }
            entries[key] = Fields.Entry(spelled: spelled, key: keyNode, value: valueNode)
        }
        return Fields(node: node, path: path, entries: entries, reader: self)
    }

    /// Reads a sequence.
    /// - Throws: ``ConfigError`` if the node is not a sequence (a common slip: one scalar where a
    ///   list belongs).
    func sequence(_ node: Node, path: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(.wrongType, at: node, path: path, "expected a list, got \(describe(node))")
        }
        return Array(sequence)
    }

    /// Reads a text scalar (any non-null scalar, taken as written).
    func string(_ node: Node, path: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            throw error(.wrongType, at: node, path: path, "expected text, got \(describe(node))")
        }
        return scalar.string
    }

    /// Reads a non-empty text scalar.
    func nonEmptyString(_ node: Node, path: String) throws(ConfigError) -> String {
        let value = try string(node, path: path)
        guard !value.isEmpty else {
            throw error(.invalidValue, at: node, path: path, "must not be empty")
        }
        return value
    }

    /// Reads an integer node and checks its range.
    func integer(_ node: Node, path: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar = node, node.tagName == .int, let value = node.int else {
            throw error(.wrongType, at: node, path: path, "expected an integer, got \(describe(node))")
        }
        guard range.contains(value) else {
            throw error(
                .outOfRange,
                at: node,
                path: path,
                "\(value) is out of range \(range.lowerBound)...\(range.upperBound)"
            )
        }
        return value
    }

    /// Reads `true` or `false` (YAML 1.1 also resolves yes/no/on/off as booleans).
    func bool(_ node: Node, path: String) throws(ConfigError) -> Bool {
        guard case .scalar = node, node.tagName == .bool, let value = node.bool else {
            throw error(.wrongType, at: node, path: path, "expected true or false, got \(describe(node))")
        }
        return value
    }

    /// Reads a duration such as `250ms`, `5s` or `1.5s` (see ``DurationSyntax``).
    /// - Parameters:
    ///   - node: The node.
    ///   - path: Its key path.
    ///   - allowZero: Whether `0s` is meaningful for this setting.
    func duration(_ node: Node, path: String, allowZero: Bool = false) throws(ConfigError) -> Duration {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            throw error(.wrongType, at: node, path: path, "expected a duration such as 5s, got \(describe(node))")
        }
        if node.tagName == .int {
            throw error(
                .invalidDuration,
                at: node,
                path: path,
                "\(scalar.string) has no unit; \(DurationSyntax.advice)"
            )
        }
        guard let nanoseconds = DurationSyntax.nanoseconds(scalar.string) else {
            throw error(
                .invalidDuration,
                at: node,
                path: path,
                "\(quote(scalar.string)) is not a duration; \(DurationSyntax.advice)"
            )
        }
        guard nanoseconds > 0 || allowZero else {
            throw error(.outOfRange, at: node, path: path, "must be longer than zero")
        }
        return .nanoseconds(nanoseconds)
    }

    /// Reads a byte size: a plain integer of bytes or `<integer><unit>` (see ``ByteSizeSyntax``).
    func size(_ node: Node, path: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            throw error(.wrongType, at: node, path: path, "expected a size such as 4MiB, got \(describe(node))")
        }
        let bytes: Int?
        if node.tagName == .int {
            bytes = node.int
        } else {
            bytes = ByteSizeSyntax.bytes(scalar.string)
        }
        guard let bytes else {
            throw error(
                .invalidSize,
                at: node,
                path: path,
                "\(quote(scalar.string)) is not a size; \(ByteSizeSyntax.advice)"
            )
        }
        guard range.contains(bytes) else {
            throw error(
                .outOfRange,
                at: node,
                path: path,
                "\(bytes) bytes is out of range \(range.lowerBound)...\(range.upperBound)"
            )
        }
        return bytes
    }

    /// A short description of what a node is, for "expected X, got Y" messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        case .alias:
            return "an alias"
        case .scalar(let scalar):
            switch node.tagName {
            case .null: return "nothing (null)"
            case .int: return "the integer \(scalar.string)"
            case .float: return "the number \(scalar.string)"
            case .bool: return "the boolean \(scalar.string)"
            default: return "the text \(quote(scalar.string))"
            }
        }
    }

    /// Wraps text in double quotes for messages.
    func quote(_ text: String) -> String {
        "\"\(text)\""
    }

    /// Joins a key path and a key (`listen` + `port` → `listen.port`).
    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The lowerCamel spelling of a snake_case key (`connect_timeout` → `connectTimeout`), which
    /// google.api.Service-style YAML also uses.
    static func lowerCamel(_ snake: String) -> String {
        var result = ""
        var upperNext = false
        for character in snake {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                result += character.uppercased()
                upperNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// The entries of one YAML mapping after its keys were checked, looked up by snake_case key.
struct Fields {
    /// One key as written, with its value.
    struct Entry {
        /// The key as spelled in the file (snake_case or lowerCamel).
        var spelled: String
        /// The key node, for its position.
        var key: Node
        /// The value node.
        var value: Node
    }

    /// The mapping node, whose position is used for "missing key" errors.
    let node: Node
    /// The mapping's key path.
    let path: String
    /// Entries by snake_case key.
    let entries: [String: Entry]
    /// The reader that made this, for error construction.
    let reader: NodeReader

    /// The value of an optional key; `nil` when absent or written with no value (`key:`), in which
    /// case the default applies.
    func optional(_ key: String) -> Node? {
        guard let value = entries[key]?.value, value.tagName != .null else {
            return nil
        }
        return value
    }

    /// The value of a required key.
    /// - Throws: ``ConfigError`` at the key (or at the mapping when the key is absent).
    func required(_ key: String) throws(ConfigError) -> Node {
        if let value = optional(key) {
            return value
        }
        let at = entries[key]?.key ?? node
        throw reader.error(.missingKey, at: at, path: pathOf(key), "required key is missing or has no value")
    }

    /// The key path of one of this mapping's keys.
    func pathOf(_ key: String) -> String {
        NodeReader.join(path, key)
    }
}

extension Node {
    /// The node's resolved YAML tag (`!!int`, `!!str`, `!!null`, …); Yams keeps `Tag.name` internal.
    var tagName: Tag.Name {
        Tag.Name(rawValue: tag.rawValue)
    }
}
