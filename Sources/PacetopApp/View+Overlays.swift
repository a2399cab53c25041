import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

// Overlays drawn over the panes: help, details, confirmation, node choice, quit.
extension View {
    // MARK: Overlays

    static func overlay(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        let area = buf.area.inset(by: buf.width >= 30 && buf.height >= 10 ? 1 : 0)
        let g = env.glyphs
        func modal(_ title: String, _ body: [Line], _ buttons: [String], focused: Int = 0, width: Int = 76) {
            Modal(title: title, body: body, buttons: buttons, focusedButton: focused, glyphs: g,
                  borderStyle: env.style(.confirmBorder), titleStyle: env.style(.uiTitle), textStyle: env.style(.uiText),
                  buttonStyle: env.style(.button), focusedButtonStyle: env.style(.buttonFocused), maxWidth: width)
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
            var body: [Line] = [Line(p.action.title, style: env.style(.uiTitle)), Line("")]
            if let old = p.movedFrom {
                body.append(Line("\(old) stopped answering: this now runs on \(p.node).", style: env.style(.alert)))
            }
            if let warning = App.confirmWarning(state) {
                body.append(Line(warning + (p.warningAcknowledged ? " Press y again to run it anyway." : ""),
                                 style: env.style(.alert)))
            }
            body += [
                Line("Command on \(p.node):", style: env.style(.uiDim)),
                Line(p.commandLine, style: env.style(.confirmCommand)),
                Line(""),
                Line("Expect: \(p.action.expectation)"),
            ]
            if state.config.isDemo { body.append(Line("(demo cluster: nothing real is touched)", style: env.style(.demo))) }
            body.append(Line(""))
            body.append(Line("y confirm · n/Esc cancel · ←/→ choose", style: env.style(.uiDim)))
            modal("Confirm", body, ["Cancel", "Confirm"], focused: p.confirmFocused ? 1 : 0)
        case .chooseNode(let candidates, let index):
            var body = [Line("Move \(state.config.layout.anchor) and its chain to:", style: env.style(.uiText)), Line("")]
            for (i, c) in candidates.enumerated() {
                body.append(i == index ? Line("\(g.pointer) \(c)", style: env.style(.selection)) : Line("  \(c)"))
            }
            body.append(Line(""))
            body.append(Line("↑/↓ choose · Enter next · Esc cancel", style: env.style(.uiDim)))
            modal("Move master", body, [])
        case .confirmQuit(let focused):
            let what = state.running.map { $0.action.title } ?? "An action"
            modal("Quit?", [Line("\(what) is still running."),
                            Line("Quitting closes the connection; the command goes on running on the node and completes there.",
                                 style: env.style(.warning)),
                            Line(""), Line("y quit · any other key stays", style: env.style(.uiDim))],
                  ["Stay", "Quit"], focused: focused ? 1 : 0)
        }
    }

    static func detailsTitle(_ t: DetailTarget) -> String {
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
            lines.append(Line([Span(keys, style: disabled ? env.style(.uiDim) : env.style(.uiKey)),
                               Span(pad + c.help + (c.isAction ? (disabled ? " (disabled)" : " (asks first)") : ""),
                                    style: disabled ? env.style(.uiDim) : env.style(.uiHelp))]))
        }
        lines.append(Line(""))
        if state.config.readOnly {
            lines.append(Line("Read-only mode: no action can be run.", style: env.style(.warning)))
        } else {
            lines.append(Line("Every action shows the exact command and waits for y.", style: env.style(.uiDim)))
        }
        lines.append(Line("Esc closes this help.", style: env.style(.uiDim)))
        return lines
    }
}
