import FoundationEssentials
import Glibc
import PacetopCore

/// What the demo cluster does on its own.
public enum DemoScenario: String, Sendable, CaseIterable {
    /// Nothing moves unless the user acts, except that every ~3 minutes pbx's monitor fails
    /// once and Pacemaker recovers it in place (fail-count goes up by one), so there is a
    /// failure to look at and to clean up.
    case steady
    /// About every 60 s the master node dies and the chain fails over to another node; the
    /// dead node rejoins ~20 s later, empty.
    case failover
}

/// One simulated primitive of the PortSIP chain, with its (speed 1) operation times.
public struct DemoResourceSpec: Sendable, Equatable {
    public let id: String
    public let agent: String
    public let startSeconds: Double
    public let stopSeconds: Double
    public let monitorIntervalMs: Int
    /// How long one monitor run takes, shown as exec-time in the history.
    public let monitorExecMs: Int
}

/// Simulated timings in seconds, at speed 1. `DemoSource(speed:)` divides all of them.
public enum DemoTiming {
    /// From a CIB change to the first action of the new transition (the scheduler's run).
    public static let schedulerDelay = 0.2
    /// Corosync's token timeout: a dead node shows as UNCLEAN (offline) this long after it died.
    public static let detection = 3.0
    /// With fencing disabled Pacemaker then treats the lost node as down and starts its
    /// resources elsewhere: this long after the node died.
    public static let assumedDown = 4.0
    /// A failed node comes back (online, running nothing) this long after it died.
    public static let rejoin = 20.0
    /// `.failover`: the first failure, then one every `failoverEvery` seconds.
    public static let failoverFirst = 20.0
    public static let failoverEvery = 60.0
    /// `.steady`: pbx's monitor fails once every this many seconds.
    public static let hiccupEvery = 180.0
    /// ping (the clone) start and stop.
    public static let pingStart = 1.0
    public static let pingStop = 0.1
}

/// The simulated cluster: plain state advanced by time. Not thread-safe; `DemoSource` owns
/// one behind a lock.
///
/// Pacemaker's behaviour is modelled as one operation in flight at a time. After every
/// operation, and after every CIB change when idle (plus `DemoTiming.schedulerDelay`), the
/// "scheduler" (`nextOperation`) looks at the state and picks the next step. That is what
/// Pacemaker does too: a CIB change aborts the transition once the running action finishes,
/// and a new transition is computed from the new state.
///
/// Placement: the seven primitives are colocated and ordered as a chain (eip → … → pbx), so
/// they always run together on one node (the master). There is no location preference for
/// node 1 besides the initial placement; `resource-stickiness` keeps the chain where it is,
/// so nothing moves back by itself after a failover, standby or clear.
struct DemoCluster {
    static let nodeNames = ["ip-172-31-16-133", "ip-172-31-16-134", "ip-172-31-16-135"]
    static let chain: [DemoResourceSpec] = [
        .init(id: "eip", agent: "ocf:portsip:awseip", startSeconds: 1.0, stopSeconds: 0.8,
              monitorIntervalMs: 20_000, monitorExecMs: 412),
        .init(id: "privip", agent: "ocf:heartbeat:awsvip", startSeconds: 0.9, stopSeconds: 0.7,
              monitorIntervalMs: 20_000, monitorExecMs: 388),
        .init(id: "vip", agent: "ocf:heartbeat:IPaddr2", startSeconds: 0.3, stopSeconds: 0.3,
              monitorIntervalMs: 10_000, monitorExecMs: 21),
        .init(id: "src_pkt_ip", agent: "ocf:portsip:awsipsrcaddr", startSeconds: 0.6, stopSeconds: 0.4,
              monitorIntervalMs: 20_000, monitorExecMs: 35),
        .init(id: "ebs", agent: "ocf:portsip:awsebs", startSeconds: 1.0, stopSeconds: 0.9,
              monitorIntervalMs: 20_000, monitorExecMs: 297),
        .init(id: "datapath_fs", agent: "ocf:heartbeat:Filesystem", startSeconds: 0.5, stopSeconds: 0.4,
              monitorIntervalMs: 20_000, monitorExecMs: 27),
        .init(id: "pbx", agent: "ocf:portsip:pbx", startSeconds: 2.0, stopSeconds: 1.5,
              monitorIntervalMs: 10_000, monitorExecMs: 64),
    ]
    static let pingID = "ping"
    static let pingCloneID = "ping-clone"
    static let pingAgent = "ocf:pacemaker:ping"
    static let pingMonitorMs = 10_000
    static let pingMonitorExecMs = 2031
    static let restartTimeout = TimeInterval(ClusterAction.restartTimeoutSeconds)
    /// crm_resource's `sleep_interval` between looks at the CIB while it waits.
    static let restartPollInterval = 2.0

