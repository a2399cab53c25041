import FoundationEssentials
import Glibc
import PacetopCore

/// The rows each pane shows, derived from state. Update and view both use these, so what is
/// selected on screen is exactly what an action acts on.
public struct NodeRow: Sendable, Equatable {
    /// The node as crm_mon reported it.
    public var node: Node
    /// The master (the anchor resource) runs on this node.
    public var isMaster: Bool
    /// Primitive instances active on the node, counted from the resource tree.
    public var running: Int
}

/// One line of the resources pane: a resource of the tree, indented by depth.
public struct ResourceRow: Sendable, Equatable {
    /// The resource, collection or instance on this line.
    public var resource: Resource
    /// Nesting level in the tree (0 = top level).
    public var depth: Int
    /// The id an action on this row uses: clone/bundle members act on the collective.
    public var actionTarget: String
    /// This is the anchor primitive: its node is the master.
    public var isAnchor: Bool
    /// A chain member that runs, but not on the master.
    public var offMaster: Bool
    /// Highest fail count of this primitive on any node; nil for collections or none recorded.
    public var failCount: FailCount?
    /// On one of those nodes the count reached the migration threshold: it may not run there.
    public var failBanned = false
}

/// One line of the problems pane: a lingering move/ban constraint, a failed action, a fail count, or another health reason.
public enum ProblemRow: Sendable, Equatable {
    case constraint(LocationConstraint)
    case failedAction(FailedAction)
    case failCount(resource: String, node: String, count: FailCount)
    case reason(HealthReason)

    /// The resource a clear/cleanup on this row acts on.
    public var resource: String? {
        switch self {
        case .constraint(let c): c.resource
        case .failedAction(let f): f.resource
        case .failCount(let r, _, _): r
        case .reason: nil
        }
    }

    /// The node a clear/cleanup on this row is limited to; nil means all nodes.
    public var node: String? {
        switch self {
        case .failedAction(let f): f.node.isEmpty ? nil : f.node
        case .failCount(_, let n, _): n
        case .constraint, .reason: nil
        }
    }
}

/// What every frame needs from a status, computed once when the status arrives (in
/// `update`), not per frame: the verdict, the master and the unfiltered rows of each pane.
public struct StatusDigest: Sendable, Equatable {
    /// The verdict, with its typed reasons.
    public var health: HealthVerdict
    /// The node running the anchor resource, if any.
    public var master: String?
    /// Every node, unfiltered.
    public var nodes: [NodeRow]
    /// The resource tree as rows, master chain first, unfiltered.
    public var resources: [ResourceRow]
    /// Constraints, failures, fail counts and other reasons, unfiltered.
    public var problems: [ProblemRow]
    /// Primitive instances, and how many of them run somewhere.
    public var primitives: Int
    /// How many primitive instances run on some node.
    public var runningPrimitives: Int

    /// Derives everything once from a new status.
    public init(_ st: ClusterStatus, layout: MasterLayout) {
        health = st.health(layout)
        let master = st.master(layout)
        self.master = master
        var counts: [String: Int] = [:]
        var primitives = 0, running = 0
        st.forEachPrimitive { r, _ in
            primitives += 1
            if !r.nodes.isEmpty { running += 1 }
            for n in r.nodes { counts[n, default: 0] += 1 }
        }
        self.primitives = primitives
        runningPrimitives = running
        nodes = st.nodes.map { NodeRow(node: $0, isMaster: $0.name == master, running: counts[$0.name] ?? 0) }
        resources = Self.resourceRows(st, layout: layout, master: master)
        problems = Self.problemRows(st, health: health)
    }

    private static func resourceRows(_ st: ClusterStatus, layout: MasterLayout, master: String?) -> [ResourceRow] {
        let chain = st.chainMembers(layout)
        let chainSet = Set(chain)
        var rows: [ResourceRow] = []
        // Fail counts by resource and node, collected once: asking failCounts() per row made
        // a frame O(resources × history) (25 ms at 2,000 resources, scripts/bench frame).
        var counts: [String: [String: (count: FailCount, banned: Bool)]] = [:]
        for h in st.history {
            for r in h.resources {
                if let c = r.failCount, !c.isZero { counts[r.id, default: [:]][h.node] = (c, r.thresholdReached) }
            }
        }
        // Nodes that host an instance of each id, so that each clone instance shows its own
        // node's count, and a stopped one only the counts no running instance accounts for.
        var hosts: [String: Set<String>] = [:]
        st.forEachPrimitive { r, _ in hosts[r.id, default: []].formUnion(r.nodes) }
        func failCount(_ r: Resource) -> (count: FailCount?, banned: Bool) {
            guard let byNode = counts[r.id] else { return (nil, false) }
            let nodes = r.nodes.isEmpty ? Set(byNode.keys).subtracting(hosts[r.id] ?? []) : Set(r.nodes)
            let found = nodes.compactMap { byNode[$0] }
            return (found.map(\.count).max(), found.contains { $0.banned })
        }
        func add(_ r: Resource, depth: Int, collective: String?) {
            let offMaster = chainSet.contains(r.id) && master != nil && !r.nodes.isEmpty
                && !r.nodes.contains(master!)
            let fails: (count: FailCount?, banned: Bool) = r.kind == .primitive ? failCount(r) : (nil, false)
            rows.append(ResourceRow(resource: r, depth: depth, actionTarget: collective ?? r.id,
                                    isAnchor: r.id == layout.anchor && r.kind == .primitive,
                                    offMaster: offMaster, failCount: fails.count, failBanned: fails.banned))
            let childCollective = collective
                ?? ([.clone, .promotable, .bundle].contains(r.kind) ? r.id : nil)
            for c in r.children { add(c, depth: depth + 1, collective: childCollective) }
        }
        // The PortSIP chain first, in start order, so the master is obvious at a glance.
        let top = st.resources
        var chainTop: [Int] = []
        for id in chain { if let i = top.firstIndex(where: { $0.id == id && $0.kind == .primitive }) { chainTop.append(i) } }
        let chainIDs = Set(chainTop.map { top[$0].id })
        for i in chainTop { add(top[i], depth: 0, collective: nil) }
        for r in top where !(r.kind == .primitive && chainIDs.contains(r.id)) { add(r, depth: 0, collective: nil) }
        return rows
    }

