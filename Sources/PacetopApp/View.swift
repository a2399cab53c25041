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
        for (i, l) in lines.enumerated() where i < buf.height {
            buf.write(Line(l, style: env.style(.alert)), in: buf.area.row(i), ellipsis: env.glyphs.ellipsis)
        }
    }

    /// Small terminals: the verdict, quorum, master and counts, one per line.
    static func compact(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        var lines: [Line] = []
        let g = env.glyphs
        var first: [Span] = [Span("pacetop ", style: env.style(.uiTitle))]
        if state.status != nil {
            first.append(verdict(state, env, bullet: false))
        } else {
            first.append(Span(state.pollError == nil ? "connecting" : "NO DATA", style: env.style(.alert)))
        }
        if state.config.isDemo { first.append(Span(" DEMO", style: env.style(.demo))) }
        lines.append(Line(first))
        lines.append(freshness(state, env))
        if let st = state.status, let digest = state.digest {
            let q = st.summary.quorum
            lines.append(Line([Span("quorum ", style: env.style(.uiDim)),
                               Span(q == true ? "yes" : q == false ? "NO" : "?", style: q == true ? env.style(.ok) : env.style(.alert)),
                               Span(" DC ", style: env.style(.uiDim)), Span(st.summary.dc ?? "none")]))
            let master = digest.master
            lines.append(Line([Span("\(g.master) master ", style: env.style(.master)),
                               Span(master ?? "NONE", style: master == nil ? env.style(.alert) : env.style(.master))]))
            let online = st.nodes.filter { $0.state == .online }.count
            lines.append(Line("nodes \(online)/\(st.nodes.count) online",
                              style: online == st.nodes.count ? env.style(.ok) : env.style(.warning)))
            lines.append(Line("resources \(digest.runningPrimitives)/\(digest.primitives) running"))
            for r in digest.health.reasons {
                lines.append(Line("\(g.warning) \(r)", style: env.style(.warning)))
            }
        } else if let e = state.pollError {
            lines.append(Line(e.message, style: env.style(.alert)))
        }
        let footer = Line([Span("q", style: env.style(.uiKey)), Span(" quit ", style: env.style(.uiFooter)),
                           Span("?", style: env.style(.uiKey)), Span(" help", style: env.style(.uiFooter))])
        let body = max(0, buf.height - 1)
        for (i, l) in lines.prefix(body).enumerated() {
            buf.write(l, in: buf.area.row(i), ellipsis: g.ellipsis)
        }
        buf.write(footer, in: buf.area.row(buf.height - 1), ellipsis: g.ellipsis)
    }

    static func full(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
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
}
