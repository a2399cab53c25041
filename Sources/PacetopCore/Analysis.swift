import FoundationEssentials

/// Which resource marks "the master" and which resources should run with it. For the PortSIP
/// cluster the seven resources form one colocated chain anchored by `pbx`.
public struct MasterLayout: Sendable, Equatable, Codable {
    public var anchor: String
    /// The colocated chain in start order; only members present in a status are considered.
    public var chain: [String]

    public static let portSIP = MasterLayout(
        anchor: "pbx", chain: ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"])

    public init(anchor: String, chain: [String]) {
        self.anchor = anchor
        self.chain = chain
    }
}

/// A primitive with what its parents say about it.
public struct PrimitiveEntry: Sendable, Equatable {
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

public struct HealthVerdict: Sendable, Equatable, Codable {
    public enum Level: String, Sendable, Codable, Comparable {
        case ok, degraded, critical
        public static func < (a: Level, b: Level) -> Bool {
            let order: [Level] = [.ok, .degraded, .critical]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public var level: Level
    /// Most severe first.
    public var reasons: [String]

    public init(level: Level, reasons: [String]) {
        self.level = level
        self.reasons = reasons
    }

    public var exitCode: OnceExitCode {
        switch level {
        case .ok: .ok
        case .degraded: .degraded
        case .critical: .critical
        }
    }
}

extension ClusterStatus {
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
        for p in primitives() where p.resource.id == resourceID {
            for n in p.resource.nodes where !seen.contains(n) { seen.append(n) }
        }
        return seen
    }

    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// The node the anchor resource runs on; nil when it runs nowhere (or is absent).
    public func master(_ layout: MasterLayout = .portSIP) -> String? {
        let running = primitives().filter { $0.resource.id == layout.anchor && $0.resource.role?.isActive ?? !$0.resource.nodes.isEmpty }
        return running.first?.resource.nodes.first
    }

    /// The chain members this cluster actually has, in chain order.
    public func chainMembers(_ layout: MasterLayout = .portSIP) -> [String] {
        let ids = Set(primitives().map(\.resource.id))
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
        var collectiveActive: [String: Bool] = [:]
        for p in primitives() where !p.meantToBeStopped {
            let active = !p.resource.nodes.isEmpty
            if p.inCollective {
                collectiveActive[p.resource.id, default: false] = collectiveActive[p.resource.id, default: false] || active
            } else if !active, !out.contains(p.resource.id) {
                out.append(p.resource.id)
            }
        }
        for p in primitives() where p.inCollective {
            if collectiveActive[p.resource.id] == false, !out.contains(p.resource.id) { out.append(p.resource.id) }
        }
        return out
    }

    /// ok / degraded / critical, with the reasons an on-call engineer needs first.
    public func health(_ layout: MasterLayout = .portSIP) -> HealthVerdict {
        var critical: [String] = []
        var degraded: [String] = []
        let s = summary
        if s.dc == nil { critical.append("no DC elected") }
        if s.quorum == false { critical.append("partition has no quorum") }
        if s.stopAllResources { critical.append("stop-all-resources is set") }
        for n in nodes where n.unclean { critical.append("\(n.name) is UNCLEAN") }
        let prims = primitives()
        let anchorEntries = prims.filter { $0.resource.id == layout.anchor }
        let master = master(layout)
        if !anchorEntries.isEmpty, master == nil, !anchorEntries.allSatisfy(\.meantToBeStopped) {
            critical.append("\(layout.anchor) is not running")
        }
        for p in prims where !p.inCollective && p.resource.nodes.count > 1 && p.resource.role != .migrating {
            critical.append("\(p.resource.id) is active on \(p.resource.nodes.count) nodes")
        }
        if s.maintenanceMode { degraded.append("cluster is in maintenance mode") }
        for n in nodes {
            switch n.state {
            case .offline: degraded.append("\(n.name) is offline")
            case .standby: degraded.append("\(n.name) is in standby")
            case .maintenance: degraded.append("\(n.name) is in maintenance")
            case .pending: degraded.append("\(n.name) is pending")
            case .shutdown: degraded.append("\(n.name) is shutting down")
            case .online, .unclean: break
            }
            if n.health == .red { degraded.append("\(n.name) health is red") }
        }
        for id in notRunning() where id != layout.anchor { degraded.append("\(id) is not running") }
        if let master {
            for id in chainMembers(layout) where id != layout.anchor {
                let on = nodesRunning(id)
                if !on.isEmpty, !on.contains(master) { degraded.append("\(id) is not on the master \(master)") }
            }
        }
        var failedSeen = Set<String>()
        for p in prims where p.resource.failed && failedSeen.insert(p.resource.id).inserted {
            degraded.append("\(p.resource.id) has failed")
        }
        var unmanagedSeen = Set<String>()
        for p in prims where !p.managed && unmanagedSeen.insert(p.resource.id).inserted {
            degraded.append("\(p.resource.id) is unmanaged")
        }
        var blockedSeen = Set<String>()
        for p in prims where p.resource.blocked && blockedSeen.insert(p.resource.id).inserted {
            degraded.append("\(p.resource.id) is blocked")
        }
        if !failures.isEmpty {
            degraded.append(failures.count == 1 ? "1 failed action" : "\(failures.count) failed actions")
        }
        let counts = failCounts()
        if !counts.isEmpty {
            degraded.append(counts.count == 1 ? "fail count on \(counts[0].resource)@\(counts[0].node)"
                : "\(counts.count) non-zero fail counts")
        }
        for c in lingeringConstraints() {
            degraded.append(c.kind == .prefer ? "\(c.resource) pinned to \(c.node ?? "?") by \(c.id)"
                : "\(c.resource) banned from \(c.node ?? "?") by \(c.id)")
        }
        if !critical.isEmpty { return HealthVerdict(level: .critical, reasons: critical + degraded) }
        if !degraded.isEmpty { return HealthVerdict(level: .degraded, reasons: degraded) }
        return HealthVerdict(level: .ok, reasons: [])
    }
}
