import FoundationEssentials
import Glibc
import PacetopCore

/// The rows each pane shows, derived from state. Update and view both use these, so what is
/// selected on screen is exactly what an action acts on.
public struct NodeRow: Sendable, Equatable {
    public var node: Node
    public var isMaster: Bool
    /// Primitive instances active on the node, counted from the resource tree.
    public var running: Int
}

public struct ResourceRow: Sendable, Equatable {
    public var resource: Resource
    public var depth: Int
    /// The id an action on this row uses: clone/bundle members act on the collective.
    public var actionTarget: String
    public var isAnchor: Bool
    /// A chain member that runs, but not on the master.
    public var offMaster: Bool
    public var failCount: FailCount?
}

public enum ProblemRow: Sendable, Equatable {
    case constraint(LocationConstraint)
    case failedAction(FailedAction)
    case failCount(resource: String, node: String, count: FailCount)
    case reason(String)

    /// The resource a clear/cleanup on this row acts on.
    public var resource: String? {
        switch self {
        case .constraint(let c): c.resource
        case .failedAction(let f): f.resource
        case .failCount(let r, _, _): r
        case .reason: nil
        }
    }

    public var node: String? {
        switch self {
        case .failedAction(let f): f.node.isEmpty ? nil : f.node
        case .failCount(_, let n, _): n
        case .constraint, .reason: nil
        }
    }
}

public enum Rows {
    public static func nodes(_ s: AppState) -> [NodeRow] {
        guard let st = s.status else { return [] }
        let master = st.master(s.config.layout)
        var counts: [String: Int] = [:]
        for p in st.primitives() { for n in p.resource.nodes { counts[n, default: 0] += 1 } }
        return st.nodes
            .filter { matches(s.filter, $0.name) }
            .map { NodeRow(node: $0, isMaster: $0.name == master, running: counts[$0.name] ?? 0) }
    }

    public static func resources(_ s: AppState) -> [ResourceRow] {
        guard let st = s.status else { return [] }
        let layout = s.config.layout
        let master = st.master(layout)
        let chain = st.chainMembers(layout)
        var rows: [ResourceRow] = []
        // Highest fail count per resource, collected once: asking failCounts() per row made
        // a frame O(resources × history) (25 ms at 2,000 resources, scripts/bench frame).
        var highest: [String: FailCount] = [:]
        for f in st.failCounts() { highest[f.resource] = max(highest[f.resource] ?? f.count, f.count) }
        func failCount(_ id: String) -> FailCount? { highest[id] }
        func add(_ r: Resource, depth: Int, collective: String?) {
            let target = collective ?? r.id
            let offMaster = chain.contains(r.id) && master != nil && !r.nodes.isEmpty
                && !r.nodes.contains(master!)
            let row = ResourceRow(resource: r, depth: depth, actionTarget: target,
                                  isAnchor: r.id == layout.anchor && r.kind == .primitive,
                                  offMaster: offMaster,
                                  failCount: r.kind == .primitive ? failCount(r.id) : nil)
            let childCollective = collective
                ?? ([.clone, .promotable, .bundle].contains(r.kind) ? r.id : nil)
            let kids = r.children
            let selfMatches = matches(s.filter, r.id)
            let subtreeMatches = selfMatches || r.flattened().contains { matches(s.filter, $0.id) }
            guard subtreeMatches else { return }
            rows.append(row)
            for c in kids { add(c, depth: depth + 1, collective: childCollective) }
        }
        // The PortSIP chain first, in start order, so the master is obvious at a glance.
        let top = st.resources
        let chainTop = chain.compactMap { id in top.first { $0.id == id && $0.kind == .primitive } }
        for r in chainTop { add(r, depth: 0, collective: nil) }
        for r in top where !chainTop.contains(where: { $0.id == r.id && r.kind == .primitive }) {
            add(r, depth: 0, collective: nil)
        }
        return rows
    }

    public static func problems(_ s: AppState) -> [ProblemRow] {
        guard let st = s.status else { return [] }
        var rows: [ProblemRow] = []
        for c in st.lingeringConstraints() { rows.append(.constraint(c)) }
        for f in st.failures { rows.append(.failedAction(f)) }
        let failed = Set(st.failures.map { "\($0.resource)\u{0}\($0.node)" })
        for c in st.failCounts() where !failed.contains("\(c.resource)\u{0}\(c.node)") {
            rows.append(.failCount(resource: c.resource, node: c.node, count: c.count))
        }
        // The verdict's other reasons (nodes down, stopped resources, …) not listed above.
        for r in st.health(s.config.layout).reasons
        where !r.contains(" by cli-") && !r.contains("failed action") && !r.contains("fail count") {
            rows.append(.reason(r))
        }
        return rows.filter { matches(s.filter, problemText($0)) }
    }

    public static func timeline(_ s: AppState) -> [TimelineEntry] {
        s.timeline.reversed().filter { matches(s.filter, $0.text) }
    }

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
        case .reason(let r): r
        }
    }
}
