import Foundation
import PacetopCore
import PacetopUI

/// What the view needs besides state: the resolved theme and the glyphs the terminal can show.
public struct ViewEnv: Sendable {
    public var theme: Theme
    public var glyphs: GlyphSet

    public init(theme: Theme, glyphs: GlyphSet) {
        self.theme = theme
        self.glyphs = glyphs
    }

    func s(_ role: Role) -> Style { theme.style(role) }
}

/// state → Buffer. Pure: no I/O, no clock (the time comes from state).
public enum View {
    public static let minimumSize = Size(width: 20, height: 6)

    public static func render(_ state: AppState, _ env: ViewEnv) -> Buffer {
        let size = state.size
        var buf = Buffer(width: max(0, size.width), height: max(0, size.height),
                         fill: Cell(" ", style: env.s(.uiText)))
        if size.width < minimumSize.width || size.height < minimumSize.height {
            tooSmall(&buf, env)
        } else if size.height < 16 || size.width < 60 {
            compact(state, env, &buf)
        } else {
            full(state, env, &buf)
        }
        overlay(state, env, &buf)
        return buf
    }

    // MARK: Screens

    private static func tooSmall(_ buf: inout Buffer, _ env: ViewEnv) {
        let lines = ["terminal too small", "need \(minimumSize.width)x\(minimumSize.height)", "q quits"]
        for (i, l) in lines.enumerated() where i < buf.height {
            buf.write(Line(l, style: env.s(.alert)), in: buf.area.row(i), ellipsis: env.glyphs.ellipsis)
        }
    }

    /// Small terminals: the verdict, quorum, master and counts, one per line.
    private static func compact(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        var lines: [Line] = []
        let g = env.glyphs
        var first: [Span] = [Span("pacetop ", style: env.s(.uiTitle))]
        if let st = state.status {
            let h = st.health(state.config.layout)
            first.append(Span(healthWord(h.level), style: healthStyle(h.level, env)))
        } else {
            first.append(Span(state.pollError == nil ? "connecting" : "NO DATA", style: env.s(.alert)))
        }
        if state.config.isDemo { first.append(Span(" DEMO", style: env.s(.demo))) }
        lines.append(Line(first))
        lines.append(freshness(state, env))
        if let st = state.status {
            let q = st.summary.quorum
            lines.append(Line([Span("quorum ", style: env.s(.uiDim)),
                               Span(q == true ? "yes" : q == false ? "NO" : "?", style: q == true ? env.s(.ok) : env.s(.alert)),
                               Span(" DC ", style: env.s(.uiDim)), Span(st.summary.dc ?? "none")]))
            let master = st.master(state.config.layout)
            lines.append(Line([Span("\(g.master) master ", style: env.s(.master)),
                               Span(master ?? "NONE", style: master == nil ? env.s(.alert) : env.s(.master))]))
            let online = st.nodes.filter { $0.state == .online }.count
            lines.append(Line("nodes \(online)/\(st.nodes.count) online",
                              style: online == st.nodes.count ? env.s(.ok) : env.s(.warning)))
            let prims = st.primitives()
            let running = prims.filter { !$0.resource.nodes.isEmpty }.count
            lines.append(Line("resources \(running)/\(prims.count) running"))
            for r in st.health(state.config.layout).reasons {
                lines.append(Line("\(g.warning) \(r)", style: env.s(.warning)))
            }
        } else if let e = state.pollError {
            lines.append(Line(e.message, style: env.s(.alert)))
        }
        let footer = Line([Span("q", style: env.s(.uiKey)), Span(" quit ", style: env.s(.uiFooter)),
                           Span("?", style: env.s(.uiKey)), Span(" help", style: env.s(.uiFooter))])
        let body = max(0, buf.height - 1)
        for (i, l) in lines.prefix(body).enumerated() {
            buf.write(l, in: buf.area.row(i), ellipsis: g.ellipsis)
        }
        buf.write(footer, in: buf.area.row(buf.height - 1), ellipsis: g.ellipsis)
    }

