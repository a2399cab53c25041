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

    /// `titlesInBorder`: the column titles go on the pane's top border, over their columns,
    /// where the pane's own title leaves room: named columns without spending a row.
    static func table(_ columns: [TableColumn], _ rows: [TableRow], _ pane: Pane,
                              _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect,
                              header: Bool = false, titlesInBorder: Bool = false) {
        let focused = state.focus == pane
        // The scroll position lives in the state (update moves it with the selection), so
        // moving up a long list scrolls it instead of pinning the cursor to the last row.
        var ts = TableState(selected: focused ? state.selected(pane) : nil, offset: state.offset(pane))
        let table = Table(columns: namesFirst(columns, rows, width: area.width), rows: rows, showHeader: header,
                          headerStyle: env.style(.uiDim), highlightStyle: env.style(.selection),
                          highlightSymbol: highlightSymbol(env), ellipsis: env.glyphs.ellipsis)
        table.render(into: &buf, area: area, state: &ts)
        if titlesInBorder {
            let border = area.y - 1, line = env.glyphs.horizontal
            for (column, rect) in zip(table.columns, table.columnRects(in: area)) where !column.title.isEmpty {
                let title = " \(column.title) "
                let span = (rect.x - 2)..<(rect.x + DisplayWidth.of(title))
                guard span.upperBound <= area.right, span.allSatisfy({ String(buf[x: $0, y: border].grapheme) == line }) else { continue }
                buf.write(title, x: rect.x - 1, y: border, maxWidth: DisplayWidth.of(title), style: env.style(.uiDim))
            }
        }
        // On the pane's right border: there is more than fits.
        Scrollbar(total: rows.count, visible: table.visibleRows(in: area), offset: ts.offset,
                  glyphs: env.glyphs, style: env.style(.uiBorder))
            .render(into: &buf, area: Rect(x: area.right, y: area.y, width: 1, height: area.height))
    }

    static func highlightSymbol(_ env: ViewEnv) -> String { env.glyphs.isUnicode ? "▶ " : "> " }

    /// Names are the information: columns that shorten from the front (`.head`) get the width
    /// of their longest cell first, and only when even that does not fit do they share what is
    /// left (in proportion), while the other stretchy columns give up their space.
    static func namesFirst(_ columns: [TableColumn], _ rows: [TableRow], width: Int) -> [TableColumn] {
        let names = columns.indices.filter { columns[$0].truncation == .head }
        guard !names.isEmpty else { return columns }
        func natural(_ i: Int) -> Int {
            max(DisplayWidth.of(columns[i].title), rows.map { $0.cells.indices.contains(i) ? $0.cells[i].width : 0 }.max() ?? 0)
        }
        let fixed = columns.indices.reduce(0) { sum, i in
            if case .length(let n) = columns[i].width, !names.contains(i) { return sum + n }
            return sum
        }
        let avail = width - 2 - (columns.count - 1)
        let wanted = names.reduce(0) { $0 + natural($1) }
        var out = columns
        for i in names {
            out[i].width = wanted + fixed <= avail ? .length(natural(i)) : .fill(max(1, natural(i)))
        }
        if wanted + fixed > avail {
            for i in out.indices where !names.contains(i) {
                if case .fill = out[i].width { out[i].width = .length(0) }
            }
        }
        return out
    }

    static func nodeCells(_ row: NodeRow, _ state: AppState, _ env: ViewEnv) -> [Line] {
        let node = row.node, glyphs = env.glyphs
        let style = nodeStyle(node.state, env)
        var role: [Span] = []
        if row.isMaster { role.append(Span("\(glyphs.master) master ", style: env.style(.master))) }
        if node.isDC { role.append(Span("DC", style: env.style(.info))) }
        // Down states in capitals, as crm_mon writes them.
        let word = [.offline, .unclean].contains(node.state) ? node.state.rawValue.uppercased() : node.state.rawValue
        var extra: [Span] = []
        if node.kind != .member { extra.append(Span(node.kind.rawValue + " ", style: env.style(.uiDim))) }
        if let h = node.health, h != .green { extra.append(Span("health \(h.rawValue)", style: h == .red ? env.style(.alert) : env.style(.warning))) }
        // A stopped or disabled daemon, in two words; nothing while all are fine or unknown.
        for d in state.status?.daemons?[node.name] ?? [] where d.problem(on: node.name) != nil {
            let word = d.active != "active" ? (d.active == "inactive" ? "stopped" : d.active) : d.enabled
            extra.append(Span("\(d.name) \(word) ", style: env.style(.warning)))
        }
        return [Line(node.name, style: style), Line(word, style: style), Line(role),
                Line("\(row.running) rsc", style: env.style(.uiDim)), Line(extra)]
    }

    static let nodeColumns = [TableColumn("NODE", width: .fill(2), truncation: .head), TableColumn("STATE", width: .length(11)),
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
        let resource = row.resource, glyphs = env.glyphs
        let indent = String(repeating: "  ", count: row.depth)
        let kind: String = switch resource.kind {
        case .primitive: ""
        case .group: " [group]"
        case .clone: " [clone]"
        case .promotable: " [promotable]"
        case .bundle: " [bundle]"
        case .replica: " [replica]"
        }
        let roleText: String
        let roleStyle: Style
        if resource.kind == .primitive {
            let role = resource.role ?? (resource.nodes.isEmpty ? .stopped : .started)
            roleText = role.description
            roleStyle = resource.failed ? env.style(.resourceFailed)
                : role.isPending ? env.style(.resourcePending)
                : role == .promoted ? env.style(.resourcePromoted)
                : role.isActive ? env.style(.resourceStarted) : env.style(.resourceStopped)
        } else {
            let prims = resource.flattened().filter { $0.kind == .primitive }
            roleText = "\(prims.filter { !$0.nodes.isEmpty }.count)/\(prims.count) up"
            roleStyle = env.style(.uiDim)
        }
        var marks: [Span] = []
        if row.isAnchor { marks.append(Span("\(glyphs.master) ", style: env.style(.master))) }
        if resource.failed { marks.append(Span("FAILED ", style: env.style(.resourceFailed))) }
        if !resource.managed { marks.append(Span("unmanaged ", style: env.style(.resourceUnmanaged))) }
        if resource.blocked { marks.append(Span("blocked ", style: env.style(.alert))) }
        if resource.orphaned { marks.append(Span("orphan ", style: env.style(.warning))) }
        if resource.maintenance { marks.append(Span("maint ", style: env.style(.warning))) }
        if resource.disabled || resource.targetRole?.lowercased() == "stopped" { marks.append(Span("disabled ", style: env.style(.uiDim))) }
        if let p = resource.pending { marks.append(Span("\(p.lowercased()) ", style: env.style(.resourcePending))) }
        if let l = resource.lockedTo { marks.append(Span("locked \(l) ", style: env.style(.info))) }
        if row.offMaster { marks.append(Span("\(glyphs.warning)not on master ", style: env.style(.warning))) }
        if resource.kind == .primitive, resource.nodes.count > 1, resource.role != .migrating {
            marks.append(Span("MULTI-ACTIVE ", style: env.style(.alert)))
        }
        let fails = row.failCount.map { Line(failWords($0, banned: row.failBanned), style: env.style(.resourceFailed)) } ?? Line("")
        let nodes = resource.kind == .primitive ? resource.nodes.joined(separator: ",") : ""
        return [Line([Span(indent + resource.id, style: row.isAnchor ? env.style(.master) : env.style(.uiText)),
                      Span(kind, style: env.style(.uiDim))]),
                Line(resource.agent ?? "", style: env.style(.uiDim)),
                Line(roleText, style: roleStyle), Line(nodes), fails, Line(marks)]
    }

    /// A fail count as words: "1 fail", "3 fails"; "banned" once it reached the migration
    /// threshold (INFINITY always does, unless the threshold is off): the resource may not run
    /// on that node until a cleanup. The number is in Problems and the details.
    static func failWords(_ count: FailCount, banned: Bool) -> String {
        if banned { return "banned" }
        return switch count {
        case .count(1): "1 fail"
        case .count(let n): "\(n) fails"
        case .infinity: "INFINITY"
        }
    }

    // AGENT (crm_mon's `ocf:portsip:pbx`) only shows when every other column has its whole
    // width, and FAILS widens past "99 fails" only for a larger count (see `fitted`).
    static let resourceColumns = [TableColumn("RESOURCE", width: .fill(2), truncation: .head),
                                  TableColumn("AGENT", width: .fill(1)),
                                  TableColumn("ROLE", width: .length(10)),
                                  TableColumn("NODE", width: .fill(2), truncation: .head),
                                  TableColumn("FAILS", width: .length(8)),
                                  TableColumn("", width: .fill(2))]
    static let agentColumn = 1, failsColumn = 4

    /// The resource table for `width` columns: with agents when the whole of every cell, agents
    /// included, fits; without them otherwise, so they are the first thing to go.
    static func fitted(_ columns: [TableColumn], _ rows: [TableRow], width: Int) -> ([TableColumn], [TableRow]) {
        func widest(_ i: Int) -> Int {
            max(DisplayWidth.of(columns[i].title), rows.map { $0.cells.indices.contains(i) ? $0.cells[i].width : 0 }.max() ?? 0)
        }
        var cols = columns
        if case .length(let n) = cols[failsColumn].width { cols[failsColumn].width = .length(max(n, widest(failsColumn))) }
        if naturalWidth(cols, rows) <= width {
            // Exactly as wide as the longest agent: the leftover stays with the marks.
            cols[agentColumn].width = .length(widest(agentColumn))
            return (cols, rows)
        }
        cols.remove(at: agentColumn)
        return (cols, rows.map { row in
            var r = row
            if r.cells.indices.contains(agentColumn) { r.cells.remove(at: agentColumn) }
            return r
        })
    }

    /// Columns wide enough for every cell and title, with the selection mark and the gaps.
    static func naturalWidth(_ columns: [TableColumn], _ rows: [TableRow]) -> Int {
        let cells = columns.indices.reduce(0) { sum, i in
            let content = rows.map { $0.cells.indices.contains(i) ? $0.cells[i].width : 0 }.max() ?? 0
            var fixed = 0
            if case .length(let n) = columns[i].width { fixed = n }
            return sum + max(content, fixed, DisplayWidth.of(columns[i].title))
        }
        return 2 + cells + columns.count - 1
    }

    static func resourcesPane(_ rows: [ResourceRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Resources", .resources, state, env, &buf, area, count: rows.count)
        if state.status != nil, rows.isEmpty {
            buf.write(Line(state.filter.isEmpty ? "no resources configured" : "nothing matches the filter",
                           style: env.style(.uiDim)), in: inner.row(0))
            return
        }
        let (columns, cells) = fitted(resourceColumns, rows.map { TableRow(resourceCells($0, env)) }, width: inner.width)
        table(columns, cells, .resources, state, env, &buf, inner, titlesInBorder: true)
    }

    static func problemLine(_ problem: ProblemRow, _ state: AppState, _ env: ViewEnv) -> Line {
        let glyphs = env.glyphs
        let clearKey = state.config.keyMap.key(for: .clear)?.label ?? "c"
        let cleanupKey = state.config.keyMap.key(for: .cleanup)?.label ?? "C"
        let hint = state.config.actionsEnabled
        switch problem {
        case .constraint(let constraint):
            let what = constraint.kind == .prefer ? "is pinned to \(constraint.node ?? "?")" : "is banned from \(constraint.node ?? "?")"
            var spans = [Span("\(glyphs.warning) ", style: env.style(.warning)), Span(constraint.resource, style: env.style(.uiTitle)),
                         Span(" \(what) by \(constraint.id)", style: env.style(.uiText))]
            if let expires = constraint.expires { spans.append(Span(" until \(expires)", style: env.style(.uiDim))) }
            if hint { spans.append(Span(" — press \(clearKey) to clear", style: env.style(.uiKey))) }
            return Line(spans)
        case .failedAction(let failure):
            var spans = [Span("\(glyphs.cross) ", style: env.style(.alert)),
                         Span("\(failure.resource) \(failure.task ?? "op")", style: env.style(.resourceFailed)),
                         Span(" on \(failure.node): ", style: env.style(.uiText)),
                         Span(ocfMeaning(failure.exitCode), style: env.style(.alert))]
            if let reason = failure.exitReason { spans.append(Span(" '\(reason)'", style: env.style(.uiText))) }
            if let changed = failure.lastRCChange { spans.append(Span(" at \(crmTime(changed, state))", style: env.style(.uiDim))) }
            if let count = state.status?.failCount(resource: failure.resource, node: failure.node) {
                spans.append(Span(" fail-count \(count)", style: env.style(.resourceFailed)))
            }
            if hint { spans.append(Span(" — \(cleanupKey) to clean up", style: env.style(.uiKey))) }
            return Line(spans)
        case .failCount(let resource, let node, let count):
            var spans = [Span("\(glyphs.warning) ", style: env.style(.warning)),
                         Span("\(resource) fail-count \(count) on \(node)", style: env.style(.resourceFailed))]
            if hint { spans.append(Span(" — \(cleanupKey) to clean up", style: env.style(.uiKey))) }
            return Line(spans)
        case .reason(let reason):
            return Line([Span("\(glyphs.warning) ", style: env.style(.warning)), Span(reason.description, style: env.style(.uiText))])
        }
    }

    static func problemsPane(_ rows: [ProblemRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Problems", .problems, state, env, &buf, area, count: rows.count)
        // A filter never makes a problem disappear silently.
        let hidden = Rows.hiddenProblems(state)
        var listArea = inner
        if hidden > 0 {
            let esc = state.filterEditing ? "" : " (Esc clears it)"
            buf.write(Line("\(env.glyphs.warning) \(hidden) hidden by filter \"\(state.filter)\"\(esc)", style: env.style(.warning)),
                      in: inner.row(0), ellipsis: env.glyphs.ellipsis)
            listArea = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: max(0, inner.height - 1))
        }
        if rows.isEmpty {
            if state.status != nil, hidden == 0 {
                buf.write(Line("\(env.glyphs.check) no failed actions, no lingering constraints", style: env.style(.ok)),
                          in: inner.row(0), ellipsis: env.glyphs.ellipsis)
            }
            return
        }
        table([TableColumn("", width: .fill(1))], rows.map { TableRow([problemLine($0, state, env)]) },
              .problems, state, env, &buf, listArea)
    }

    static func timelinePane(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let entries = Rows.timeline(state)
        let inner = pane("Timeline", .timeline, state, env, &buf, area)
        if entries.isEmpty {
            buf.write(Line("changes will appear here as they happen", style: env.style(.uiDim)), in: inner.row(0),
                      ellipsis: env.glyphs.ellipsis)
            return
        }
        var listArea = inner
        let folded = Rows.foldedCount(state)
        if let failover = Rows.pinnedFailover(state) {
            // Pinned until acknowledged: the one line that matters after a failover.
            let enter = state.config.keyMap.key(for: .details)?.label ?? "Enter"
            let more = folded > 0 ? "+\(folded) lines; " : ""
            buf.write(Line([Span("\(env.glyphs.master) \(clock(failover.restoredAt, utc: state.config.utc)) ", style: env.style(.master)),
                            Span(failover.text, style: healthStyle(failover.nodeLost ? .critical : .degraded, env)),
                            Span(" (\(more)\(enter) in the timeline acknowledges)", style: env.style(.uiDim))]),
                      in: inner.row(0), ellipsis: env.glyphs.ellipsis)
            listArea = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: max(0, inner.height - 1))
        }
        let rows = entries.map { e in
            let repeated = e.count > 1 ? " (×\(e.count), last \(clock(e.lastSeen, utc: state.config.utc)))" : ""
            var text = [Span(e.text + repeated, style: e.severity == .ok ? env.style(.timelineEvent) : healthStyle(e.severity, env))]
            if folded > 0, Rows.isFailoverHead(e, state) {
                text.append(Span(" (+\(folded) lines: Enter)", style: env.style(.uiDim)))
            }
            return TableRow([Line(clock(e.time, utc: state.config.utc), style: env.style(.timelineTime)), Line(text)])
        }
        table([TableColumn("", width: .length(8)), TableColumn("", width: .fill(1))], rows, .timeline,
              state, env, &buf, listArea)
    }
}
