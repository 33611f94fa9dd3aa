internal import Foundation
internal import Synchronization

/// Counts of configuration reloads for `/metrics`, the way Prometheus reports its own: a total
/// per result, whether the last one succeeded, and when the configuration in use was loaded.
/// Written by the main thread; read by the admin listener (on the main thread too, but the
/// lock keeps the type honest about sharing).
final class ReloadStatistics: Sendable {
    struct Snapshot: Sendable, Equatable {
        var successes = 0
        var failures = 0
        /// 1 until a reload fails, back to 1 after one succeeds: a gauge to alert on.
        var lastSucceeded = true
        /// Seconds since 1970 when the configuration serving now was loaded (start or reload).
        var lastSuccessSeconds: Int
    }

    private let state: Mutex<Snapshot>

    /// Starts counting; the configuration loaded at start counts as the last success.
    init() {
        state = Mutex(Snapshot(lastSuccessSeconds: Int(Date().timeIntervalSince1970)))
    }

    func record(_ outcome: ReloadOutcome) {
        let now = Int(Date().timeIntervalSince1970)
        state.withLock { state in
            if outcome.succeeded {
                state.successes += 1
                state.lastSucceeded = true
                state.lastSuccessSeconds = now
            } else {
                state.failures += 1
                state.lastSucceeded = false
            }
        }
    }

    var snapshot: Snapshot {
        state.withLock { $0 }
    }
}
