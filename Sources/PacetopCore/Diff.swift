import FoundationEssentials
import PacetopBase

/// Something that changed between two successive statuses, stamped with when it was seen.
public struct ClusterEvent: Sendable, Equatable, Codable {
    /// What changed: nodes joining, leaving or changing mode, resources starting, stopping or moving, the master moving, quorum, DC, fail counts, failed actions, constraints.
    public enum Kind: Sendable, Equatable, Hashable, Codable {
        case nodeOnline(node: String)
        case nodeOffline(node: String)
        case nodeUnclean(node: String)
        case standbyOn(node: String)
        case standbyOff(node: String)
        case nodeMaintenanceOn(node: String)
        case nodeMaintenanceOff(node: String)
        case resourceStarted(resource: String, node: String)
        case resourceStopped(resource: String, node: String)
        case resourceMoved(resource: String, from: String, to: String)
        case roleChanged(resource: String, node: String, from: String, to: String)
        case resourceFailed(resource: String)
        case resourceRecovered(resource: String)
        case masterMoved(from: String, to: String)
        case masterLost(from: String)
        case masterElected(node: String)
        case quorumLost
        case quorumRegained
        case dcChanged(from: String?, to: String?)
        case maintenanceModeOn
        case maintenanceModeOff
        case failCountChanged(resource: String, node: String, from: FailCount?, to: FailCount?)
        case failedActionAdded(opKey: String, node: String, exitCode: Int)
        case failedActionCleared(opKey: String, node: String)
        case constraintAdded(id: String)
        case constraintRemoved(id: String)
    }

    /// When pacetop saw the change (the poll time), not when the cluster made it.
    public var time: Date
    /// What changed; see `Kind`.
    public var kind: Kind

    /// An event seen at `time`.
    public init(time: Date, kind: Kind) {
        self.time = time
        self.kind = kind
    }

    /// How bad it is, for colour and for the timeline's marks.
    public var severity: HealthVerdict.Level {
        switch kind {
        case .nodeOffline, .standbyOn, .nodeMaintenanceOn, .resourceStopped, .failCountChanged,
             .failedActionAdded, .constraintAdded, .maintenanceModeOn, .dcChanged:
            .degraded
        case .nodeUnclean, .resourceFailed, .masterLost, .quorumLost:
            .critical
        default:
            .ok
        }
    }

    /// One line for the timeline, e.g. "pbx moved node1 → node2".
    public var text: String {
        switch kind {
        case .nodeOnline(let n): "\(n) online"
        case .nodeOffline(let n): "\(n) OFFLINE"
        case .nodeUnclean(let n): "\(n) UNCLEAN"
        case .standbyOn(let n): "\(n) standby"
        case .standbyOff(let n): "\(n) out of standby"
        case .nodeMaintenanceOn(let n): "\(n) maintenance on"
        case .nodeMaintenanceOff(let n): "\(n) maintenance off"
        case .resourceStarted(let r, let n): "\(r) started on \(n)"
        case .resourceStopped(let r, let n): "\(r) stopped on \(n)"
        case .resourceMoved(let r, let f, let t): "\(r) moved \(f) → \(t)"
        case .roleChanged(let r, let n, let f, let t): "\(r) \(f) → \(t) on \(n)"
        case .resourceFailed(let r): "\(r) FAILED"
        case .resourceRecovered(let r): "\(r) recovered"
        case .masterMoved(let f, let t): "master moved \(f) → \(t)"
        case .masterLost(let f): "no master: the anchor stopped (was on \(f))"
        case .masterElected(let n): "master is \(n)"
        case .quorumLost: "quorum LOST"
        case .quorumRegained: "quorum regained"
        case .dcChanged(let f, let t): "DC \(f ?? "none") → \(t ?? "none")"
        case .maintenanceModeOn: "maintenance-mode on"
        case .maintenanceModeOff: "maintenance-mode off"
        case .failCountChanged(let r, let n, let f, let t):
            "\(r) fail count on \(n): \(f?.description ?? "0") → \(t?.description ?? "0")"
        case .failedActionAdded(let k, let n, let c): "failed action \(k) on \(n) (rc \(c))"
        case .failedActionCleared(let k, let n): "failed action \(k) on \(n) cleared"
        case .constraintAdded(let id): "constraint \(id) added"
        case .constraintRemoved(let id): "constraint \(id) removed"
        }
    }
}