    private static func full(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        let area = buf.area
        let parts = Layout.split(area, .vertical, [.length(2), .fill(1), .length(1), .length(1)])
        header(state, env, &buf, parts[0])
        statusLine(state, env, &buf, parts[2])
        footer(state, env, &buf, parts[3])
        let body = parts[1]
        // Rows are built once per frame and handed to the panes.
        let nodes = Rows.nodes(state), problems = Rows.problems(state), resources = Rows.resources(state)
        let nodeRows = nodes.count, problemRows = problems.count, resourceRows = resources.count
        let problemsHeight = problemRows == 0 ? 3 : min(problemRows, 6) + 2
        if body.width >= 130 {
            let cols = Layout.split(body, .horizontal, [.percentage(55), .fill(1)], spacing: 1)
            let left = Layout.split(cols[0], .vertical, [.length(min(nodeRows, 12) + 2), .fill(1)])
            let right = Layout.split(cols[1], .vertical, [.length(problemsHeight + 2), .fill(1)])
            nodesPane(nodes, state, env, &buf, left[0])
            resourcesPane(resources, state, env, &buf, left[1])
            problemsPane(problems, state, env, &buf, right[0])
            timelinePane(state, env, &buf, right[1])
        } else {
            // Priorities when space is short: nodes, resources, problems, then the timeline
            // (whose newest entry still shows on the status line).
            let nodesH = min(nodeRows, 8) + 2
            var problemsH = problemRows == 0 ? 3 : min(problemRows, 6) + 2
            let wanted = resourceRows + 2
            var rest = body.height - nodesH
            if problemRows == 0, rest - problemsH < wanted + 3 { problemsH = 0 }
            rest -= problemsH
            let resourcesH = max(3, min(wanted, rest - 3 >= wanted ? wanted : rest))
            // Too little left for a timeline: let the problems have it.
            if problemsH > 0, rest - resourcesH < 3 { problemsH += max(0, rest - resourcesH) }
            let rows = Layout.split(body, .vertical, [.length(nodesH), .length(resourcesH),
                                                      .length(problemsH), .fill(1)])
            nodesPane(nodes, state, env, &buf, rows[0])
            resourcesPane(resources, state, env, &buf, rows[1])
            if problemsH > 0 { problemsPane(problems, state, env, &buf, rows[2]) }
            if rows[3].height >= 3 { timelinePane(state, env, &buf, rows[3]) }
        }
    }

    // MARK: Header and footer

    static func header(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let g = env.glyphs
        var spans: [Span] = [Span("pacetop", style: env.s(.uiTitle))]
        if state.config.isDemo {
            spans.append(Span(" DEMO ", style: env.s(.demo).patched(with: Style(reverse: true))))
            spans.append(Span(" ", style: env.s(.uiText)))
        } else {
            spans.append(Span(" \(state.status?.clusterName ?? state.config.sourceLabel) ", style: env.s(.uiHeader)))
        }
        if state.config.readOnly { spans.append(Span("[READ-ONLY] ", style: env.s(.warning))) }
        if let st = state.status {
            let h = st.health(state.config.layout)
            spans.append(Span("\(g.bullet) \(healthWord(h.level))", style: healthStyle(h.level, env)))
            let q = st.summary.quorum
            spans.append(Span("  quorum ", style: env.s(.uiDim)))
            spans.append(Span(q == true ? "yes" : q == false ? "NO" : "unknown",
                              style: q == true ? env.s(.ok) : env.s(.alert)))
            spans.append(Span("  DC ", style: env.s(.uiDim)))
            spans.append(Span(st.summary.dc ?? "NONE", style: st.summary.dc == nil ? env.s(.alert) : env.s(.uiText)))
            if let stack = st.summary.stack { spans.append(Span("  \(stack)", style: env.s(.uiDim))) }
            if st.summary.maintenanceMode { spans.append(Span("  MAINTENANCE-MODE", style: env.s(.warning))) }
        }
        buf.write(Line(spans), in: area.row(0), ellipsis: g.ellipsis)
        // Second row: where the data comes from, how fresh it is, and the first reason.
        var second = freshness(state, env).spans
        if let st = state.status {
            let h = st.health(state.config.layout)
            if let r = h.reasons.first {
                second.append(Span("  \(g.warning) \(r)", style: healthStyle(h.level, env)))
                if h.reasons.count > 1 { second.append(Span(" (+\(h.reasons.count - 1) more)", style: env.s(.uiDim))) }
            }
        }
        buf.write(Line(second), in: area.row(1), ellipsis: g.ellipsis)
    }

