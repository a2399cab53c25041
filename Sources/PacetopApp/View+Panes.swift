import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

// The four panes: nodes, resources, problems, timeline.
extension View {
    // MARK: Panes

    static func pane(_ title: String, _ pane: Pane, _ state: AppState, _ env: ViewEnv,
                             _ buf: inout Buffer, _ area: Rect, count: Int? = nil) -> Rect {
        let focused = state.focus == pane && state.overlay == .none
        // Panes showing an old status say so in their title, not only the header.
        let text = " \(title)" + (count.map { " (\($0))" } ?? "") + (state.isOutdated && pane != .timeline ? " STALE" : "") + " "
        let block = Block(titleLine: Line(text, style: focused ? env.style(.uiTitle).patched(with: Style(bold: true)) : env.style(.uiDim)),
                          glyphs: env.glyphs,
                          borderStyle: focused ? env.style(.uiTitle) : env.style(.uiBorder))
        return block.render(into: &buf, area: area)
    }

    static func table(_ columns: [TableColumn], _ rows: [TableRow], _ pane: Pane,
                              _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect,
                              header: Bool = false) {
        let focused = state.focus == pane
        var ts = TableState(selected: focused ? state.selected(pane) : nil)
        Table(columns: columns, rows: rows, showHeader: header, headerStyle: env.style(.uiDim),
              highlightStyle: env.style(.selection), highlightSymbol: env.glyphs.isUnicode ? "▶ " : "> ",
              ellipsis: env.glyphs.ellipsis)
            .render(into: &buf, area: area, state: &ts)
    }

    static func nodeCells(_ row: NodeRow, _ state: AppState, _ env: ViewEnv) -> [Line] {
        let n = row.node, g = env.glyphs
        let st = nodeStyle(n.state, env)
        var role: [Span] = []
        if row.isMaster { role.append(Span("\(g.master) master ", style: env.style(.master))) }
        if n.isDC { role.append(Span("DC", style: env.style(.info))) }
        // Down states in capitals, as crm_mon writes them.
        let word = [.offline, .unclean].contains(n.state) ? n.state.rawValue.uppercased() : n.state.rawValue
        var extra: [Span] = []
        if n.kind != .member { extra.append(Span(n.kind.rawValue + " ", style: env.style(.uiDim))) }
        if let h = n.health, h != .green { extra.append(Span("health \(h.rawValue)", style: h == .red ? env.style(.alert) : env.style(.warning))) }
        return [Line(n.name, style: st), Line(word, style: st), Line(role),
                Line("\(row.running) rsc", style: env.style(.uiDim)), Line(extra)]
    }

    static let nodeColumns = [TableColumn("NODE", width: .fill(2)), TableColumn("STATE", width: .length(11)),
                              TableColumn("ROLE", width: .length(12)), TableColumn("RUNNING", width: .length(7)),
                              TableColumn("", width: .fill(1))]

