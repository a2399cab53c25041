import FoundationEssentials

/// Which resource marks "the master" and which resources should run with it. For the PortSIP
/// cluster the seven resources form one colocated chain anchored by `pbx`.
public struct MasterLayout: Sendable, Equatable, Codable {
    /// The resource whose node is "the master" (`pbx` for PortSIP).
    public var anchor: String
    /// The colocated chain in start order; only members present in a status are considered.
    public var chain: [String]

    /// The PortSIP chain: elastic IP, private IP, VIP, source packet IP, EBS volume, filesystem, then `pbx`.
    public static let portSIP = MasterLayout(
        anchor: "pbx", chain: ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"])

    /// A layout with its anchor and chain in start order.
    public init(anchor: String, chain: [String]) {
        self.anchor = anchor
        self.chain = chain
    }
}

/// A primitive with what its parents say about it.
public struct PrimitiveEntry: Sendable, Equatable {
    /// The primitive itself, as crm_mon reported it.
    public var resource: Resource
    /// Ids of the enclosing group/clone/bundle, outermost first.
    public var parents: [String]
    /// Inside a clone or bundle: instances share ids and some are normally stopped.
    public var inCollective: Bool
    /// Target-role Stopped or a disabled parent: stopped on purpose.
    public var meantToBeStopped: Bool
    /// Managed as far as the whole tree says (a parent may be unmanaged).
    public var managed: Bool
}

/// Why a cluster is not healthy: typed, so the panes can tell which reasons they list
/// themselves; `description` is the text the header, `--once` and `--json` show.
public enum HealthReason: Sendable, Equatable, CustomStringConvertible {
    case noDC
    case noQuorum
    case stopAllResources
    case unclean(node: String)
    /// The anchor (pbx) runs nowhere: the service is down.
    case anchorNotRunning(resource: String)
    case activeOnSeveralNodes(resource: String, count: Int)
    case maintenanceMode
    /// A node offline, in standby, in maintenance, pending or shutting down.
    case node(String, NodeState)
    case healthRed(node: String)
    case notRunning(resource: String)
    case offMaster(resource: String, master: String)
    case failed(resource: String)
    case unmanaged(resource: String)
    case blocked(resource: String)
    case failedActions(count: Int)
    /// Non-zero fail counts: how many, and the first one.
    case failCounts(count: Int, resource: String, node: String)
    /// A move/ban constraint left behind.
    case constraint(LocationConstraint)
    /// corosync, pacemaker or pcsd stopped or not enabled on a node.
    case daemon(DaemonState, node: String)

    /// The reason as the user reads it (header, --once, --json).
    public var description: String {
        switch self {
        case .noDC: "no DC elected"
        case .noQuorum: "partition has no quorum"
        case .stopAllResources: "stop-all-resources is set"
        case .unclean(let n): "\(n) is UNCLEAN"
        case .anchorNotRunning(let r), .notRunning(let r): "\(r) is not running"
        case .activeOnSeveralNodes(let r, let count): "\(r) is active on \(count) nodes"
        case .maintenanceMode: "cluster is in maintenance mode"
        case .node(let n, let state):
            switch state {
            case .offline: "\(n) is offline"
            case .standby: "\(n) is in standby"
            case .maintenance: "\(n) is in maintenance"
            case .pending: "\(n) is pending"
            case .shutdown: "\(n) is shutting down"
            case .unclean: "\(n) is UNCLEAN"
            case .online: "\(n) is online"
            }
        case .healthRed(let n): "\(n) health is red"
        case .offMaster(let r, let master): "\(r) is not on the master \(master)"
        case .failed(let r): "\(r) has failed"
        case .unmanaged(let r): "\(r) is unmanaged"
        case .blocked(let r): "\(r) is blocked"
        case .failedActions(let count): count == 1 ? "1 failed action" : "\(count) failed actions"
        case .failCounts(let count, let r, let n): count == 1 ? "fail count on \(r)@\(n)" : "\(count) non-zero fail counts"
        case .constraint(let c):
            c.kind == .prefer ? "\(c.resource) pinned to \(c.node ?? "?") by \(c.id)"
                : "\(c.resource) banned from \(c.node ?? "?") by \(c.id)"
        case .daemon(let d, let n): d.problem(on: n) ?? "\(d.name) on \(n)"
        }
    }