    /// "via ip-…-133  live" or "STALE 14 s" with the poll error.
    static func freshness(_ state: AppState, _ env: ViewEnv) -> Line {
        var spans: [Span] = []
        if let via = state.via { spans.append(Span("via \(via) ", style: env.s(.uiDim))) }
        if state.status == nil {
            if let e = state.pollError {
                spans.append(Span("NO DATA: \(state.pollErrorText(e, via: state.via))", style: env.s(.alert)))
            } else {
                spans.append(Span("connecting…", style: env.s(.info)))
            }
        } else if state.isStale {
            let age = Int(state.dataAge ?? 0)
            spans.append(Span("STALE \(age) s", style: env.s(.stale).patched(with: env.s(.alert))))
            if let e = state.pollError { spans.append(Span(" \(state.pollErrorText(e, via: state.via))", style: env.s(.alert))) }
        } else {
            spans.append(Span("live", style: env.s(.ok)))
        }
        return Line(spans)
    }

    static func statusLine(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let g = env.glyphs
        if let r = state.running {
            let secs = Int(state.now.timeIntervalSince(r.started))
            let spin = ["|", "/", "-", "\\"][secs % 4]
            buf.write(Line([Span("\(spin) running \(secs) s: ", style: env.s(.info)),
                            Span("\(r.action.title) on \(r.node)", style: env.s(.uiText))]),
                      in: area, ellipsis: g.ellipsis)
        } else if state.filterEditing || !state.filter.isEmpty {
            buf.write(Line([Span("filter: ", style: env.s(.uiDim)),
                            Span(state.filter + (state.filterEditing ? "_" : ""), style: env.s(.uiText)),
                            Span(state.filterEditing ? "  (Enter keep, Esc clear)" : "", style: env.s(.uiDim))]),
                      in: area, ellipsis: g.ellipsis)
        } else if let m = state.message {
            buf.write(Line(m.text, style: m.level == .ok ? env.s(.info) : healthStyle(m.level, env)),
                      in: area, ellipsis: g.ellipsis)
        } else if let e = state.timeline.last {
            buf.write(Line([Span(clock(e.time) + " ", style: env.s(.timelineTime)),
                            Span(e.text, style: e.severity == .ok ? env.s(.timelineEvent) : healthStyle(e.severity, env))]),
                      in: area, ellipsis: g.ellipsis)
        }
    }

    /// The keys that fit, in table order; `?` (help) always shows, since it lists the rest.
    static func footer(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        var spans: [Span] = []
        var width = 0
        if !state.config.actionsEnabled {
            let word = state.config.readOnly ? "READ-ONLY " : "VIEW-ONLY "
            spans.append(Span(word, style: env.s(.warning)))
            width += word.count
        }
        let shown = state.config.keyMap.bindings.filter { b in
            b.inFooter && !(b.command.isAction && !state.config.actionsEnabled)
        }
        let help = shown.filter { $0.command == .help }
        for b in help + shown.filter({ $0.command != .help }) {
            let w = DisplayWidth.of(b.key.label) + 1 + b.command.short.count + 2
            if width + w - 2 > area.width { continue }
            spans.append(Span(b.key.label, style: env.s(.uiKey)))
            spans.append(Span(" \(b.command.short)  ", style: env.s(.uiFooter)))
            width += w
        }
        buf.write(Line(spans), in: area, ellipsis: env.glyphs.ellipsis)
    }

    // MARK: Panes

    private static func pane(_ title: String, _ pane: Pane, _ state: AppState, _ env: ViewEnv,
                             _ buf: inout Buffer, _ area: Rect, count: Int? = nil) -> Rect {
        let focused = state.focus == pane && state.overlay == .none
        let text = " \(title)" + (count.map { " (\($0))" } ?? "") + " "
        let block = Block(titleLine: Line(text, style: focused ? env.s(.uiTitle).patched(with: Style(bold: true)) : env.s(.uiDim)),
                          glyphs: env.glyphs,
                          borderStyle: focused ? env.s(.uiTitle) : env.s(.uiBorder))
        return block.render(into: &buf, area: area)
    }

    private static func table(_ columns: [TableColumn], _ rows: [TableRow], _ pane: Pane,
                              _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect,
                              header: Bool = false) {
        let focused = state.focus == pane
        var ts = TableState(selected: focused ? state.selected(pane) : nil)
        Table(columns: columns, rows: rows, showHeader: header, headerStyle: env.s(.uiDim),
              highlightStyle: env.s(.selection), highlightSymbol: env.glyphs.isUnicode ? "▶ " : "> ",
              ellipsis: env.glyphs.ellipsis)
            .render(into: &buf, area: area, state: &ts)
    }

