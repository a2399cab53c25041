import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

/// What the view needs besides state: the resolved theme and the glyphs the terminal can show.
public struct ViewEnv: Sendable {
    /// Colours per role, from the theme in use.
    public var theme: Theme
    /// Unicode or ASCII symbols, whichever the terminal's locale can show.
    public var glyphs: GlyphSet

    /// An environment with a resolved theme and glyph set.
    public init(theme: Theme, glyphs: GlyphSet) {
        self.theme = theme
        self.glyphs = glyphs
    }

    func style(_ role: Role) -> Style { theme.style(role) }
}

/// state → Buffer. Pure: no I/O, no clock (the time comes from state).
public enum View {
    /// Below this a notice asks for a bigger terminal instead of the dashboard.
    public static let minimumSize = Size(width: 20, height: 6)

    /// Draws the whole screen for `state`: full layout, compact under 60×16, a notice when too small.
    public static func render(_ state: AppState, _ env: ViewEnv) -> Buffer {
        let size = state.size
        var buf = Buffer(width: max(0, size.width), height: max(0, size.height),
                         fill: Cell(" ", style: env.style(.uiText)))
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

    /// The notice words itself for the width it has: a cut "terminal too s…" says nothing.
    static func tooSmall(_ buf: inout Buffer, _ env: ViewEnv) {
        let need = "need \(minimumSize.width)x\(minimumSize.height)"
        let lines = buf.width >= 18 ? ["terminal too small", need, "q quits"]
            : buf.width >= 9 ? ["too small", need, "q quits"]
            : ["small", "q quit"]
        for (row, line) in lines.enumerated() where row < buf.height {
            buf.write(Line(line, style: env.style(.alert)), in: buf.area.row(row), ellipsis: env.glyphs.ellipsis)
        }
    }

    /// Small terminals: the verdict, quorum, master and counts, one per line.
    static func compact(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        var lines: [Line] = []
        let glyphs = env.glyphs
        var first: [Span] = [Span("pacetop ", style: env.style(.uiTitle))]
        if state.status != nil {
            first.append(verdict(state, env, bullet: false))
        } else {
            first.append(Span(state.pollError == nil ? "connecting" : "NO DATA", style: env.style(.alert)))
        }
        if state.config.isDemo { first.append(Span(" DEMO", style: env.style(.demo))) }
        lines.append(Line(first))
        let width = buf.width
        lines.append(freshness(state, env, width: width))
        if let st = state.status, let digest = state.digest {
            let quorum = st.summary.quorum
            lines.append(naming([Span("quorum ", style: env.style(.uiDim)),
                                 Span(quorum == true ? "yes" : quorum == false ? "NO" : "?", style: quorum == true ? env.style(.ok) : env.style(.alert)),
                                 Span(" DC ", style: env.style(.uiDim))], st.summary.dc ?? "none", env.style(.uiText), [],
                                width: width, env))
            let master = digest.master
            lines.append(naming([Span("\(glyphs.master) master ", style: env.style(.master))], master ?? "NONE",
                                master == nil ? env.style(.alert) : env.style(.master), [], width: width, env))
            let online = st.nodes.filter { $0.state == .online }.count
            lines.append(Line("nodes \(online)/\(st.nodes.count) online",
                              style: online == st.nodes.count ? env.style(.ok) : env.style(.warning)))
            lines.append(Line("resources \(digest.runningPrimitives)/\(digest.primitives) running"))
            for reason in digest.health.reasons {
                lines.append(Line("\(glyphs.warning) \(reason)", style: env.style(.warning)))
            }
        } else if let e = state.pollError {
            lines.append(Line(e.message, style: env.style(.alert)))
        }
        let footer = Line([Span("q", style: env.style(.uiKey)), Span(" quit ", style: env.style(.uiFooter)),
                           Span("?", style: env.style(.uiKey)), Span(" help", style: env.style(.uiFooter))])
        // Messages ("select a node", an action's outcome) take the line above the footer.
        let says = state.running != nil || state.filterEditing || !state.filter.isEmpty || state.message != nil
        let body = max(0, buf.height - 1 - (says ? 1 : 0))
        for (row, line) in lines.prefix(body).enumerated() {
            buf.write(line, in: buf.area.row(row), ellipsis: glyphs.ellipsis)
        }
        if says { statusLine(state, env, &buf, buf.area.row(buf.height - 2), latestEvent: false) }
        buf.write(footer, in: buf.area.row(buf.height - 1), ellipsis: glyphs.ellipsis)
    }

    static func full(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        let area = buf.area
        let parts = Layout.split(area, .vertical, [.length(2), .fill(1), .length(1), .length(1)])
        header(state, env, &buf, parts[0])
        statusLine(state, env, &buf, parts[2])
        footer(state, env, &buf, parts[3])
        // Rows are built once per frame and handed to the panes.
        let nodes = Rows.nodes(state), problems = Rows.problems(state), resources = Rows.resources(state)
        let areas = paneAreas(state, nodeRows: nodes.count, resourceRows: resources.count,
                              problemRows: problems.count + (Rows.hiddenProblems(state) > 0 ? 1 : 0))
        if let a = areas[.nodes] { nodesPane(nodes, state, env, &buf, a) }
        if let a = areas[.resources] { resourcesPane(resources, state, env, &buf, a) }
        if let a = areas[.problems] { problemsPane(problems, state, env, &buf, a) }
        if let a = areas[.timeline] { timelinePane(state, env, &buf, a) }
    }

    /// Where each pane is drawn at the state's size; a pane that does not fit is absent (all
    /// are absent on the compact screen). Update uses it too, so that Tab, paging and the
    /// focus follow what is on screen.
    public static func paneAreas(_ state: AppState) -> [Pane: Rect] {
        paneAreas(state, nodeRows: Rows.nodes(state).count, resourceRows: Rows.resources(state).count,
                  problemRows: Rows.problems(state).count + (Rows.hiddenProblems(state) > 0 ? 1 : 0))
    }

    static func paneAreas(_ state: AppState, nodeRows: Int, resourceRows: Int, problemRows: Int) -> [Pane: Rect] {
        let size = state.size
        guard size.width >= minimumSize.width, size.height >= minimumSize.height,
              size.height >= 16, size.width >= 60 else { return [:] }
        let body = Layout.split(Rect(x: 0, y: 0, width: size.width, height: size.height), .vertical,
                                [.length(2), .fill(1), .length(1), .length(1)])[1]
        let problemsHeight = problemRows == 0 ? 3 : min(problemRows, 6) + 2
        if body.width >= 130 {
            let cols = Layout.split(body, .horizontal, [.percentage(55), .fill(1)], spacing: 1)
            let left = Layout.split(cols[0], .vertical, [.length(min(nodeRows, 12) + 2), .fill(1)])
            let right = Layout.split(cols[1], .vertical, [.length(problemsHeight + 2), .fill(1)])
            return [.nodes: left[0], .resources: left[1], .problems: right[0], .timeline: right[1]]
        }
        // Priorities when space is short: nodes, resources, problems, then the timeline, which
        // keeps at least its newest entry while the resources can still show three rows.
        let nodesH = min(nodeRows, 8) + 2
        var problemsH = problemsHeight
        let wanted = resourceRows + 2
        var rest = body.height - nodesH
        if problemRows == 0, rest - problemsH < wanted + 3 { problemsH = 0 }
        rest -= problemsH
        let timelineH = rest - 3 >= 5 ? 3 : 0
        let resourcesH = max(3, min(wanted, rest - timelineH))
        // Too little left for a timeline: let the problems have it.
        if problemsH > 0, rest - resourcesH < 3 { problemsH += max(0, rest - resourcesH) }
        let rows = Layout.split(body, .vertical, [.length(nodesH), .length(resourcesH),
                                                  .length(problemsH), .fill(1)])
        var out: [Pane: Rect] = [.nodes: rows[0], .resources: rows[1]]
        if problemsH > 0 { out[.problems] = rows[2] }
        if rows[3].height >= 3 { out[.timeline] = rows[3] }
        return out
    }
}