/// Turns two successive statuses into the events between them.
public enum ClusterDiff {
    /// The events that turn `old` into `new`, in a stable order: cluster, nodes, master,
    /// resources, failures, constraints.
    public static func events(from old: ClusterStatus, to new: ClusterStatus, at time: Date,
                              layout: MasterLayout = .portSIP) -> [ClusterEvent] {
        var out: [ClusterEvent.Kind] = []
        let o = old.summary, n = new.summary
        if o.quorum != false, n.quorum == false { out.append(.quorumLost) }
        if o.quorum == false, n.quorum == true { out.append(.quorumRegained) }
        if o.dc != n.dc { out.append(.dcChanged(from: o.dc, to: n.dc)) }
        if !o.maintenanceMode, n.maintenanceMode { out.append(.maintenanceModeOn) }
        if o.maintenanceMode, !n.maintenanceMode { out.append(.maintenanceModeOff) }

        let oldNodes = Dictionary(old.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for node in new.nodes {
            guard let before = oldNodes[node.name] else {
                if node.online { out.append(.nodeOnline(node: node.name)) }
                continue
            }
            if before.unclean != node.unclean, node.unclean { out.append(.nodeUnclean(node: node.name)) }
            if before.online, !node.online { out.append(.nodeOffline(node: node.name)) }
            if !before.online, node.online { out.append(.nodeOnline(node: node.name)) }
            let sb = before.standby || before.standbyOnFail, sn = node.standby || node.standbyOnFail
            if !sb, sn { out.append(.standbyOn(node: node.name)) }
            if sb, !sn { out.append(.standbyOff(node: node.name)) }
            if !before.maintenance, node.maintenance { out.append(.nodeMaintenanceOn(node: node.name)) }
            if before.maintenance, !node.maintenance { out.append(.nodeMaintenanceOff(node: node.name)) }
        }

        let mo = old.master(layout), mn = new.master(layout)
        switch (mo, mn) {
        case (let a?, let b?) where a != b: out.append(.masterMoved(from: a, to: b))
        case (let a?, nil): out.append(.masterLost(from: a))
        case (nil, let b?): out.append(.masterElected(node: b))
        default: break
        }

        // crm_mon reports no history for a node that is not online: its fail counts and failed
        // actions did not change when it dropped out or came back, they were just not reported.
        let reported = Set(old.nodes.filter(\.online).map(\.name)).intersection(new.nodes.filter(\.online).map(\.name))

        out += resourceEvents(old, new, reported: reported)

        let oldFC = Dictionary(old.failCounts().map { ("\($0.resource)\u{0}\($0.node)", $0.count) }, uniquingKeysWith: { a, _ in a })
        let newFC = Dictionary(new.failCounts().map { ("\($0.resource)\u{0}\($0.node)", $0.count) }, uniquingKeysWith: { a, _ in a })
        for c in new.failCounts() where reported.contains(c.node) {
            let key = "\(c.resource)\u{0}\(c.node)"
            if oldFC[key] != c.count {
                out.append(.failCountChanged(resource: c.resource, node: c.node, from: oldFC[key], to: c.count))
            }
        }
        for c in old.failCounts() where newFC["\(c.resource)\u{0}\(c.node)"] == nil && reported.contains(c.node) {
            out.append(.failCountChanged(resource: c.resource, node: c.node, from: c.count, to: nil))
        }

        let oldF = Set(old.failures.map { "\($0.opKey)\u{0}\($0.node)" })
        let newF = Set(new.failures.map { "\($0.opKey)\u{0}\($0.node)" })
        for f in new.failures where !oldF.contains("\(f.opKey)\u{0}\(f.node)") && reported.contains(f.node) {
            out.append(.failedActionAdded(opKey: f.opKey, node: f.node, exitCode: f.exitCode))
        }
        for f in old.failures where !newF.contains("\(f.opKey)\u{0}\(f.node)") && reported.contains(f.node) {
            out.append(.failedActionCleared(opKey: f.opKey, node: f.node))
        }

        // Constraints are only comparable when both sides know them.
        let oc = old.lingeringConstraints().map(\.id), nc = new.lingeringConstraints().map(\.id)
        if old.cliConstraints != nil || new.cliConstraints == nil {
            for id in nc where !oc.contains(id) { out.append(.constraintAdded(id: id)) }
            if new.cliConstraints != nil || old.cliConstraints == nil {
                for id in oc where !nc.contains(id) { out.append(.constraintRemoved(id: id)) }
            }
        }
        return out.map { ClusterEvent(time: time, kind: $0) }
    }

    /// Per resource id: where its instances run and in which role. A single instance that
    /// leaves one node and appears on another is a move; anything else is stops and starts.
    private static func resourceEvents(_ old: ClusterStatus, _ new: ClusterStatus,
                                       reported: Set<String>) -> [ClusterEvent.Kind] {
        struct Placement: Hashable { var node: String; var role: String }
        // Per id: the nodes of its failed instances (empty: not failed).
        func placements(_ s: ClusterStatus) -> ([String], [String: [Placement]], [String: Set<String>]) {
            var order: [String] = []
            var map: [String: [Placement]] = [:]
            var failed: [String: Set<String>] = [:]
            s.forEachPrimitive { r, _ in
                let id = r.id
                if map[id] == nil { order.append(id); map[id] = [] }
                let role = r.role?.description ?? "Started"
                for n in r.nodes { map[id]!.append(Placement(node: n, role: role)) }
                if r.failed { failed[id, default: []].formUnion(r.nodes.isEmpty ? [""] : r.nodes) }
            }
            return (order, map, failed)
        }
        let (_, before, failedBefore) = placements(old)
        let (order, after, failedAfter) = placements(new)
        var out: [ClusterEvent.Kind] = []
        for id in order {
            let a = before[id] ?? [], b = after[id] ?? []
            let nodesA = a.map(\.node), nodesB = b.map(\.node)
            let gone = nodesA.filter { !nodesB.contains($0) }
            let came = nodesB.filter { !nodesA.contains($0) }
            if gone.count == 1, came.count == 1, a.count == 1, b.count == 1 {
                out.append(.resourceMoved(resource: id, from: gone[0], to: came[0]))
            } else {
                for n in gone { out.append(.resourceStopped(resource: id, node: n)) }
                for n in came { out.append(.resourceStarted(resource: id, node: n)) }
            }
            for pb in b {
                if let pa = a.first(where: { $0.node == pb.node }), pa.role != pb.role {
                    out.append(.roleChanged(resource: id, node: pb.node, from: pa.role, to: pb.role))
                }
            }
            let fa = failedBefore[id] ?? [], fb = failedAfter[id] ?? []
            if fa.isEmpty, !fb.isEmpty { out.append(.resourceFailed(resource: id)) }
            // Not "recovered" when the failed instance's node merely dropped out of sight.
            if !fa.isEmpty, fb.isEmpty, before[id] != nil, !fa.isDisjoint(with: reported.union([""])) {
                out.append(.resourceRecovered(resource: id))
            }
        }
        return out
    }
}

/// Measures a failover: from the loss of the master (its node gone or the anchor not running
/// there) to the first status where every chain member runs on one other node.
///
/// The cluster itself only notices a dead node after Corosync's token and consensus timeouts,
/// and so does anyone reading crm_mon. When the old master's node is gone and the status says
/// how long that detection takes, the loss is dated that long before recovery began (the first
/// chain start the cluster recorded). The end is the last chain start's completion as the
/// cluster recorded it, when that is known.
public struct FailoverTracker: Sendable, Equatable {
    /// One completed move of the master (the anchor and its chain) from one node to another.
    public struct Failover: Sendable, Equatable, Codable {
        /// Node the master ran on before.
        public var from: String
        /// Node the whole chain now runs on.
        public var to: String
        /// When the master was lost (estimated back by the detection time when a node died).
        public var lostAt: Date
        /// When every chain member was started on the new node.
        public var restoredAt: Date
        /// The old master's node was lost (a failover) rather than handing over (a switchover).
        public var nodeLost: Bool
        /// Seconds of the duration spent before the cluster noticed, when estimated.
        public var detectionSeconds: Double?
        /// Loss and recovery fell between two polls and nothing better was known: the
        /// duration is at most `seconds`.
        public var upperBound: Bool
        /// How long the service was down, from loss to restore; never negative.
        public var seconds: Double { max(0, restoredAt.timeIntervalSince(lostAt)) }

