import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

// Overlays drawn over the panes: help, details, confirmation, node choice, quit.
extension View {
    // MARK: Overlays

    static func overlay(_ state: AppState, _ env: ViewEnv, _ buf: inout Buffer) {
        overlayModal(state, env)?.render(into: &buf, area: overlayArea(state.size))
    }

    static func overlayArea(_ size: Size) -> Rect {
        Rect(x: 0, y: 0, width: max(0, size.width), height: max(0, size.height))
            .inset(by: size.width >= 30 && size.height >= 10 ? 1 : 0)
    }

    /// The open overlay as a box; update asks it whether a confirmation fits and how far
    /// help and details scroll.
    static func overlayModal(_ state: AppState, _ env: ViewEnv) -> Modal? {
        let glyphs = env.glyphs
        func modal(_ title: String, _ body: [Line], _ buttons: [String], focused: Int = 0, width: Int = 76) -> Modal {
            Modal(title: title, body: body, buttons: buttons, focusedButton: focused, glyphs: glyphs,
                  borderStyle: env.style(.confirmBorder), titleStyle: env.style(.uiTitle), textStyle: env.style(.uiText),
                  buttonStyle: env.style(.button), focusedButtonStyle: env.style(.buttonFocused), maxWidth: width,
                  scroll: state.overlayScroll)
        }
        switch state.overlay {
        case .none:
            return nil
        case .help:
            return modal("pacetop help", helpLines(state, env), [], width: 76)
        case .details(let target):
            return modal(detailsTitle(target), Details.lines(target, state, env), [], width: 100)
        case .confirm(let pending):
            let focused = pending.confirmFocused ? 1 : 0
            // The whole pane with the scheduler's preview; else the preview in one line (it is a
            // help, the command is the contract); else no Confirm at all. As wide as the screen
            // allows (up to 120), so the command stays on one line where it can.
            let full = modal("Confirm", confirmLines(pending, state, env, preview: true), ["Cancel", "Confirm"],
                             focused: focused, width: 120)
            if full.fits(in: overlayArea(state.size)) { return full }
            let short = modal("Confirm", confirmLines(pending, state, env, preview: false), ["Cancel", "Confirm"],
                              focused: focused, width: 120)
            if short.fits(in: overlayArea(state.size)) { return short }
            // Nothing is confirmed unseen: without room for the whole command, there is no Confirm.
            return modal("Confirm", [Line(pending.action.title, style: env.style(.uiTitle)),
                                     Line("Enlarge the terminal to confirm: the command does not fit.", style: env.style(.warning)),
                                     Line("n/Esc cancels", style: env.style(.uiDim))], ["Cancel"])
        case .chooseNode(let candidates, let index):
            var body = [Line("Move \(state.config.layout.anchor) and its chain to:", style: env.style(.uiText)), Line("")]
            for (row, candidate) in candidates.enumerated() {
                body.append(row == index ? Line("\(glyphs.pointer) \(candidate)", style: env.style(.selection)) : Line("  \(candidate)"))
            }
            body.append(Line(""))
            body.append(Line("↑/↓ choose · Enter next · Esc cancel", style: env.style(.uiDim)))
            return modal("Move master", body, [])
        case .confirmQuit(let focused):
            let what = state.running.map { $0.action.title } ?? "An action"
            return modal("Quit?", [Line("\(what) is still running."),
                                   Line("Quitting closes the connection;", style: env.style(.warning)),
                                   Line("the command goes on running on the node and completes there.", style: env.style(.warning)),
                                   Line(""), Line("y quit · any other key stays", style: env.style(.uiDim))],
                         ["Stay", "Quit"], focused: focused ? 1 : 0)
        }
    }

    /// The confirmation's lines: the action, any warning, the exact command(s) and node, what to
    /// expect, and (with `preview`) what the scheduler says will happen.
    static func confirmLines(_ p: PendingAction, _ state: AppState, _ env: ViewEnv, preview: Bool) -> [Line] {
        var body: [Line] = [Line(p.action.title, style: env.style(.uiTitle)), Line("")]
        if let old = p.movedFrom {
            body.append(Line("\(old) stopped answering: this now runs on \(p.node).", style: env.style(.alert)))
        }
        if let warning = App.confirmWarning(state) {
            body.append(Line(warning + (p.warningAcknowledged ? " Press y again to run it anyway." : ""),
                             style: env.style(.alert)))
        }
        body += commandLines(p, state, env)
        body += [Line(""), Line("Expect: \(expectation(p))"), Line("")]
        body += preview ? previewLines(p, env) : shortPreviewLines(p, env)
        if state.config.isDemo { body.append(Line("(demo cluster: nothing real is touched)", style: env.style(.demo))) }
        body.append(Line(""))
        body.append(Line("y confirm · n/Esc cancel · ←/→ choose" + (p.moveMode != nil ? " · m mode" : ""),
                         style: env.style(.uiDim)))
        return body
    }

    /// The confirmation shows its whole command and target at the state's size; `y` does
    /// nothing otherwise.
    public static func confirmFits(_ state: AppState) -> Bool {
        guard case .confirm = state.overlay else { return false }
        return overlayModal(state, measureEnv)?.buttons.count == 2
    }

    /// Sizes do not depend on colours or on which glyph set draws them.
    static let measureEnv = ViewEnv(theme: Theme(name: "plain", styles: [:]), glyphs: .unicode)

    /// How far the open help or details can scroll at the state's size.
    public static func overlayScrollLimit(_ state: AppState) -> Int {
        overlayModal(state, measureEnv)?.scrollLimit(in: overlayArea(state.size)) ?? 0
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
        for binding in state.config.keyMap.bindings {
            if seen[binding.command] == nil { order.append(binding.command) }
            seen[binding.command, default: []].append(binding.key.label)
        }
        for command in order {
            let keys = seen[command]!.joined(separator: " ")
            let disabled = command.isAction && !state.config.actionsEnabled
            let pad = String(repeating: " ", count: max(1, 12 - DisplayWidth.of(keys)))
            lines.append(Line([Span(keys, style: disabled ? env.style(.uiDim) : env.style(.uiKey)),
                               Span(pad + command.help + (command.isAction ? (disabled ? " (disabled)" : " (asks first)") : ""),
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