    enum Phase: Equatable { case stopped, starting, started, stopping }
    /// What the scheduler asks an executor to do (named so as not to shadow Swift's `Task`).
    enum OpKind: Equatable { case start, stop }
    enum Target: Equatable { case chain(Int), ping(String) }

    struct Instance {
        var node: String?
        var phase: Phase = .stopped
        /// A failed monitor that the cluster has not recovered yet.
        var failed = false
    }

    struct SimNode {
        let name: String
        let id: Int
        /// Cluster membership, as the surviving nodes see it.
        var online = true
        var unclean = false
        var standby = false
        /// Hung or crashed, not yet noticed by the others; also: does not answer SSH.
        var dead = false
        var detectAt: Date?
        var downAt: Date?
        var rejoinAt: Date?
        /// The ping agent has set the pingd attribute since the node (re)joined.
        var pingd = false
        /// The node's executor call counter.
        var calls = 0
    }

    /// One lrm_rsc_op, as crm_mon's node_history shows it.
    struct OpRecord: Equatable {
        var call: Int
        /// `start`, `stop`, `monitor` (interval > 0) or `probe` (interval 0).
        var task: String
        var intervalMs: Int
        var rc: Int
        var at: Date
        var execMs: Int
    }

    struct History {
        var last: OpRecord?
        var monitor: OpRecord?
        var lastFailure: OpRecord?
        var failCount = 0
        var lastFailureAt: Date?
        var isEmpty: Bool { last == nil && monitor == nil && lastFailure == nil && failCount == 0 }
    }

    struct InFlight {
        var target: Target
        var task: OpKind
        var node: String
        var begin: Date
        /// nil: the node is dead and the operation will never finish.
        var end: Date?
    }

    struct LastChange {
        var at: Date
        var user: String
        var client: String
        var origin: String
    }

    /// A `crm_resource --restart` between its two waits.
    struct Waiting {
        enum Phase { case stopping, starting }
        var resource: String
        var list: [String]
        var phase: Phase
        /// crm_resource looks at the CIB every 2 s, not continuously.
        var nextCheck: Date
        var deadline: Date
    }

    struct Job {
        var action: ClusterAction
        var commandLine: String
        var via: String
        var started: Date
        /// Set while a restart waits; nil once the command has finished (or never waited).
        var waiting: Waiting?
        var exitCode: Int32?
        var error: String?
        var stdout = ""
        var stderr = ""
        var finished: Date?
    }

    let scenario: DemoScenario
    let speed: Double
    private(set) var now: Date
    var nodes: [SimNode]
    var chain: [Instance]
    /// ping-clone instances by node; absent = stopped.
    var ping: [String: Phase] = [:]
    /// node → resource id → history.
    var history: [String: [String: History]] = [:]
    var constraints: [LocationConstraint] = []
    /// Resources whose meta target-role is Stopped (set by a restart while it waits).
    var targetStopped: Set<String> = []
    var dc: String?
    var lastChange: LastChange
    var inFlight: InFlight?
    var planAt: Date?
    var scenarioAt: Date?
    var jobs: [Int: Job] = [:]
    private var nextJobID = 1

    mutating func nextJobIDAndBump() -> Int {
        defer { nextJobID += 1 }
        return nextJobID
    }