    static func nodesPane(_ rows: [NodeRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Nodes", .nodes, state, env, &buf, area, count: rows.count)
        if state.status == nil {
            buf.write(Line("waiting for the first status…", style: env.style(.uiDim)), in: inner.row(0))
            return
        }
        table(nodeColumns, rows.map { TableRow(nodeCells($0, state, env)) }, .nodes, state, env, &buf, inner)
    }

    static func resourceCells(_ row: ResourceRow, _ env: ViewEnv) -> [Line] {
        let r = row.resource, g = env.glyphs
        let indent = String(repeating: "  ", count: row.depth)
        let kind: String = switch r.kind {
        case .primitive: ""
        case .group: " [group]"
        case .clone: " [clone]"
        case .promotable: " [promotable]"
        case .bundle: " [bundle]"
        case .replica: " [replica]"
        }
        let roleText: String
        let roleStyle: Style
        if r.kind == .primitive {
            let role = r.role ?? (r.nodes.isEmpty ? .stopped : .started)
            roleText = role.description
            roleStyle = r.failed ? env.style(.resourceFailed)
                : role.isPending ? env.style(.resourcePending)
                : role == .promoted ? env.style(.resourcePromoted)
                : role.isActive ? env.style(.resourceStarted) : env.style(.resourceStopped)
        } else {
            let prims = r.flattened().filter { $0.kind == .primitive }
            roleText = "\(prims.filter { !$0.nodes.isEmpty }.count)/\(prims.count) up"
            roleStyle = env.style(.uiDim)
        }
        var marks: [Span] = []
        if row.isAnchor { marks.append(Span("\(g.master) ", style: env.style(.master))) }
        if r.failed { marks.append(Span("FAILED ", style: env.style(.resourceFailed))) }
        if !r.managed { marks.append(Span("unmanaged ", style: env.style(.resourceUnmanaged))) }
        if r.blocked { marks.append(Span("blocked ", style: env.style(.alert))) }
        if r.orphaned { marks.append(Span("orphan ", style: env.style(.warning))) }
        if r.maintenance { marks.append(Span("maint ", style: env.style(.warning))) }
        if r.disabled || r.targetRole?.lowercased() == "stopped" { marks.append(Span("disabled ", style: env.style(.uiDim))) }
        if let p = r.pending { marks.append(Span("\(p.lowercased()) ", style: env.style(.resourcePending))) }
        if let l = r.lockedTo { marks.append(Span("locked \(l) ", style: env.style(.info))) }
        if row.offMaster { marks.append(Span("\(g.warning)not on master ", style: env.style(.warning))) }
        if r.kind == .primitive, r.nodes.count > 1, r.role != .migrating {
            marks.append(Span("MULTI-ACTIVE ", style: env.style(.alert)))
        }
        let fails = row.failCount.map { Line("\($0)", style: env.style(.resourceFailed)) } ?? Line("")
        let nodes = r.kind == .primitive ? r.nodes.joined(separator: ",") : ""
        return [Line([Span(indent + r.id, style: row.isAnchor ? env.style(.master) : env.style(.uiText)),
                      Span(kind, style: env.style(.uiDim))]),
                Line(roleText, style: roleStyle), Line(nodes), fails, Line(marks)]
    }

    static let resourceColumns = [TableColumn("RESOURCE", width: .fill(2)), TableColumn("ROLE", width: .length(10)),
                                  TableColumn("NODE", width: .fill(2)), TableColumn("FAILS", width: .length(5)),
                                  TableColumn("", width: .fill(2))]

    static func resourcesPane(_ rows: [ResourceRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Resources", .resources, state, env, &buf, area, count: rows.count)
        if state.status != nil, rows.isEmpty {
            buf.write(Line(state.filter.isEmpty ? "no resources configured" : "nothing matches the filter",
                           style: env.style(.uiDim)), in: inner.row(0))
            return
        }
        table(resourceColumns, rows.map { TableRow(resourceCells($0, env)) }, .resources, state, env, &buf, inner)
    }

    static func problemLine(_ p: ProblemRow, _ state: AppState, _ env: ViewEnv) -> Line {
        let g = env.glyphs
        let clearKey = state.config.keyMap.key(for: .clear)?.label ?? "c"
        let cleanupKey = state.config.keyMap.key(for: .cleanup)?.label ?? "C"
        let hint = state.config.actionsEnabled
        switch p {
        case .constraint(let c):
            let what = c.kind == .prefer ? "is pinned to \(c.node ?? "?")" : "is banned from \(c.node ?? "?")"
            var spans = [Span("\(g.warning) ", style: env.style(.warning)), Span(c.resource, style: env.style(.uiTitle)),
                         Span(" \(what) by \(c.id)", style: env.style(.uiText))]
            if let e = c.expires { spans.append(Span(" until \(e)", style: env.style(.uiDim))) }
            if hint { spans.append(Span(" — press \(clearKey) to clear", style: env.style(.uiKey))) }
            return Line(spans)
        case .failedAction(let f):
            var spans = [Span("\(g.cross) ", style: env.style(.alert)),
                         Span("\(f.resource) \(f.task ?? "op")", style: env.style(.resourceFailed)),
                         Span(" on \(f.node): ", style: env.style(.uiText)),
                         Span(ocfMeaning(f.exitCode), style: env.style(.alert))]
            if let r = f.exitReason { spans.append(Span(" '\(r)'", style: env.style(.uiText))) }
            if let t = f.lastRCChange { spans.append(Span(" at \(t)", style: env.style(.uiDim))) }
            if let fc = state.status?.failCount(resource: f.resource, node: f.node) {
                spans.append(Span(" fail-count \(fc)", style: env.style(.resourceFailed)))
            }
            if hint { spans.append(Span(" — \(cleanupKey) to clean up", style: env.style(.uiKey))) }
            return Line(spans)
        case .failCount(let r, let n, let c):
            var spans = [Span("\(g.warning) ", style: env.style(.warning)),
                         Span("\(r) fail-count \(c) on \(n)", style: env.style(.resourceFailed))]
            if hint { spans.append(Span(" — \(cleanupKey) to clean up", style: env.style(.uiKey))) }
            return Line(spans)
        case .reason(let r):
            return Line([Span("\(g.warning) ", style: env.style(.warning)), Span(r.description, style: env.style(.uiText))])
        }
    }

    static func problemsPane(_ rows: [ProblemRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Problems", .problems, state, env, &buf, area, count: rows.count)
        if rows.isEmpty {
            if state.status != nil {
                buf.write(Line("\(env.glyphs.check) no failed actions, no lingering constraints", style: env.style(.ok)),
                          in: inner.row(0), ellipsis: env.glyphs.ellipsis)
            }
            return
        }
        table([TableColumn("", width: .fill(1))], rows.map { TableRow([problemLine($0, state, env)]) },
              .problems, state, env, &buf, inner)
    }

    static func timelinePane(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let entries = Rows.timeline(state)
        let inner = pane("Timeline", .timeline, state, env, &buf, area)
        if entries.isEmpty {
            buf.write(Line("changes will appear here as they happen", style: env.style(.uiDim)), in: inner.row(0),
                      ellipsis: env.glyphs.ellipsis)
            return
        }
        let rows = entries.map { e in
            TableRow([Line(clock(e.time), style: env.style(.timelineTime)),
                      Line(e.count > 1 ? "\(e.text) (×\(e.count), last \(clock(e.lastSeen)))" : e.text,
                           style: e.severity == .ok ? env.style(.timelineEvent) : healthStyle(e.severity, env))])
        }
        table([TableColumn("", width: .length(8)), TableColumn("", width: .fill(1))], rows, .timeline,
              state, env, &buf, inner)
    }
}