    /// Failed actions, fail counts and constraints have rows of their own in the problems pane.
    public var hasOwnProblemRows: Bool {
        switch self {
        case .failedActions, .failCounts, .constraint: true
        default: false
        }
    }
}

/// How healthy the cluster is overall, and why: the header's verdict and `--once`'s exit code.
public struct HealthVerdict: Sendable, Equatable, Encodable {
    /// Overall state: ok, degraded (works, needs attention) or critical (service at risk or down).
    public enum Level: String, Sendable, Codable, Comparable {
        case ok, degraded, critical
        /// Orders levels by severity: ok < degraded < critical.
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
        private var rank: Int {
            switch self {
            case .ok: 0
            case .degraded: 1
            case .critical: 2
            }
        }
    }

    /// The worst level any reason reached.
    public var level: Level
    /// Most severe first.
    public var reasons: [HealthReason]

    /// A verdict with its reasons, most severe first.
    public init(level: Level, reasons: [HealthReason]) {
        self.level = level
        self.reasons = reasons
    }

    /// The reasons as the user reads them.
    public var texts: [String] { reasons.map(\.description) }

    /// The `pacetop --once` exit code for this verdict (0 ok, 1 degraded, 2 critical).
    public var exitCode: OnceExitCode {
        switch level {
        case .ok: .ok
        case .degraded: .degraded
        case .critical: .critical
        }
    }

    private enum CodingKeys: String, CodingKey { case level, reasons }

    /// `--json` keeps reasons as text.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(level, forKey: .level)
        try c.encode(texts, forKey: .reasons)
    }
}

/// What a primitive's parents say about it, for `forEachPrimitive`.
public struct PrimitiveContext: Sendable, Equatable {
    /// Inside a clone or bundle: instances share ids and some are normally stopped.
    public var inCollective: Bool
    /// Target-role Stopped or a disabled parent: stopped on purpose.
    public var meantToBeStopped: Bool
    /// Managed as far as the whole tree says (a parent may be unmanaged).
    public var managed: Bool
}

extension ClusterStatus {
    /// Calls `body` for every primitive in tree order, without copying the tree: the hot
    /// paths (health, rows, diff) walk 2,000 resources per poll.
    public func forEachPrimitive(_ body: (borrowing Resource, PrimitiveContext) -> Void) {
        func walk(_ r: borrowing Resource, _ context: PrimitiveContext) {
            var context = context
            context.meantToBeStopped = context.meantToBeStopped || r.meantToBeStopped
            context.managed = context.managed && r.managed
            if r.kind == .primitive {
                body(r, context)
                return
            }
            context.inCollective = context.inCollective || r.kind == .clone || r.kind == .promotable || r.kind == .bundle
            for i in r.children.indices { walk(r.children[i], context) }
        }
        let top = PrimitiveContext(inCollective: false, meantToBeStopped: false, managed: true)
        for i in resources.indices { walk(resources[i], top) }
    }

    /// Every primitive in tree order, with what its parents imply.
    public func primitives() -> [PrimitiveEntry] {
        var out: [PrimitiveEntry] = []
        func walk(_ r: Resource, parents: [String], collective: Bool, stopped: Bool, managed: Bool) {
            let stopped = stopped || r.meantToBeStopped
            let managed = managed && r.managed
            if r.kind == .primitive {
                out.append(PrimitiveEntry(resource: r, parents: parents, inCollective: collective,
                                          meantToBeStopped: stopped, managed: managed))
                return
            }
            let collective = collective || r.kind == .clone || r.kind == .promotable || r.kind == .bundle
            for c in r.children {
                walk(c, parents: parents + [r.id], collective: collective, stopped: stopped, managed: managed)
            }
        }
        for r in resources { walk(r, parents: [], collective: false, stopped: false, managed: true) }
        return out
    }