    init(scenario: DemoScenario, speed: Double, now: Date) {
        self.scenario = scenario
        self.speed = speed > 0 ? speed : 1
        self.now = now
        nodes = Self.nodeNames.enumerated().map { SimNode(name: $1, id: $0 + 1) }
        chain = Self.chain.map { _ in Instance(node: Self.nodeNames[0], phase: .started) }
        dc = Self.nodeNames[0]
        lastChange = LastChange(at: now, user: "hacluster", client: "crmd", origin: Self.nodeNames[0])
        // The cluster booted a while ago: ping everywhere, then the chain on node 1.
        let boot = now - 2 * 3600 - 13 * 60 - 7
        var t = boot
        for i in nodes.indices {
            nodes[i].calls = 9 // probes took the first calls; crm_mon hides "not running" probes
            ping[nodes[i].name] = .started
            nodes[i].pingd = true
            let start = record(node: i, task: "start", interval: 0, rc: 0, at: t + 2.04, exec: 2040)
            let mon = record(node: i, task: "monitor", interval: Self.pingMonitorMs, rc: 0, at: t + 2.05,
                             exec: Self.pingMonitorExecMs)
            history[nodes[i].name, default: [:]][Self.pingID] = History(last: start, monitor: mon)
        }
        t += 2.1
        for spec in Self.chain {
            t += spec.startSeconds
            let start = record(node: 0, task: "start", interval: 0, rc: 0, at: t,
                               exec: Int(spec.startSeconds * 1000))
            let mon = record(node: 0, task: "monitor", interval: spec.monitorIntervalMs, rc: 0, at: t,
                             exec: spec.monitorExecMs)
            history[nodes[0].name, default: [:]][spec.id] = History(last: start, monitor: mon)
        }
        lastChange = LastChange(at: t, user: "hacluster", client: "crmd", origin: Self.nodeNames[0])
        switch scenario {
        case .steady: scenarioAt = now + DemoTiming.hiccupEvery / self.speed
        case .failover: scenarioAt = now + DemoTiming.failoverFirst / self.speed
        }
    }

    // MARK: Time

    /// Runs every event due up to `time`, in order.
    mutating func advance(to time: Date) {
        while let t = nextEventTime(), t <= time {
            step(at: t)
        }
        if time > now { now = time }
    }

    func nextEventTime() -> Date? {
        var times: [Date] = []
        if let end = inFlight?.end { times.append(end) }
        if let planAt { times.append(planAt) }
        if let scenarioAt { times.append(scenarioAt) }
        for n in nodes {
            times += [n.detectAt, n.downAt, n.rejoinAt].compactMap { $0 }
        }
        times += jobs.values.compactMap { $0.waiting?.nextCheck }
        return times.min()
    }

    private mutating func step(at t: Date) {
        if t > now { now = t }
        for i in nodes.indices {
            if let d = nodes[i].detectAt, d <= t { detectLoss(i, at: t) }
            if let d = nodes[i].downAt, d <= t { markDown(i, at: t) }
            if let d = nodes[i].rejoinAt, d <= t { rejoin(i, at: t) }
        }
        if let s = scenarioAt, s <= t { scenarioEvent(at: t) }
        if let end = inFlight?.end, end <= t { complete(at: t) }
        if let p = planAt, p <= t {
            planAt = nil
            if inFlight == nil, let op = nextOperation() { begin(op, at: t) }
        }
        checkJobs(at: t)
    }

    func scaled(_ seconds: Double) -> TimeInterval { seconds / speed }

    // MARK: CIB bookkeeping

    mutating func touch(at t: Date, user: String = "hacluster", client: String = "crmd", origin: String) {
        lastChange = LastChange(at: t, user: user, client: client, origin: origin)
    }

    /// A CIB change: the scheduler runs again, now if idle, else after the running operation.
    mutating func requestPlan(at t: Date) {
        guard inFlight == nil else { return }
        let at = t + scaled(DemoTiming.schedulerDelay)
        if planAt == nil || at < planAt! { planAt = at }
    }

    mutating func record(node i: Int, task: String, interval: Int, rc: Int, at: Date, exec: Int) -> OpRecord {
        nodes[i].calls += 1
        return OpRecord(call: nodes[i].calls, task: task, intervalMs: interval, rc: rc, at: at, execMs: exec)
    }

    func nodeIndex(_ name: String) -> Int? { nodes.firstIndex { $0.name == name } }

    var hasQuorum: Bool { nodes.filter(\.online).count * 2 > nodes.count }

    // MARK: The scheduler

