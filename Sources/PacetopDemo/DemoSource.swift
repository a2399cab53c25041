import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore

/// `pacetop --demo`: an in-process simulated PortSIP cluster (three nodes, the seven-resource
/// chain, a ping clone). Every poll renders the simulation as crm_mon 2.1.5 XML and parses it
/// with `CrmMonParser`, the same path a real cluster's output takes.
///
/// Time comes from a `DemoClock`; the simulation advances lazily to the clock's `now()` on
/// every call, so nothing runs in the background. `speed` divides every simulated duration
/// (operations, detection, scenario intervals); the clock itself is never scaled, so all
/// timestamps are real ones.
///
/// Actions: `submit` starts a command and returns at once; `outcome(of:)` tells when it has
/// finished. `perform` is `submit` plus waiting on the clock, like the real (blocking)
/// commands. With a `ManualDemoClock`, waiting moves the clock forward, so `perform` returns
/// as soon as the simulated work is done; tests that want to see the states in between use
/// `submit`, `ManualDemoClock.advance(by:)` and `poll`.
///
/// Thread safety: `poll` and `perform` run on different worker threads. The mutable state
/// (`cluster`, `closed`, `lastVia`) is only touched while holding `lock`; a waiting `perform`
/// sleeps without the lock, so polls go on meanwhile. Hence `@unchecked Sendable`.
///
/// `PollOutcome.via` is node 1, or the first node that answers while node 1 is down (as the
/// SSH source fails over); the poll on which it changes carries a note saying so.
public final class DemoSource: ClusterSource, @unchecked Sendable {
    public static let nodeNames = DemoCluster.nodeNames
    /// The PortSIP chain, in start order.
    public static let resources = DemoCluster.chain

    public let label = "DEMO"
    public let isDemo = true
    public let canPerformActions = true

    private let clock: any DemoClock
    private let lock = Lock()
    private var cluster: DemoCluster
    private var closed = false
    /// The command wrapper an SSH source would use; only its text is shown here.
    public let remote = RemoteCommand()

    public init(clock: some DemoClock = WallDemoClock(), scenario: DemoScenario = .steady, speed: Double = 1) {
        self.clock = clock
        cluster = DemoCluster(scenario: scenario, speed: speed, now: clock.now())
    }

    /// A handle on a submitted command.
    public struct Job: Sendable, Hashable {
        let id: Int
    }

    /// Things to make happen on purpose (tests, or a scripted demo).
    public enum Event: Sendable, Equatable {
        /// The resource's recurring monitor on its current node returns "not running".
        case monitorFailure(resource: String)
        /// The node hangs; see `DemoScenario.failover` for what follows.
        case nodeFailure(node: String)
        /// A `cli-ban-R-on-N` constraint, as `crm_resource --ban` writes it.
        case ban(resource: String, node: String)
    }

    private func withLock<T>(_ body: (inout DemoCluster) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        cluster.advance(to: clock.now())
        return body(&cluster)
    }

    /// The node the demo pretends to read from and run commands on: node 1, or the next node
    /// that answers while it is down, as the SSH source fails over between nodes.
    private static func via(_ c: DemoCluster) -> String? {
        c.nodes.first { !$0.dead }?.name
    }

    /// The node the previous poll read from; a note is given only when it changes, so the
    /// timeline gets one line per switch rather than one per poll.
    private var lastVia: String?

    private func viaNotes(_ via: String?, first: String) -> [String] {
        defer { lastVia = via }
        guard let last = lastVia, let via, via != last else { return [] }
        if via == first { return ["\(first) answers again, reading from it (simulated)"] }
        return ["\(last) not answering, now reading from \(via) (simulated)"]
    }