    /// Nodes where any instance of `resourceID` is active, in first-seen order.
    public func nodesRunning(_ resourceID: String) -> [String] {
        var seen: [String] = []
        forEachPrimitive { r, _ in
            guard r.id == resourceID else { return }
            for n in r.nodes where !seen.contains(n) { seen.append(n) }
        }
        return seen
    }

    /// The node with this name, if the status lists it.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// The node the anchor resource runs on; nil when it runs nowhere (or is absent).
    public func master(_ layout: MasterLayout = .portSIP) -> String? {
        var master: String?
        forEachPrimitive { r, _ in
            guard master == nil, r.id == layout.anchor, r.role?.isActive ?? !r.nodes.isEmpty else { return }
            master = r.nodes.first
        }
        return master
    }

    /// The chain members this cluster actually has, in chain order.
    public func chainMembers(_ layout: MasterLayout = .portSIP) -> [String] {
        var ids = Set<String>()
        forEachPrimitive { r, _ in ids.insert(r.id) }
        return Self.chainMembers(layout, present: ids)
    }

    private static func chainMembers(_ layout: MasterLayout, present ids: Set<String>) -> [String] {
        let present = layout.chain.filter(ids.contains)
        return present.isEmpty && ids.contains(layout.anchor) ? [layout.anchor] : present
    }

    /// Fail count of a resource on a node (nil when none is recorded).
    public func failCount(resource: String, node: String) -> FailCount? {
        history.first { $0.node == node }?.resources.first { $0.id == resource }?.failCount
    }

    /// Every non-zero fail count: (resource, node, count), in history order.
    public func failCounts() -> [(resource: String, node: String, count: FailCount)] {
        history.flatMap { h in
            h.resources.compactMap { r in
                guard let c = r.failCount, !c.isZero else { return nil }
                return (r.id, h.node, c)
            }
        }
    }

    /// Move/ban constraints left behind by `crm_resource --move/--ban`: from the CIB when the
    /// source fetched it, otherwise the `cli-ban-*` entries crm_mon lists under `<bans>`.
    public func lingeringConstraints() -> [LocationConstraint] {
        if let cliConstraints { return cliConstraints }
        return bans.filter { $0.id.hasPrefix("cli-ban-") }.map {
            LocationConstraint(id: $0.id, kind: .ban, resource: $0.resource, node: $0.node,
                               score: $0.weight.map(String.init))
        }
    }

    /// Primitives that should run but run nowhere (a collective counts once, when no
    /// instance runs at all).
    public func notRunning() -> [String] {
        var out: [String] = []
        var listed = Set<String>()
        // Collective ids in first-seen order, and whether an instance meant to run runs.
        var collectives: [String] = []
        var collectiveSeen = Set<String>()
        var collectiveActive: [String: Bool] = [:]
        forEachPrimitive { r, c in
            if c.inCollective {
                if collectiveSeen.insert(r.id).inserted { collectives.append(r.id) }
                if !c.meantToBeStopped { collectiveActive[r.id] = (collectiveActive[r.id] ?? false) || !r.nodes.isEmpty }
            } else if !c.meantToBeStopped, r.nodes.isEmpty, listed.insert(r.id).inserted {
                out.append(r.id)
            }
        }
        for id in collectives where collectiveActive[id] == false && listed.insert(id).inserted { out.append(id) }
        return out
    }

