/// How a backend's endpoint list changed between two resolutions: which endpoints are new, which
/// stay, and which are gone. Pure: it only compares lists.
///
/// A worker applies it to its ``BackendCluster``: added endpoints get new pools, kept ones keep
/// their pools (connections, backoff and health verdict), retired ones leave the rotation at once
/// but keep their connections until the calls on them finish.
///
/// ```swift
/// let change = EndpointChange(from: [a, b], to: [b, c])
/// // change.added == [c], change.kept == [b], change.retired == [a]
/// ```
public struct EndpointChange: Sendable, Equatable {
    /// In the new list, not in the old; in new-list order.
    public let added: [BackendEndpoint]
    /// In both lists; in new-list order.
    public let kept: [BackendEndpoint]
    /// In the old list, not in the new; in old-list order.
    public let retired: [BackendEndpoint]

    /// Compares `old` with `new`. Duplicates within a list count once.
    public init(from old: [BackendEndpoint], to new: [BackendEndpoint]) {
        let before = Set(old)
        let after = Set(new)
        var added: [BackendEndpoint] = []
        var kept: [BackendEndpoint] = []
        var listed: Set<BackendEndpoint> = []
        for endpoint in new where listed.insert(endpoint).inserted {
            if before.contains(endpoint) {
                kept.append(endpoint)
            } else {
                added.append(endpoint)
            }
        }
        var retired: [BackendEndpoint] = []
        listed.removeAll()
        for endpoint in old where !after.contains(endpoint) && listed.insert(endpoint).inserted {
            retired.append(endpoint)
        }
        self.added = added
        self.kept = kept
        self.retired = retired
    }

    /// Whether the two lists hold the same endpoints (order aside).
    public var isEmpty: Bool {
        added.isEmpty && retired.isEmpty
    }
}