    public func poll() -> PollOutcome {
        let (xml, constraints, via, notes, now, isClosed, detection) = withLock { c in
            let v = Self.via(c)
            return (c.crmMonXML(), c.cliConstraints, v, viaNotes(v, first: c.nodes[0].name), c.now, closed,
                    DemoTiming.assumedDown / c.speed)
        }
        guard !isClosed else {
            return PollOutcome(result: .failure(SourceError(.connect, "the demo cluster was closed")),
                               via: "demo", at: now)
        }
        guard let via else {
            return PollOutcome(result: .failure(SourceError(.connect, "no node answers (simulated)")),
                               via: "demo", at: now, notes: notes)
        }
        do {
            var status = try CrmMonParser.parse(xml)
            status.cliConstraints = constraints
            // The simulated cluster counts a silent node as down after this long.
            status.nodeLossDetectionSeconds = detection
            return PollOutcome(result: .success(status), via: via, at: now, notes: notes)
        } catch {
            // Would be a bug in the renderer; say so instead of hiding it.
            return PollOutcome(result: .failure(SourceError(.parse, "demo XML: \(error)")), via: via,
                               at: now, notes: notes)
        }
    }

    /// The crm_mon document the next poll would parse (for tests and `--dump`-style tools).
    public func crmMonXML() -> String {
        withLock { $0.crmMonXML() }
    }

    public func commandLine(for action: ClusterAction) throws(ActionError) -> String {
        remote.line(try action.argv())
    }

    /// Starts a command without waiting for it.
    public func submit(_ action: ClusterAction) -> Job {
        let line: String
        var refusal: String?
        do {
            line = try commandLine(for: action)
        } catch {
            line = ""
            refusal = error.description
        }
        let id = withLock { c in
            let via = Self.via(c)
            if closed { return c.refuse(action, error: "the demo cluster was closed", via: via ?? "demo", at: c.now) }
            if let refusal { return c.refuse(action, error: refusal, via: via ?? "demo", at: c.now) }
            guard let via else { return c.refuse(action, error: "no node answers (simulated)", via: "demo", at: c.now) }
            return c.submit(action, commandLine: line, via: via, at: c.now)
        }
        return Job(id: id)
    }

    /// The finished command's outcome, or nil while it is still waiting.
    public func outcome(of job: Job) -> ActionOutcome? {
        withLock { $0.outcome(of: job.id) }
    }

    /// Runs the prepared action if it names the node the demo reads from now (as a real
    /// source would refuse a pane shown for a node that has since gone).
    public func perform(_ command: PreparedAction) -> ActionOutcome {
        let (via, now) = withLock { c in (Self.via(c), c.now) }
        if let reason = command.refusal(remote: remote, currentNode: via) {
            return .notSent(command, via: via ?? "demo", because: reason, at: now)
        }
        return perform(command.action)
    }

    /// Submits the action and waits for it, on the demo's clock.
    public func perform(_ action: ClusterAction) -> ActionOutcome {
        let job = submit(action)
        while true {
            let (done, wake, isClosed, now): (ActionOutcome?, Date?, Bool, Date) = withLock { c in
                (c.outcome(of: job.id), c.nextEventTime(), closed, c.now)
            }
            if let done { return done }
            if isClosed {
                return ActionOutcome(action: action, commandLine: (try? commandLine(for: action)) ?? "",
                                     via: "demo", exitCode: nil, error: "the demo cluster was closed",
                                     started: now, finished: now)
            }
            // Sleep to the next simulated event, but look again at least once a second in case
            // something else (close, another submit) changed the plan meanwhile.
            let limit = now + 1
            clock.sleep(until: min(wake ?? limit, limit))
        }
    }

    /// Makes something happen now.
    /// A what-if computed on a copy of the simulated cluster (see `DemoCluster.preview`).
    public func preview(_ command: PreparedAction) -> PreviewOutcome {
        withLock { c in
            guard !closed, let via = Self.via(c) else { return .failed("no node answers (simulated)") }
            return c.preview(command.action, via: via)
        }
    }

    public func inject(_ event: Event) {
        withLock { c in
            switch event {
            case .monitorFailure(let r):
                if let j = DemoCluster.chain.firstIndex(where: { $0.id == r }) {
                    c.monitorFailure(chainIndex: j, at: c.now)
                }
            case .nodeFailure(let n):
                c.nodeFailure(n, at: c.now)
            case .ban(let r, let n):
                c.ban(r, on: n, at: c.now)
            }
        }
    }

    public func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }
}
