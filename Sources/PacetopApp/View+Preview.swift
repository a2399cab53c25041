import FoundationEssentials
import PacetopCore
import PacetopUI

// The confirmation pane's command lines and what-if preview.
extension View {
    /// Longest list of changes the pane shows before "… and N more".
    static let previewRowLimit = 12

    /// The command (two for a move that releases), each with where it runs.
    static func commandLines(_ p: PendingAction, _ state: AppState, _ env: ViewEnv) -> [Line] {
        var lines: [Line] = []
        if let mode = p.moveMode {
            let modes = MoveMode.allCases.map { $0 == mode ? "[\($0.label)]" : $0.label }.joined(separator: "  ")
            lines += [Line([Span("Mode (m): ", style: env.style(.uiDim)), Span(modes, style: env.style(.uiText))]), Line("")]
        }
        guard let clear = App.releaseCommand(state, p) else {
            return lines + [Line("Command on \(p.node):", style: env.style(.uiDim)),
                            Line(p.commandLine, style: env.style(.confirmCommand))]
        }
        return lines + [
            Line("1. Command on \(p.node):", style: env.style(.uiDim)),
            Line(p.commandLine, style: env.style(.confirmCommand)),
            Line("2. Once the chain runs on the target, and only if the scheduler says nothing moves back:",
                 style: env.style(.uiDim)),
            Line(clear.commandLine, style: env.style(.confirmCommand)),
        ]
    }

    /// What to expect, in words; a move that releases leaves no constraint behind.
    static func expectation(_ p: PendingAction) -> String {
        guard p.moveMode == .release, case .move(let r, let n) = p.action else { return p.action.expectation }
        return "\(r) and the resources colocated with it stop and start on \(n). Once they run there, "
            + "cli-prefer-\(r) is cleared, so nothing stays pinned."
    }

    /// What the cluster will do, as crm_simulate computed it (or why that is not known).
    static func previewLines(_ p: PendingAction, _ env: ViewEnv) -> [Line] {
        switch p.preview {
        case .computing:
            return [Line("What the cluster will do: computing… (crm_simulate on \(p.node))", style: env.style(.uiDim))]
        case .failed(let why):
            return [Line("No preview: \(why). You can still confirm or cancel.", style: env.style(.warning))]
        case .ready(let preview):
            var lines: [Line] = []
            let restart: Bool = if case .restart = p.action { true } else { false }
            if preview.changes.isEmpty {
                lines.append(Line("Nothing will change (\(preview.computedBy)).", style: env.style(.ok)))
            } else {
                lines.append(Line(restart ? "These stop and start again (\(preview.computedBy)):"
                                  : "What the cluster will do (\(preview.computedBy)):", style: env.style(.uiDim)))
                lines += changeRows(preview.changes, env)
            }
            if p.moveMode != nil {
                lines += releaseLines(p, preview, env)
            }
            return lines
        }
    }

    /// The preview in one line, for a terminal too small for its rows.
    static func shortPreviewLines(_ p: PendingAction, _ env: ViewEnv) -> [Line] {
        guard case .ready(let preview) = p.preview else { return previewLines(p, env) }
        if preview.changes.isEmpty { return [Line("Nothing will change (\(preview.computedBy)).", style: env.style(.ok))] }
        var lines = [Line("The cluster will \(App.describe(preview.changes)) (a taller terminal lists them).",
                          style: env.style(.uiText))]
        if let after = preview.afterRelease, !after.isEmpty {
            lines.append(Line("Clearing afterwards would \(App.describe(after)).", style: env.style(.alert)))
        }
        return lines
    }

    /// `pbx  ip-…-133 → ip-…-135  (move)`, aligned, at most `previewRowLimit` of them.
    static func changeRows(_ changes: [PlannedChange], _ env: ViewEnv) -> [Line] {
        let width = changes.map { DisplayWidth.of($0.resource) }.max() ?? 0
        var rows = changes.prefix(previewRowLimit).map { c in
            let pad = String(repeating: " ", count: max(0, width - DisplayWidth.of(c.resource)))
            let place = c.target.map { "\(c.node ?? "?") \(env.glyphs.arrowRight) \($0)" } ?? (c.node ?? "")
            let style: Role = switch c.kind {
            case .stop: .warning
            case .recover: .alert
            default: .uiText
            }
            return Line([Span("  \(c.resource)\(pad)  ", style: env.style(.uiText)), Span(place, style: env.style(.uiText)),
                         Span("  (\(c.kind.rawValue))", style: env.style(style))])
        }
        if changes.count > previewRowLimit {
            rows.append(Line("  \(env.glyphs.ellipsis) and \(changes.count - previewRowLimit) more", style: env.style(.uiDim)))
        }
        return rows
    }

    /// For a move: whether clearing the constraint afterwards would move things again.
    static func releaseLines(_ p: PendingAction, _ preview: Preview, _ env: ViewEnv) -> [Line] {
        if let problem = preview.releaseProblem {
            return [Line("Whether clearing afterwards moves it back is not known (\(problem)); "
                         + "the release step asks the scheduler again first.", style: env.style(.uiDim))]
        }
        guard let after = preview.afterRelease else { return [] }
        if after.isEmpty {
            return [Line("Clearing the constraint afterwards moves nothing back.", style: env.style(.uiDim))]
        }
        var lines = [Line("Clearing afterwards would \(App.describe(after)).", style: env.style(.alert))]
        if p.moveMode == .release {
            lines.append(Line("The release step will keep the pin then; m chooses \"move and pin\" now.",
                              style: env.style(.alert)))
        }
        return lines
    }
}