    /// The node the chain should run on, or nil when it cannot run anywhere.
    func desiredNode() -> String? {
        guard hasQuorum else { return nil }
        let ids = Set(Self.chain.map(\.id))
        let eligible = nodes.filter { n in
            n.online && !n.unclean && !n.standby
                && !constraints.contains { $0.kind == .ban && $0.node == n.name && ids.contains($0.resource) }
        }.map(\.name)
        // A cli-prefer (INFINITY) on any member wins: colocation drags the whole chain along.
        for spec in Self.chain {
            if let p = constraints.first(where: { $0.kind == .prefer && $0.resource == spec.id }),
               let n = p.node, eligible.contains(n) { return n }
        }
        // Stickiness: stay where the chain is.
        if let current = chain.lazy.compactMap(\.node).first, eligible.contains(current) { return current }
        return eligible.first
    }

    /// The next operation of the current transition, from the state alone.
    func nextOperation() -> (target: Target, task: OpKind, node: String)? {
        // The ping clone: one instance on each node that may run resources.
        for n in nodes where n.online && !n.unclean {
            let wanted = !n.standby && hasQuorum && !targetStopped.contains(Self.pingCloneID)
            let phase = ping[n.name] ?? .stopped
            if wanted && phase == .stopped { return (.ping(n.name), .start, n.name) }
            if !wanted && phase == .started { return (.ping(n.name), .stop, n.name) }
        }
        // Without fencing nothing can be recovered until an unclean node counts as down.
        if chain.contains(where: { i in i.node.flatMap(nodeIndex).map { nodes[$0].unclean } ?? false }) {
            return nil
        }
        let target = desiredNode()
        let firstStopped = Self.chain.firstIndex { targetStopped.contains($0.id) } ?? chain.count
        // k: the first member that is not (yet) healthy on the target node.
        var k = 0
        if let target {
            while k < firstStopped, chain[k].node == target, chain[k].phase == .started, !chain[k].failed {
                k += 1
            }
        }
        // Order eip → … → pbx: everything from k on stops first, the last one first.
        for j in stride(from: chain.count - 1, through: k, by: -1) {
            if let n = chain[j].node { return (.chain(j), .stop, n) }
        }
        if let target, k < firstStopped { return (.chain(k), .start, target) }
        return nil
    }

    private mutating func begin(_ op: (target: Target, task: OpKind, node: String), at t: Date) {
        let seconds: Double
        switch op.target {
        case .chain(let j):
            let spec = Self.chain[j]
            seconds = op.task == .start ? spec.startSeconds : spec.stopSeconds
            chain[j].node = op.node
            chain[j].phase = op.task == .start ? .starting : .stopping
        case .ping(let n):
            seconds = op.task == .start ? DemoTiming.pingStart : DemoTiming.pingStop
            ping[n] = op.task == .start ? .starting : .stopping
        }
        let dead = nodeIndex(op.node).map { nodes[$0].dead } ?? true
        inFlight = InFlight(target: op.target, task: op.task, node: op.node, begin: t,
                            end: dead ? nil : t + scaled(seconds))
        // record-pending: the pending operation is written to the CIB too.
        touch(at: t, origin: op.node)
    }

    private mutating func complete(at t: Date) {
        guard let op = inFlight, let ni = nodeIndex(op.node) else { inFlight = nil; return }
        inFlight = nil
        let exec = Int((t.timeIntervalSince(op.begin) * 1000).rounded())
        let rid: String
        let monitorMs: Int
        let monitorExec: Int
        switch op.target {
        case .chain(let j):
            rid = Self.chain[j].id
            monitorMs = Self.chain[j].monitorIntervalMs
            monitorExec = Self.chain[j].monitorExecMs
            chain[j].failed = false
            if op.task == .start {
                chain[j].phase = .started
            } else {
                chain[j].phase = .stopped
                chain[j].node = nil
            }
        case .ping(let n):
            rid = Self.pingID
            monitorMs = Self.pingMonitorMs
            monitorExec = Self.pingMonitorExecMs
            ping[n] = op.task == .start ? .started : nil
            if op.task == .start { nodes[ni].pingd = true }
        }
        var h = history[op.node]?[rid] ?? History()
        h.last = record(node: ni, task: op.task == .start ? "start" : "stop", interval: 0, rc: 0, at: t, exec: exec)
        // A start registers the recurring monitor; a stop cancels it (its record goes away).
        h.monitor = op.task == .start
            ? record(node: ni, task: "monitor", interval: monitorMs, rc: 0, at: t, exec: monitorExec) : nil
        history[op.node, default: [:]][rid] = h
        touch(at: t, origin: op.node)
        if let next = nextOperation() { begin(next, at: t) }
    }