        /// "FAILOVER a → b in 8.6 s (8.0 s to detect)", "SWITCHOVER a → b in 11.2 s".
        public var text: String {
            let what = nodeLost ? "FAILOVER" : "SWITCHOVER"
            let d = detectionSeconds.map { cFormat(" (%.1f s to detect)", $0) } ?? ""
            return "\(what) \(from) → \(to) in \(upperBound ? "≤ " : "")\(cFormat("%.1f", seconds)) s\(d)"
        }
    }

    /// Which resources make up the master (the anchor and its colocated chain).
    public var layout: MasterLayout
    /// The master while all is well.
    public private(set) var master: String?
    /// Node the master was lost from, and when that was first seen.
    public private(set) var lostNode: String?
    /// When the loss was first seen (by a poll).
    public private(set) var lostAt: Date?
    /// The previous observation, the latest time the master was seen fine.
    public private(set) var lastSeen: Date?

    /// A tracker with no master known yet; the first status sets it.
    public init(layout: MasterLayout = .portSIP) { self.layout = layout }

    /// Feed each new status; returns a failover when one just completed.
    public mutating func observe(_ status: ClusterStatus, at time: Date) -> Failover? {
        defer { lastSeen = time }
        let complete = Self.completeMaster(status, layout)
        if let lostNode, let lostAt {
            guard let m = complete else { return nil }
            self.lostNode = nil
            self.lostAt = nil
            master = m
            guard m != lostNode else { return nil }
            return Self.measure(status, from: lostNode, to: m, layout, seenLost: lostAt, seenBack: time, betweenPolls: false)
        }
        guard let previous = master else {
            master = complete
            return nil
        }
        if complete == previous { return nil }
        if let m = complete, let seen = lastSeen {
            master = m
            return Self.measure(status, from: previous, to: m, layout, seenLost: seen, seenBack: time, betweenPolls: true)
        }
        lostNode = previous
        lostAt = time
        return nil
    }