    private static func problemRows(_ st: ClusterStatus, health: HealthVerdict) -> [ProblemRow] {
        var rows: [ProblemRow] = []
        for c in st.lingeringConstraints() { rows.append(.constraint(c)) }
        for f in st.failures { rows.append(.failedAction(f)) }
        let failed = Set(st.failures.map { "\($0.resource)\u{0}\($0.node)" })
        for c in st.failCounts() where !failed.contains("\(c.resource)\u{0}\(c.node)") {
            rows.append(.failCount(resource: c.resource, node: c.node, count: c.count))
        }
        // The verdict's other reasons (nodes down, stopped resources, …) not listed above.
        for r in health.reasons where !r.hasOwnProblemRows { rows.append(.reason(r)) }
        return rows
    }
}

/// Each pane's rows for the current state: the digest's rows with the filter applied.
public enum Rows {
    /// Nodes matching the filter, in crm_mon's order.
    public static func nodes(_ s: AppState) -> [NodeRow] {
        guard let d = s.digest else { return [] }
        if s.filter.isEmpty { return d.nodes }
        return d.nodes.filter { matches(s.filter, $0.node.name) }
    }

    /// A resource row shows when it or anything below it matches the filter.
    public static func resources(_ s: AppState) -> [ResourceRow] {
        guard let d = s.digest else { return [] }
        if s.filter.isEmpty { return d.resources }
        let rows = d.resources
        var keep = [Bool](repeating: false, count: rows.count)
        var ancestors: [Int] = []
        for i in rows.indices {
            while let last = ancestors.last, rows[last].depth >= rows[i].depth { ancestors.removeLast() }
            if matches(s.filter, rows[i].resource.id) {
                keep[i] = true
                for a in ancestors.reversed() {
                    if keep[a] { break }
                    keep[a] = true
                }
            }
            ancestors.append(i)
        }
        return rows.indices.filter { keep[$0] }.map { rows[$0] }
    }

    /// Problems matching the filter (the screen says how many it hides).
    public static func problems(_ s: AppState) -> [ProblemRow] {
        guard let d = s.digest else { return [] }
        if s.filter.isEmpty { return d.problems }
        return d.problems.filter { matches(s.filter, problemText($0)) }
    }

    /// Problems the filter hides: the Problems pane says how many, never "no failed actions".
    public static func hiddenProblems(_ s: AppState) -> Int {
        guard let d = s.digest, !s.filter.isEmpty else { return 0 }
        return d.problems.count - problems(s).count
    }

    /// Timeline entries, newest first; the last failover's lines folded under it.
    public static func timeline(_ s: AppState) -> [TimelineEntry] {
        let folded = foldedByFailover(s)
        return s.timeline.reversed().filter { !folded($0) && matches(s.filter, $0.text) }
    }

    /// One failover logs a line per node and resource it touched: those of the last failover
    /// fold under its FAILOVER entry until Enter on that entry expands them.
    static func foldedByFailover(_ s: AppState) -> (TimelineEntry) -> Bool {
        guard let f = s.lastFailover, s.expandedFailover != f.lostAt else { return { _ in false } }
        return { $0.isClusterEvent && $0.time >= f.lostAt && $0.time <= f.restoredAt && !isFailoverHead($0, s) }
    }

    /// The timeline entry that announced the last failover.
    static func isFailoverHead(_ e: TimelineEntry, _ s: AppState) -> Bool {
        guard let f = s.lastFailover else { return false }
        return e.text == f.text && e.time >= f.restoredAt
    }

    /// Lines folded under the last failover's entry.
    public static func foldedCount(_ s: AppState) -> Int {
        let folded = foldedByFailover(s)
        return s.timeline.filter(folded).count
    }

    /// The last failover, while the user has not acknowledged it: pinned above the timeline.
    public static func pinnedFailover(_ s: AppState) -> FailoverTracker.Failover? {
        guard let f = s.lastFailover, s.acknowledgedFailover != f.lostAt else { return nil }
        return f
    }

    /// How many rows `pane` has now, for scrolling and selection bounds.
    public static func count(_ s: AppState, _ pane: Pane) -> Int {
        switch pane {
        case .nodes: nodes(s).count
        case .resources: resources(s).count
        case .problems: problems(s).count
        case .timeline: timeline(s).count
        }
    }

    static func matches(_ filter: String, _ text: String) -> Bool {
        filter.isEmpty || text.lowercased().contains(filter.lowercased())
    }

    static func problemText(_ p: ProblemRow) -> String {
        switch p {
        case .constraint(let c): "\(c.id) \(c.resource) \(c.node ?? "")"
        case .failedAction(let f): "\(f.opKey) \(f.node) \(f.exitReason ?? "")"
        case .failCount(let r, let n, _): "\(r) \(n)"
        case .reason(let r): r.description
        }
    }
}
