/// The compiled form of every route's template: a trie over path segments, read-only once built.
///
/// Each node has literal children (sorted byte strings, binary-searched against the request's
/// segment bytes, so a lookup never builds a `String`), at most one `*` child, the routes whose
/// template ends at the node, and the routes whose template ends with `**` at the node. A route
/// sits at exactly one terminal, and its HTTP method and verb are checked there, at the leaf.
///
/// Matching walks the trie depth-first, trying at each node the literal child, then the `*` child,
/// then the `**` routes, and stops at the first terminal that accepts the method. That order *is*
/// the precedence: a literal beats `*`, `*` beats `**`, ending here beats `**` matching zero
/// segments, and a named method beats `custom { kind: "*" }`. Every node has one parent, so a walk
/// visits each node at most once: the cost is bounded by the trie's size, never by the number of
/// routes tried one by one (grpc-httpjson-transcoding `path_matcher_node.h` does the same).
struct RouteTrie: Sendable {
    /// A route at a terminal: which verb and method it needs.
    struct Endpoint: Sendable {
        /// Index into ``RouteTrie/verbs``, or -1 when the template has no verb.
        var verb: Int32
        /// The method the route answers.
        var method: RouteMethod
        /// The route's number.
        var route: Int32
    }

    /// One trie node.
    struct Node: Sendable {
        /// Literal segment texts, sorted by bytes.
        var literalKeys: [[UInt8]] = []
        /// The child node for each key in ``literalKeys``.
        var literalChildren: [Int32] = []
        /// The `*` child, or -1.
        var wildcardChild: Int32 = -1
        /// Routes whose template ends at this node.
        var endpoints: [Endpoint] = []
        /// Routes whose template ends with `**` at this node (matching any remaining segments).
        var deepEndpoints: [Endpoint] = []
    }

    /// The nodes; index 0 is the root (the position before the first segment).
    var nodes: [Node]
    /// Every verb some template uses, as bytes. A request's last segment is split at a `:` only
    /// when the text after it is one of these (the "registered verbs" rule of grpc-httpjson-transcoding,
    /// which fixes grpc-gateway issue #224: `/foo/bar:123` still binds `bar:123` to `{id}`).
    var verbs: [[UInt8]]

    /// The child for a literal segment, by binary search.
    /// - Parameters:
    ///   - node: The node.
    ///   - bytes: The request's segment.
    /// - Returns: The child's index, or -1.
    @inline(__always)
    func literalChild(of node: Int, _ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int32 {
        let keys = nodes[node].literalKeys
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            let order = Self.compare(keys[middle], bytes)
            if order == 0 {
                return nodes[node].literalChildren[middle]
            } else if order < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return -1
    }

    /// The index of a verb in ``verbs``, or -1.
    @inline(__always)
    func verbIndex(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int32 {
        for (index, verb) in verbs.enumerated() where Self.compare(verb, bytes) == 0 {
            return Int32(index)
        }
        return -1
    }

    /// Lexicographic byte order, shorter first on a common prefix: negative, zero or positive.
    @inline(__always)
    static func compare(_ key: [UInt8], _ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
        var keyIndex = 0
        var byteIndex = bytes.startIndex
        while keyIndex < key.count, byteIndex < bytes.endIndex {
            let left = key[keyIndex]
            let right = bytes[byteIndex]
            if left != right {
                return left < right ? -1 : 1
            }
            keyIndex += 1
            byteIndex += 1
        }
        return (key.count - keyIndex) - (bytes.endIndex - byteIndex)
    }
}