    /// ok / degraded / critical, with the reasons an on-call engineer needs first. One walk
    /// over the resource tree.
    public func health(_ layout: MasterLayout = .portSIP) -> HealthVerdict {
        var critical: [HealthReason] = []
        var degraded: [HealthReason] = []
        let s = summary
        if s.dc == nil { critical.append(.noDC) }
        if s.quorum == false { critical.append(.noQuorum) }
        if s.stopAllResources { critical.append(.stopAllResources) }
        for n in nodes where n.unclean { critical.append(.unclean(node: n.name)) }

        var anchorSeen = false, anchorAllStopped = true
        var master: String?
        var ids = Set<String>()
        var runningOn: [String: [String]] = [:]
        var multiActive: [HealthReason] = []
        var failed: [String] = [], unmanaged: [String] = [], blocked: [String] = []
        var failedSeen = Set<String>(), unmanagedSeen = Set<String>(), blockedSeen = Set<String>()
        let chain = Set(layout.chain)
        forEachPrimitive { r, c in
            ids.insert(r.id)
            if r.id == layout.anchor {
                anchorSeen = true
                anchorAllStopped = anchorAllStopped && c.meantToBeStopped
                if master == nil, r.role?.isActive ?? !r.nodes.isEmpty { master = r.nodes.first }
            }
            if chain.contains(r.id) {
                for n in r.nodes where !(runningOn[r.id]?.contains(n) ?? false) { runningOn[r.id, default: []].append(n) }
            }
            if !c.inCollective && r.nodes.count > 1 && r.role != .migrating {
                multiActive.append(.activeOnSeveralNodes(resource: r.id, count: r.nodes.count))
            }
            if r.failed && failedSeen.insert(r.id).inserted { failed.append(r.id) }
            if !c.managed && unmanagedSeen.insert(r.id).inserted { unmanaged.append(r.id) }
            if r.blocked && blockedSeen.insert(r.id).inserted { blocked.append(r.id) }
        }
        if anchorSeen, master == nil, !anchorAllStopped {
            critical.append(.anchorNotRunning(resource: layout.anchor))
        }
        critical += multiActive
        if s.maintenanceMode { degraded.append(.maintenanceMode) }
        for n in nodes {
            switch n.state {
            case .offline, .standby, .maintenance, .pending, .shutdown: degraded.append(.node(n.name, n.state))
            case .online, .unclean: break
            }
            if n.health == .red { degraded.append(.healthRed(node: n.name)) }
            for d in daemons?[n.name] ?? [] where d.problem(on: n.name) != nil { degraded.append(.daemon(d, node: n.name)) }
        }
        for id in notRunning() where id != layout.anchor { degraded.append(.notRunning(resource: id)) }
        if let master {
            for id in Self.chainMembers(layout, present: ids) where id != layout.anchor {
                let on = runningOn[id] ?? []
                if !on.isEmpty, !on.contains(master) { degraded.append(.offMaster(resource: id, master: master)) }
            }
        }
        degraded += failed.map { .failed(resource: $0) }
        degraded += unmanaged.map { .unmanaged(resource: $0) }
        degraded += blocked.map { .blocked(resource: $0) }
        if !failures.isEmpty { degraded.append(.failedActions(count: failures.count)) }
        let counts = failCounts()
        if let first = counts.first {
            degraded.append(.failCounts(count: counts.count, resource: first.resource, node: first.node))
        }
        for c in lingeringConstraints() { degraded.append(.constraint(c)) }
        if !critical.isEmpty { return HealthVerdict(level: .critical, reasons: critical + degraded) }
        if !degraded.isEmpty { return HealthVerdict(level: .degraded, reasons: degraded) }
        return HealthVerdict(level: .ok, reasons: [])
    }
}

extension ClusterStatus {
    /// Something is on its way from one state to another: a node joining, leaving or lost
    /// without being fenced yet, or a resource starting, stopping, migrating, promoting or
    /// demoting. crm_mon has no "transition in progress" flag; these are what it shows of one.
    public var inTransition: Bool {
        if nodes.contains(where: { $0.pending || $0.unclean || $0.shutdown }) { return true }
        var pending = false
        forEachPrimitive { r, _ in
            if pending { return }
            if r.role?.isPending == true { pending = true }
            // record-pending shows an operation in progress as "Starting", "Stopping", …
            else if let p = r.pending?.lowercased(), Self.transitionOps.contains(p) { pending = true }
        }
        return pending
    }

    private static let transitionOps: Set<String> = ["starting", "stopping", "migrating", "promoting", "demoting"]
}

extension ResourceHistory {
    /// The fail count has reached `migration-threshold` (unset: INFINITY; 0 turns it off): the
    /// resource may not run on this node until its fail count is cleaned up.
    public var thresholdReached: Bool {
        guard let count = failCount, !count.isZero else { return false }
        let threshold = migrationThreshold.flatMap { FailCount($0) } ?? (migrationThreshold == nil ? .infinity : nil)
        guard let threshold, !threshold.isZero else { return false }
        return count >= threshold
    }
}
