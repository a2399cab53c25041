import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

// The header (cluster, verdict, freshness), the status line and the footer.
extension View {
    // MARK: Header and footer

    static func header(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let g = env.glyphs
        var spans: [Span] = [Span("pacetop", style: env.style(.uiTitle))]
        if state.config.isDemo {
            spans.append(Span(" DEMO ", style: env.style(.demo).patched(with: Style(reverse: true))))
            spans.append(Span(" ", style: env.style(.uiText)))
        } else {
            spans.append(Span(" \(state.status?.clusterName ?? state.config.sourceLabel) ", style: env.style(.uiHeader)))
        }
        if state.config.readOnly { spans.append(Span("[READ-ONLY] ", style: env.style(.warning))) }
        if let st = state.status {
            spans.append(verdict(state, env))
            let q = st.summary.quorum
            spans.append(Span("  quorum ", style: env.style(.uiDim)))
            spans.append(Span(q == true ? "yes" : q == false ? "NO" : "unknown",
                              style: q == true ? env.style(.ok) : env.style(.alert)))
            spans.append(Span("  DC ", style: env.style(.uiDim)))
            spans.append(Span(st.summary.dc ?? "NONE", style: st.summary.dc == nil ? env.style(.alert) : env.style(.uiText)))
            if let stack = st.summary.stack { spans.append(Span("  \(stack)", style: env.style(.uiDim))) }
            if st.summary.maintenanceMode { spans.append(Span("  MAINTENANCE-MODE", style: env.style(.warning))) }
        }
        buf.write(Line(spans), in: area.row(0), ellipsis: g.ellipsis)
        // Second row: where the data comes from, how fresh it is, and the first reason.
        var second = freshness(state, env).spans
        if let h = state.digest?.health {
            if let r = h.reasons.first {
                second.append(Span("  \(g.warning) \(r)", style: healthStyle(h.level, env)))
                if h.reasons.count > 1 { second.append(Span(" (+\(h.reasons.count - 1) more)", style: env.style(.uiDim))) }
            }
        }
        buf.write(Line(second), in: area.row(1), ellipsis: g.ellipsis)
    }

    /// The verdict word, or STALE / NO CONTACT with the data's age once the status on screen
    /// is older than two intervals: an old "OK" must never look current.
    static func verdict(_ state: AppState, _ env: ViewEnv, bullet: Bool = true) -> Span {
        let mark = bullet ? "\(env.glyphs.bullet) " : ""
        if state.isOutdated {
            let word = state.pollError.map { $0.kind == .connect || $0.kind == .timeout } == true ? "NO CONTACT" : "STALE"
            return Span("\(mark)\(word) \(Int(state.dataAge ?? 0)) s", style: env.style(.stale).patched(with: env.style(.alert)))
        }
        guard let h = state.digest?.health else { return Span(mark + "…", style: env.style(.uiDim)) }
        var text = mark + healthWord(h.level)
        if state.withoutQuorum { text += " (NO-QUORUM VIEW)" }
        return Span(text, style: state.withoutQuorum ? env.style(.alert) : healthStyle(h.level, env))
    }

    /// "via ip-…-133  live" or "STALE 14 s" with the poll error.
    static func freshness(_ state: AppState, _ env: ViewEnv) -> Line {
        var spans: [Span] = []
        if let via = state.via { spans.append(Span("via \(via) ", style: env.style(.uiDim))) }
        if state.status == nil {
            if let e = state.pollError {
                spans.append(Span("NO DATA: \(state.pollErrorText(e, via: state.via))", style: env.style(.alert)))
            } else {
                spans.append(Span("connecting…", style: env.style(.info)))
            }
        } else if state.isStale {
            let age = Int(state.dataAge ?? 0)
            spans.append(Span("STALE \(age) s", style: env.style(.stale).patched(with: env.style(.alert))))
            if let e = state.pollError { spans.append(Span(" \(state.pollErrorText(e, via: state.via))", style: env.style(.alert))) }
        } else {
            spans.append(Span("live", style: env.style(.ok)))
        }
        return Line(spans)
    }

    static func statusLine(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        let g = env.glyphs
        if let r = state.running {
            let secs = Int(state.now.timeIntervalSince(r.started))
            let spin = ["|", "/", "-", "\\"][secs % 4]
            buf.write(Line([Span("\(spin) running \(secs) s: ", style: env.style(.info)),
                            Span("\(r.action.title) on \(r.node)", style: env.style(.uiText))]),
                      in: area, ellipsis: g.ellipsis)
        } else if state.filterEditing || !state.filter.isEmpty {
            buf.write(Line([Span("filter: ", style: env.style(.uiDim)),
                            Span(state.filter + (state.filterEditing ? "_" : ""), style: env.style(.uiText)),
                            Span(state.filterEditing ? "  (Enter keep, Esc clear)" : "", style: env.style(.uiDim))]),
                      in: area, ellipsis: g.ellipsis)
        } else if let m = state.message {
            buf.write(Line(m.text, style: m.level == .ok ? env.style(.info) : healthStyle(m.level, env)),
                      in: area, ellipsis: g.ellipsis)
        } else if let e = state.timeline.last {
            buf.write(Line([Span(clock(e.time) + " ", style: env.style(.timelineTime)),
                            Span(e.text, style: e.severity == .ok ? env.style(.timelineEvent) : healthStyle(e.severity, env))]),
                      in: area, ellipsis: g.ellipsis)
        }
    }

    /// The keys that fit, in table order; `?` (help) always shows, since it lists the rest.
    static func footer(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        var spans: [Span] = []
        var width = 0
        if !state.config.actionsEnabled {
            let word = state.config.readOnly ? "READ-ONLY " : "VIEW-ONLY "
            spans.append(Span(word, style: env.style(.warning)))
            width += word.count
        }
        let shown = state.config.keyMap.bindings.filter { b in
            b.inFooter && !(b.command.isAction && !state.config.actionsEnabled)
        }
        let help = shown.filter { $0.command == .help }
        for b in help + shown.filter({ $0.command != .help }) {
            let w = DisplayWidth.of(b.key.label) + 1 + b.command.short.count + 2
            if width + w - 2 > area.width { continue }
            spans.append(Span(b.key.label, style: env.style(.uiKey)))
            spans.append(Span(" \(b.command.short)  ", style: env.style(.uiFooter)))
            width += w
        }
        buf.write(Line(spans), in: area, ellipsis: env.glyphs.ellipsis)
    }
}