    static func nodeCells(_ row: NodeRow, _ state: AppState, _ env: ViewEnv) -> [Line] {
        let n = row.node, g = env.glyphs
        let st = nodeStyle(n.state, env)
        var role: [Span] = []
        if row.isMaster { role.append(Span("\(g.master) master ", style: env.s(.master))) }
        if n.isDC { role.append(Span("DC", style: env.s(.info))) }
        // Down states in capitals, as crm_mon writes them.
        let word = [.offline, .unclean].contains(n.state) ? n.state.rawValue.uppercased() : n.state.rawValue
        var extra: [Span] = []
        if n.kind != .member { extra.append(Span(n.kind.rawValue + " ", style: env.s(.uiDim))) }
        if let h = n.health, h != .green { extra.append(Span("health \(h.rawValue)", style: h == .red ? env.s(.alert) : env.s(.warning))) }
        return [Line(n.name, style: st), Line(word, style: st), Line(role),
                Line("\(row.running) rsc", style: env.s(.uiDim)), Line(extra)]
    }

    static let nodeColumns = [TableColumn("NODE", width: .fill(2)), TableColumn("STATE", width: .length(11)),
                              TableColumn("ROLE", width: .length(12)), TableColumn("RUNNING", width: .length(7)),
                              TableColumn("", width: .fill(1))]