    // MARK: Failures and nodes

    /// A recurring monitor returned "not running" (7): recorded, counted, and recovered.
    mutating func monitorFailure(chainIndex j: Int, at t: Date) {
        guard let node = chain[j].node, chain[j].phase == .started, let ni = nodeIndex(node),
              !nodes[ni].dead else { return }
        let spec = Self.chain[j]
        let op = record(node: ni, task: "monitor", interval: spec.monitorIntervalMs, rc: 7, at: t,
                        exec: spec.monitorExecMs)
        var h = history[node]?[spec.id] ?? History()
        h.monitor = op
        h.lastFailure = op
        h.failCount += 1
        h.lastFailureAt = t
        history[node, default: [:]][spec.id] = h
        chain[j].failed = true
        touch(at: t, origin: node)
        requestPlan(at: t)
    }

    /// The node hangs: it stops answering, and the others notice after `DemoTiming.detection`.
    /// If it runs pbx, pbx's monitor fails first (the PBX is what the users notice), so the
    /// failover leaves a failed action behind.
    mutating func nodeFailure(_ name: String, at t: Date) {
        guard let ni = nodeIndex(name), nodes[ni].online, !nodes[ni].dead else { return }
        if let j = chain.indices.last, chain[j].node == name { monitorFailure(chainIndex: j, at: t) }
        nodes[ni].dead = true
        nodes[ni].detectAt = t + scaled(DemoTiming.detection)
        nodes[ni].rejoinAt = t + scaled(DemoTiming.rejoin)
        if inFlight?.node == name { inFlight?.end = nil }
    }

    private mutating func detectLoss(_ i: Int, at t: Date) {
        nodes[i].detectAt = nil
        nodes[i].online = false
        nodes[i].unclean = true
        nodes[i].downAt = t + scaled(DemoTiming.assumedDown - DemoTiming.detection)
        let name = nodes[i].name
        // The transition is aborted; the hung operation's result never arrives.
        if inFlight?.node == name { inFlight = nil }
        if dc == name { dc = nodes.first { $0.online }?.name }
        touch(at: t, origin: dc ?? name)
        requestPlan(at: t)
    }

    private mutating func markDown(_ i: Int, at t: Date) {
        nodes[i].downAt = nil
        nodes[i].unclean = false
        let name = nodes[i].name
        for j in chain.indices where chain[j].node == name {
            chain[j] = Instance()
        }
        ping[name] = nil
        nodes[i].pingd = false
        touch(at: t, origin: dc ?? name)
        requestPlan(at: t)
    }

    private mutating func rejoin(_ i: Int, at t: Date) {
        nodes[i].rejoinAt = nil
        nodes[i].detectAt = nil
        nodes[i].downAt = nil
        nodes[i].dead = false
        nodes[i].online = true
        nodes[i].unclean = false
        // The rejoined node was re-probed: nothing runs there. Failures stay on record (in this
        // demo) until someone cleans them up, so the failover can be inspected afterwards.
        let name = nodes[i].name
        var kept: [String: History] = [:]
        for (rid, h) in history[name] ?? [:] {
            let f = History(lastFailure: h.lastFailure, failCount: h.failCount, lastFailureAt: h.lastFailureAt)
            if !f.isEmpty { kept[rid] = f }
        }
        history[name] = kept
        if dc == nil { dc = name }
        touch(at: t, origin: dc ?? name)
        requestPlan(at: t)
    }

    private mutating func scenarioEvent(at t: Date) {
        switch scenario {
        case .steady:
            scenarioAt = t + scaled(DemoTiming.hiccupEvery)
            if let j = chain.indices.last, !chain[j].failed { monitorFailure(chainIndex: j, at: t) }
        case .failover:
            scenarioAt = t + scaled(DemoTiming.failoverEvery)
            // Only when another node could take over; otherwise the demo would just go dark.
            guard let master = chain.last?.node, chain.last?.phase == .started,
                  nodes.contains(where: { $0.name != master && $0.online && !$0.standby && !$0.dead })
            else { return }
            nodeFailure(master, at: t)
        }
    }
}
