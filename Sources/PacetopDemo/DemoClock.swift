import FoundationEssentials
import Glibc
import PacetopBase

/// The time source of the demo cluster. The simulation never reads `Date()` itself, so tests
/// can drive it with a `ManualDemoClock` and get the same screens every run.
public protocol DemoClock: Sendable {
    func now() -> Date
    /// Blocks the calling thread until `deadline`. A blocking `DemoSource.perform` calls this
    /// while it waits for the simulated cluster, exactly like `crm_resource --restart` waits.
    func sleep(until deadline: Date)
}

/// Real time.
public struct WallDemoClock: DemoClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { sleepSeconds(seconds) }
    }
}

/// Time that only moves when told to, for tests.
///
/// `sleep(until:)` does not block: it moves the clock forward to the deadline ("time jumps
/// to the next thing that happens"). So a blocking `perform` on a manual clock returns as soon
/// as the simulated work is done, without a second thread and without deadlock. A test that
/// wants to watch the intermediate states uses `DemoSource.submit` instead and calls
/// `advance(by:)` between polls.
public final class ManualDemoClock: DemoClock, @unchecked Sendable {
    // @unchecked: `current` is only touched while holding `lock`.
    private let lock = Lock()
    private var current: Date

    /// The default start is the moment of the reference documents in the corpus, a Wednesday.
    public static let defaultStart = Date(timeIntervalSince1970: 1_795_579_944) // 2026-11-25 04:12:24Z

    public init(start: Date = ManualDemoClock.defaultStart) {
        current = start
    }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock()
        defer { lock.unlock() }
        current += max(0, seconds)
    }

    public func sleep(until deadline: Date) {
        lock.lock()
        defer { lock.unlock() }
        if deadline > current { current = deadline }
    }
}
