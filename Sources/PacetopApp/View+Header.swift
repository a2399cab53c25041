import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

// The header (cluster, verdict, freshness), the status line and the footer.
extension View {
    // MARK: Header and footer

    /// `oneShot`: the `--once` report, where "live" means nothing.
    static func header(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect, oneShot: Bool = false) {
        let glyphs = env.glyphs
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
            let quorum = st.summary.quorum
            spans.append(Span("  quorum ", style: env.style(.uiDim)))
            spans.append(Span(quorum == true ? "yes" : quorum == false ? "NO" : "unknown",
                              style: quorum == true ? env.style(.ok) : env.style(.alert)))
            spans.append(Span("  DC ", style: env.style(.uiDim)))
            spans.append(Span(st.summary.dc ?? "NONE", style: st.summary.dc == nil ? env.style(.alert) : env.style(.uiText)))
            if let stack = st.summary.stack { spans.append(Span("  \(stack)", style: env.style(.uiDim))) }
            if st.summary.maintenanceMode { spans.append(Span("  MAINTENANCE-MODE", style: env.style(.warning))) }
        }
        // Every time on screen is in this one zone.
        spans.append(Span("  times \(zoneName(utc: state.config.utc))", style: env.style(.uiDim)))
        buf.write(Line(spans), in: area.row(0), ellipsis: glyphs.ellipsis)
        // Second row: where the data comes from, how fresh it is, and the first reason.
        var second = freshness(state, env, oneShot: oneShot).spans
        if let health = state.digest?.health {
            if let reason = health.reasons.first {
                second.append(Span("  \(glyphs.warning) \(reason)", style: healthStyle(health.level, env)))
                if health.reasons.count > 1 { second.append(Span(" (+\(health.reasons.count - 1) more)", style: env.style(.uiDim))) }
            }
        }
        buf.write(Line(second), in: area.row(1), ellipsis: glyphs.ellipsis)
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
    /// With `width`, the node name gives way from the front (`…16-133`) before anything else.
    static func freshness(_ state: AppState, _ env: ViewEnv, width: Int = .max, oneShot: Bool = false) -> Line {
        var spans: [Span] = []
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
        } else if !oneShot {
            spans.append(Span("live", style: env.style(.ok)))
        }
        guard let via = state.via else { return Line(spans) }
        return naming([Span("via ", style: env.style(.uiDim))], via, env.style(.uiDim),
                      [Span(" ", style: env.style(.uiDim))] + spans, width: width, env)
    }

    /// `before name after` in `width` columns: the name shortens from the front, down to
    /// four columns, before the rest is cut at the end.
    static func naming(_ before: [Span], _ name: String, _ style: Style, _ after: [Span], width: Int,
                       _ env: ViewEnv) -> Line {
        let around = Line(before + after).width
        let room = max(4, width - around)
        let shown = Line(name, style: style).keepingEnd(width: room, ellipsis: env.glyphs.ellipsis)
        return Line(before + shown.spans + after)
    }

    /// What is under way, the filter, the last message, or else (with `latestEvent`) the newest timeline line.
    static func statusLine(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect, latestEvent: Bool = true) {
        let glyphs = env.glyphs
        if let running = state.running {
            let secs = Int(state.now.timeIntervalSince(running.started))
            let spin = ["|", "/", "-", "\\"][secs % 4]
            buf.write(Line([Span("\(spin) running \(secs) s: ", style: env.style(.info)),
                            Span("\(running.action.title) on \(running.node)", style: env.style(.uiText))]),
                      in: area, ellipsis: glyphs.ellipsis)
        } else if state.filterEditing || !state.filter.isEmpty {
            buf.write(Line([Span("filter: ", style: env.style(.uiDim)),
                            Span(state.filter + (state.filterEditing ? "_" : ""), style: env.style(.uiText)),
                            Span(state.filterEditing ? "  (Enter keep, Esc clear)" : "", style: env.style(.uiDim))]),
                      in: area, ellipsis: glyphs.ellipsis)
        } else if let message = state.message {
            buf.write(Line(message.text, style: message.level == .ok ? env.style(.info) : healthStyle(message.level, env)),
                      in: area, ellipsis: glyphs.ellipsis)
        } else if latestEvent, let entry = state.timeline.last {
            buf.write(Line([Span(clock(entry.time, utc: state.config.utc) + " ", style: env.style(.timelineTime)),
                            Span(entry.text, style: entry.severity == .ok ? env.style(.timelineEvent) : healthStyle(entry.severity, env))]),
                      in: area, ellipsis: glyphs.ellipsis)
        }
    }

    /// The keys that fit, in table order; `?` (help) always shows, since it lists the rest.
    static func footer(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer, _ area: Rect) {
        var hintArea = area
        if !state.config.actionsEnabled {
            let word = state.config.readOnly ? "READ-ONLY " : "VIEW-ONLY "
            let used = buf.write(Line(word, style: env.style(.warning)), in: area)
            hintArea = Rect(x: area.x + used, y: area.y, width: max(0, area.width - used), height: area.height)
        }
        let shown = state.config.keyMap.bindings.filter { binding in
            binding.inFooter && !(binding.command.isAction && !state.config.actionsEnabled)
        }
        let ordered = shown.filter { $0.command == .help } + shown.filter { $0.command != .help }
        HintBar(ordered.map { KeyHint($0.key.label, $0.command.short) }, keyStyle: env.style(.uiKey),
                labelStyle: env.style(.uiFooter))
            .render(into: &buf, area: hintArea)
    }
}