    private static func nodesPane(_ rows: [NodeRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Nodes", .nodes, state, env, &buf, area, count: rows.count)
        if state.status == nil {
            buf.write(Line("waiting for the first status…", style: env.s(.uiDim)), in: inner.row(0))
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
            roleStyle = r.failed ? env.s(.resourceFailed)
                : role.isPending ? env.s(.resourcePending)
                : role == .promoted ? env.s(.resourcePromoted)
                : role.isActive ? env.s(.resourceStarted) : env.s(.resourceStopped)
        } else {
            let prims = r.flattened().filter { $0.kind == .primitive }
            roleText = "\(prims.filter { !$0.nodes.isEmpty }.count)/\(prims.count) up"
            roleStyle = env.s(.uiDim)
        }
        var marks: [Span] = []
        if row.isAnchor { marks.append(Span("\(g.master) ", style: env.s(.master))) }
        if r.failed { marks.append(Span("FAILED ", style: env.s(.resourceFailed))) }
        if !r.managed { marks.append(Span("unmanaged ", style: env.s(.resourceUnmanaged))) }
        if r.blocked { marks.append(Span("blocked ", style: env.s(.alert))) }
        if r.orphaned { marks.append(Span("orphan ", style: env.s(.warning))) }
        if r.maintenance { marks.append(Span("maint ", style: env.s(.warning))) }
        if r.disabled || r.targetRole?.lowercased() == "stopped" { marks.append(Span("disabled ", style: env.s(.uiDim))) }
        if let p = r.pending { marks.append(Span("\(p.lowercased()) ", style: env.s(.resourcePending))) }
        if let l = r.lockedTo { marks.append(Span("locked \(l) ", style: env.s(.info))) }
        if row.offMaster { marks.append(Span("\(g.warning)not on master ", style: env.s(.warning))) }
        if r.kind == .primitive, r.nodes.count > 1, r.role != .migrating {
            marks.append(Span("MULTI-ACTIVE ", style: env.s(.alert)))
        }
        let fails = row.failCount.map { Line("\($0)", style: env.s(.resourceFailed)) } ?? Line("")
        let nodes = r.kind == .primitive ? r.nodes.joined(separator: ",") : ""
        return [Line([Span(indent + r.id, style: row.isAnchor ? env.s(.master) : env.s(.uiText)),
                      Span(kind, style: env.s(.uiDim))]),
                Line(roleText, style: roleStyle), Line(nodes), fails, Line(marks)]
    }

    static let resourceColumns = [TableColumn("RESOURCE", width: .fill(2)), TableColumn("ROLE", width: .length(10)),
                                  TableColumn("NODE", width: .fill(2)), TableColumn("FAILS", width: .length(5)),
                                  TableColumn("", width: .fill(2))]

    private static func resourcesPane(_ rows: [ResourceRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Resources", .resources, state, env, &buf, area, count: rows.count)
        if state.status != nil, rows.isEmpty {
            buf.write(Line(state.filter.isEmpty ? "no resources configured" : "nothing matches the filter",
                           style: env.s(.uiDim)), in: inner.row(0))
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
            var spans = [Span("\(g.warning) ", style: env.s(.warning)), Span(c.resource, style: env.s(.uiTitle)),
                         Span(" \(what) by \(c.id)", style: env.s(.uiText))]
            if let e = c.expires { spans.append(Span(" until \(e)", style: env.s(.uiDim))) }
            if hint { spans.append(Span(" — press \(clearKey) to clear", style: env.s(.uiKey))) }
            return Line(spans)
        case .failedAction(let f):
            var spans = [Span("\(g.cross) ", style: env.s(.alert)),
                         Span("\(f.resource) \(f.task ?? "op")", style: env.s(.resourceFailed)),
                         Span(" on \(f.node): ", style: env.s(.uiText)),
                         Span(ocfMeaning(f.exitCode), style: env.s(.alert))]
            if let r = f.exitReason { spans.append(Span(" '\(r)'", style: env.s(.uiText))) }
            if let t = f.lastRCChange { spans.append(Span(" at \(t)", style: env.s(.uiDim))) }
            if let fc = state.status?.failCount(resource: f.resource, node: f.node) {
                spans.append(Span(" fail-count \(fc)", style: env.s(.resourceFailed)))
            }
            if hint { spans.append(Span(" — \(cleanupKey) to clean up", style: env.s(.uiKey))) }
            return Line(spans)
        case .failCount(let r, let n, let c):
            var spans = [Span("\(g.warning) ", style: env.s(.warning)),
                         Span("\(r) fail-count \(c) on \(n)", style: env.s(.resourceFailed))]
            if hint { spans.append(Span(" — \(cleanupKey) to clean up", style: env.s(.uiKey))) }
            return Line(spans)
        case .reason(let r):
            return Line([Span("\(g.warning) ", style: env.s(.warning)), Span(r, style: env.s(.uiText))])
        }
    }

    private static func problemsPane(_ rows: [ProblemRow], _ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let inner = pane("Problems", .problems, state, env, &buf, area, count: rows.count)
        if rows.isEmpty {
            if state.status != nil {
                buf.write(Line("\(env.glyphs.check) no failed actions, no lingering constraints", style: env.s(.ok)),
                          in: inner.row(0), ellipsis: env.glyphs.ellipsis)
            }
            return
        }
        table([TableColumn("", width: .fill(1))], rows.map { TableRow([problemLine($0, state, env)]) },
              .problems, state, env, &buf, inner)
    }

    private static func timelinePane(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let entries = Rows.timeline(state)
        let inner = pane("Timeline", .timeline, state, env, &buf, area)
        if entries.isEmpty {
            buf.write(Line("changes will appear here as they happen", style: env.s(.uiDim)), in: inner.row(0),
                      ellipsis: env.glyphs.ellipsis)
            return
        }
        let rows = entries.map { e in
            TableRow([Line(clock(e.time), style: env.s(.timelineTime)),
                      Line(e.text, style: e.severity == .ok ? env.s(.timelineEvent) : healthStyle(e.severity, env))])
        }
        table([TableColumn("", width: .length(8)), TableColumn("", width: .fill(1))], rows, .timeline,
              state, env, &buf, inner)
    }

    // MARK: Overlays

    private static func overlay(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        let area = buf.area.inset(by: buf.width >= 30 && buf.height >= 10 ? 1 : 0)
        let g = env.glyphs
        func modal(_ title: String, _ body: [Line], _ buttons: [String], focused: Int = 0, width: Int = 76) {
            Modal(title: title, body: body, buttons: buttons, focusedButton: focused, glyphs: g,
                  borderStyle: env.s(.confirmBorder), titleStyle: env.s(.uiTitle), textStyle: env.s(.uiText),
                  buttonStyle: env.s(.button), focusedButtonStyle: env.s(.buttonFocused), maxWidth: width)
                .render(into: &buf, area: area)
        }
        switch state.overlay {
        case .none:
            break
        case .help:
            modal("pacetop help", helpLines(state, env), [], width: 76)
        case .details(let target):
            modal(detailsTitle(target), Details.lines(target, state, env), [], width: 100)
        case .confirm(let p):
            var body: [Line] = [
                Line(p.action.title, style: env.s(.uiTitle)),
                Line(""),
                Line("Command on \(p.node):", style: env.s(.uiDim)),
                Line(p.commandLine, style: env.s(.confirmCommand)),
                Line(""),
                Line("Expect: \(p.action.expectation)"),
            ]
            if state.config.isDemo { body.append(Line("(demo cluster: nothing real is touched)", style: env.s(.demo))) }
            body.append(Line(""))
            body.append(Line("y confirm · n/Esc cancel · ←/→ choose", style: env.s(.uiDim)))
            modal("Confirm", body, ["Cancel", "Confirm"], focused: p.confirmFocused ? 1 : 0)
        case .chooseNode(let candidates, let index):
            var body = [Line("Move \(state.config.layout.anchor) and its chain to:", style: env.s(.uiText)), Line("")]
            for (i, c) in candidates.enumerated() {
                body.append(i == index ? Line("\(g.pointer) \(c)", style: env.s(.selection)) : Line("  \(c)"))
            }
            body.append(Line(""))
            body.append(Line("↑/↓ choose · Enter next · Esc cancel", style: env.s(.uiDim)))
            modal("Move master", body, [])
        case .confirmQuit(let focused):
            let what = state.running.map { $0.action.title } ?? "An action"
            modal("Quit?", [Line("\(what) is still running."),
                            Line("Quitting closes the connection; an interrupted crm_resource --restart can leave the resource stopped.",
                                 style: env.s(.warning)),
                            Line(""), Line("y quit · any other key stays", style: env.s(.uiDim))],
                  ["Stay", "Quit"], focused: focused ? 1 : 0)
        }
    }

    private static func detailsTitle(_ t: DetailTarget) -> String {
        switch t {
        case .node(let n): "Node \(n)"
        case .resource(let r): "Resource \(r)"
        }
    }

    static func helpLines(_ state: AppState, _ env: ViewEnv) -> [Line] {
        var lines: [Line] = []
        var seen: [Command: [String]] = [:]
        var order: [Command] = []
        for b in state.config.keyMap.bindings {
            if seen[b.command] == nil { order.append(b.command) }
            seen[b.command, default: []].append(b.key.label)
        }
        for c in order {
            let keys = seen[c]!.joined(separator: " ")
            let disabled = c.isAction && !state.config.actionsEnabled
            let pad = String(repeating: " ", count: max(1, 12 - DisplayWidth.of(keys)))
            lines.append(Line([Span(keys, style: disabled ? env.s(.uiDim) : env.s(.uiKey)),
                               Span(pad + c.help + (c.isAction ? (disabled ? " (disabled)" : " (asks first)") : ""),
                                    style: disabled ? env.s(.uiDim) : env.s(.uiHelp))]))
        }
        lines.append(Line(""))
        if state.config.readOnly {
            lines.append(Line("Read-only mode: no action can be run.", style: env.s(.warning)))
        } else {
            lines.append(Line("Every action shows the exact command and waits for y.", style: env.s(.uiDim)))
        }
        lines.append(Line("Esc closes this help.", style: env.s(.uiDim)))
        return lines
    }

    // MARK: Words and styles

    static func healthWord(_ l: HealthVerdict.Level) -> String {
        switch l {
        case .ok: "OK"
        case .degraded: "DEGRADED"
        case .critical: "CRITICAL"
        }
    }

    static func healthStyle(_ l: HealthVerdict.Level, _ env: ViewEnv) -> Style {
        switch l {
        case .ok: env.s(.healthOK)
        case .degraded: env.s(.healthDegraded)
        case .critical: env.s(.healthCritical)
        }
    }

    static func nodeStyle(_ s: NodeState, _ env: ViewEnv) -> Style {
        switch s {
        case .online: env.s(.nodeOnline)
        case .standby: env.s(.nodeStandby)
        case .maintenance: env.s(.nodeMaintenance)
        case .pending, .shutdown: env.s(.nodePending)
        case .offline: env.s(.nodeOffline)
        case .unclean: env.s(.nodeUnclean)
        }
    }

    /// OCF exit codes in words; the number is always shown too.
    static func ocfMeaning(_ rc: Int) -> String {
        let word: String = switch rc {
        case 0: "ok"
        case 1: "generic error"
        case 2: "invalid argument"
        case 3: "unimplemented"
        case 4: "insufficient privileges"
        case 5: "not installed"
        case 6: "not configured"
        case 7: "not running"
        case 8: "running (promoted)"
        case 9: "failed (promoted)"
        case 190: "degraded"
        case 191: "degraded (promoted)"
        default: "error"
        }
        return "\(word) (rc \(rc))"
    }

    /// Wall-clock time of day in the local time zone, HH:MM:SS.
    static func clock(_ d: Date) -> String {
        var t = time_t(d.timeIntervalSince1970)
        var tmv = tm()
        localtime_r(&t, &tmv)
        return String(format: "%02d:%02d:%02d", tmv.tm_hour, tmv.tm_min, tmv.tm_sec)
    }
}