    private static func measure(_ status: ClusterStatus, from old: String, to new: String, _ layout: MasterLayout,
                                seenLost: Date, seenBack: Date, betweenPolls: Bool) -> Failover {
        let nodeLost = status.node(named: old).map { !$0.online || $0.unclean } ?? true
        let starts = chainStarts(status, on: new, layout)
        // Starts recorded after we saw the loss, or (a dead node) up to the detection time before.
        let detection = nodeLost ? status.nodeLossDetectionSeconds : nil
        let earliest = seenLost.addingTimeInterval(-(detection ?? 0) - 2)
        let usable = starts.flatMap { $0.first >= earliest && $0.first <= seenBack ? $0 : nil }
        let restoredAt = usable.map { min($0.last, seenBack) } ?? seenBack
        var lostAt = seenLost
        var estimated = false
        if let detection {
            // The cluster began recovering right after it noticed, `detection` after the loss.
            let noticed = usable?.first ?? seenLost
            lostAt = noticed.addingTimeInterval(-detection)
            estimated = true
        }
        return Failover(from: old, to: new, lostAt: min(lostAt, restoredAt), restoredAt: restoredAt,
                        nodeLost: nodeLost, detectionSeconds: estimated ? detection : nil,
                        upperBound: betweenPolls && !estimated)
    }

    /// The node where every chain member is started (and nothing is pending), if any.
    static func completeMaster(_ status: ClusterStatus, _ layout: MasterLayout) -> String? {
        guard let m = status.master(layout) else { return nil }
        let prims = status.primitives()
        let ok = status.chainMembers(layout).allSatisfy { id in
            prims.contains { $0.resource.id == id && $0.resource.nodes == [m]
                && ($0.resource.role.map { !$0.isPending && $0.isActive } ?? true) }
        }
        return ok ? m : nil
    }

    /// When the first chain start began and the last one completed on `node`, from the
    /// operation history; nil when any member's start is not recorded.
    static func chainStarts(_ status: ClusterStatus, on node: String, _ layout: MasterLayout) -> (first: Date, last: Date)? {
        guard let h = status.history.first(where: { $0.node == node }) else { return nil }
        var first: Date?, last: Date?
        for id in status.chainMembers(layout) {
            guard let r = h.resources.first(where: { $0.id == id }),
                  let op = r.operations.last(where: { $0.task == "start" && $0.rc == 0 }),
                  // Zone-less history times read as UTC (pacetop runs crm_mon with TZ=UTC; a
                  // span only needs one clock for all of them).
                  let t = op.lastRCChange.flatMap({ CrmTime.date($0, nodeOffset: 0) }) else { return nil }
            let end = t.addingTimeInterval(Double(op.execTimeMs ?? 0) / 1000)
            first = min(first ?? t, t)
            last = max(last ?? end, end)
        }
        guard let first, let last else { return nil }
        return (first, last)
    }
}
