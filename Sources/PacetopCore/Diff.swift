import Foundation

/// Something that changed between two successive statuses, stamped with when it was seen.
public struct ClusterEvent: Sendable, Equatable, Codable {
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

    public var time: Date
    public var kind: Kind

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
        case .masterLost(let f): "master LOST (was \(f))"
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

        out += resourceEvents(old, new)

        let oldFC = Dictionary(old.failCounts().map { ("\($0.resource)\u{0}\($0.node)", $0.count) }, uniquingKeysWith: { a, _ in a })
        let newFC = Dictionary(new.failCounts().map { ("\($0.resource)\u{0}\($0.node)", $0.count) }, uniquingKeysWith: { a, _ in a })
        for c in new.failCounts() {
            let key = "\(c.resource)\u{0}\(c.node)"
            if oldFC[key] != c.count {
                out.append(.failCountChanged(resource: c.resource, node: c.node, from: oldFC[key], to: c.count))
            }
        }
        for c in old.failCounts() where newFC["\(c.resource)\u{0}\(c.node)"] == nil {
            out.append(.failCountChanged(resource: c.resource, node: c.node, from: c.count, to: nil))
        }

        let oldF = Set(old.failures.map { "\($0.opKey)\u{0}\($0.node)" })
        let newF = Set(new.failures.map { "\($0.opKey)\u{0}\($0.node)" })
        for f in new.failures where !oldF.contains("\(f.opKey)\u{0}\(f.node)") {
            out.append(.failedActionAdded(opKey: f.opKey, node: f.node, exitCode: f.exitCode))
        }
        for f in old.failures where !newF.contains("\(f.opKey)\u{0}\(f.node)") {
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
    private static func resourceEvents(_ old: ClusterStatus, _ new: ClusterStatus) -> [ClusterEvent.Kind] {
        struct Placement: Hashable { var node: String; var role: String }
        func placements(_ s: ClusterStatus) -> ([String], [String: [Placement]], [String: Bool]) {
            var order: [String] = []
            var map: [String: [Placement]] = [:]
            var failed: [String: Bool] = [:]
            for p in s.primitives() {
                let id = p.resource.id
                if map[id] == nil { order.append(id); map[id] = [] }
                let role = p.resource.role?.description ?? "Started"
                for n in p.resource.nodes { map[id]!.append(Placement(node: n, role: role)) }
                failed[id] = (failed[id] ?? false) || p.resource.failed
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
            let fa = failedBefore[id] ?? false, fb = failedAfter[id] ?? false
            if !fa, fb { out.append(.resourceFailed(resource: id)) }
            if fa, !fb, before[id] != nil { out.append(.resourceRecovered(resource: id)) }
        }
        return out
    }
}

/// Measures a failover: from the first status where the master is lost (its node gone or the
/// anchor not running there) to the first where every chain member runs on one other node.
public struct FailoverTracker: Sendable, Equatable {
    public struct Failover: Sendable, Equatable, Codable {
        public var from: String
        public var to: String
        public var lostAt: Date
        public var restoredAt: Date
        public var seconds: Double { restoredAt.timeIntervalSince(lostAt) }
    }

    public var layout: MasterLayout
    /// The master while all is well.
    public private(set) var master: String?
    /// When the master was seen lost, and from which node.
    public private(set) var lostSince: (node: String, at: Date)?

    public init(layout: MasterLayout = .portSIP) { self.layout = layout }

    public static func == (a: FailoverTracker, b: FailoverTracker) -> Bool {
        a.layout == b.layout && a.master == b.master && a.lostSince?.node == b.lostSince?.node
            && a.lostSince?.at == b.lostSince?.at
    }

    /// Feed each new status; returns a failover when one just completed.
    public mutating func observe(_ status: ClusterStatus, at time: Date) -> Failover? {
        let chain = status.chainMembers(layout)
        let current = status.master(layout)
        let complete: String? = current.flatMap { m in
            chain.allSatisfy { id in
                status.primitives().contains { $0.resource.id == id && $0.resource.nodes == [m]
                    && ($0.resource.role.map { !$0.isPending && $0.isActive } ?? true) }
            } ? m : nil
        }
        if let lost = lostSince {
            if let m = complete {
                lostSince = nil
                master = m
                return m == lost.node ? nil : Failover(from: lost.node, to: m, lostAt: lost.at, restoredAt: time)
            }
            return nil
        }
        guard let previous = master else {
            master = complete
            return nil
        }
        let masterNodeUp = status.node(named: previous).map { $0.online && !$0.unclean } ?? false
        if current != previous || !masterNodeUp || complete == nil {
            if let m = complete, m != previous, masterNodeUp {
                // Moved between two polls (e.g. a planned move): no loss observed in between.
                master = m
                return nil
            }
            lostSince = (previous, time)
        }
        return nil
    }
}
