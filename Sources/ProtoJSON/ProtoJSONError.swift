/// Why a message could not be converted, and where.
///
/// The path names the field the way the JSON names it, with list positions and map keys in
/// brackets, so a REST client can find its mistake: `items[0].quantity: expected an integer, got
/// "abc"`. An empty path means the top-level value (or the JSON text itself) is at fault.
public struct ProtoJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is (`items[0].quantity`), or `""` for the top level.
    public var fieldPath: String
    /// What is wrong (`expected an integer, got "abc"`).
    public var reason: String

    /// Creates an error.
    public init(fieldPath: String = "", reason: String) {
        self.fieldPath = fieldPath
        self.reason = reason
    }

    /// `path: reason`, or the reason alone at the top level.
    public var description: String {
        fieldPath.isEmpty ? reason : "\(fieldPath): \(reason)"
    }

    /// The same error one level further out: `component` is a field name (`items`), a list
    /// position (`[0]`) or a map key (`["k"]`), joined to the existing path with a dot when needed.
    func prefixed(with component: String) -> ProtoJSONError {
        var copy = self
        if fieldPath.isEmpty {
            copy.fieldPath = component
        } else if fieldPath.utf8.first == UInt8(ascii: "[") {
            copy.fieldPath = component + fieldPath
        } else {
            copy.fieldPath = component + "." + fieldPath
        }
        return copy
    }
}
