import PacetopCore

/// How soon to poll again. Idle, once per interval (one crm_mon each); while the cluster is
/// in transition, or an action of ours runs, or a poll saw something change or fail over,
/// every `fast` seconds, until `settlePolls` polls in a row saw nothing of the kind.
public enum PollPace {
    /// The fast pace: a change reaches the screen within this plus one crm_mon.
    public static let fast = 0.25
    /// Quiet polls before going back to the normal interval.
    public static let settlePolls = 3

    /// What one poll saw that keeps the pace fast.
    public struct Observation: Sendable, Equatable {
        /// The status shows something in progress (`ClusterStatus.inTransition`).
        public var inTransition: Bool
        /// The status differs from the previous one (cluster events), or the source moved to
        /// another node.
        public var changed: Bool
        /// An action of ours is running.
        public var actionRunning: Bool

        /// What the last poll saw; all false means the cluster was quiet.
        public init(inTransition: Bool = false, changed: Bool = false, actionRunning: Bool = false) {
            self.inTransition = inTransition
            self.changed = changed
            self.actionRunning = actionRunning
        }

        var busy: Bool { inTransition || changed || actionRunning }
    }

    /// Quiet polls in a row after this one: 0 when it was busy.
    public static func quietPolls(after previous: Int, _ seen: Observation) -> Int {
        seen.busy ? 0 : min(previous, settlePolls) + 1
    }

    /// Seconds until the next poll.
    public static func delay(interval: Double, quietPolls: Int) -> Double {
        quietPolls < settlePolls ? min(interval, fast) : interval
    }
}
