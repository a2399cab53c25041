import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

/// The only place state changes. I/O happens in the returned effects, whose results come back
/// as messages.
public enum App {
    /// Effects to run when pacetop starts: the first poll.
    public static func start(_ state: inout AppState) -> [Effect] {
        state.pollInFlight = true
        return [.poll]
    }

    public static func update(_ state: inout AppState, _ message: Message) -> [Effect] {
        switch message {
        case .tick(let now):
            state.now = now
            if let m = state.message, now.timeIntervalSince(m.at) > 8 { state.message = nil }
            return []
        case .resized(let size):
            state.size = size
            return []
        case .pollDue:
            guard !state.pollInFlight else { return [] }
            state.pollInFlight = true
            return [.poll]
        case .polled(let outcome):
            return polled(&state, outcome)
        case .actionFinished(let outcome):
            return actionFinished(&state, outcome)
        case .themeLoaded(let name):
            state.themeName = name
            say(&state, "theme: \(name)")
            return []
        case .problem(let error):
            say(&state, error, .critical)
            return []
        case .key(let key):
            return keyPressed(&state, key)
        }
    }

    // MARK: Polls

    private static func polled(_ state: inout AppState, _ outcome: PollOutcome) -> [Effect] {
        state.pollInFlight = false
        // The selection follows its node or resource when rows come and go.
        let selectedKeys = Dictionary(uniqueKeysWithValues: Pane.allCases.map { ($0, rowKey(state, $0)) })
        defer {
            for (pane, key) in selectedKeys {
                if let key, let i = rowKeys(state, pane).firstIndex(of: key) { state.selection[pane] = i }
            }
        }
        state.lastPollAt = outcome.at
        state.now = max(state.now, outcome.at)
        for note in outcome.notes where !state.lastNotes.contains(note) {
            log(&state, TimelineEntry(time: outcome.at, text: note, severity: .degraded))
        }
        state.lastNotes = outcome.notes
        switch outcome.result {
        case .success(let new):
            if let old = state.status {
                for e in ClusterDiff.events(from: old, to: new, at: outcome.at, layout: state.config.layout) {
                    log(&state, TimelineEntry(time: e.time, text: e.text, severity: e.severity))
                }
            }
            if let f = state.tracker.observe(new, at: outcome.at) {
                state.lastFailover = f
                log(&state, TimelineEntry(time: outcome.at, text: f.text, severity: f.nodeLost ? .critical : .degraded))
            }
            if state.pollError != nil {
                log(&state, TimelineEntry(time: outcome.at, text: "status readable again via \(outcome.via)"))
            }
            state.status = new
            state.pollError = nil
            state.lastGoodAt = outcome.at
            state.via = outcome.via
        case .failure(let error):
            if state.pollError != error {
                log(&state, TimelineEntry(time: outcome.at, text: "poll failed: \(state.pollErrorText(error, via: outcome.via))",
                                          severity: .critical))
            }
            state.pollError = error
            if state.status == nil { state.via = outcome.via }
        }
        clampSelections(&state)
        if state.refreshQueued {
            state.refreshQueued = false
            state.pollInFlight = true
            return [.poll]
        }
        return [.schedulePoll(after: state.config.interval)]
    }

    private static func actionFinished(_ state: inout AppState, _ outcome: ActionOutcome) -> [Effect] {
        let node = state.running?.node ?? outcome.via
        state.running = nil
        state.lastResult = outcome
        log(&state, TimelineEntry(time: outcome.finished, text: outcome.summary,
                                  severity: outcome.succeeded ? .ok : .critical))
        say(&state, outcome.summary, outcome.succeeded ? .ok : .critical)
        let result: String
        if let e = outcome.error { result = "error: \(e)" }
        else if let sig = outcome.signal { result = "signal \(sig)" }
        else { result = outcome.exitCode.map(String.init) ?? "?" }
        return [.audit(record(state, node: node, command: outcome.commandLine, result: result,
                              at: outcome.finished))] + refresh(&state)
    }

    private static func refresh(_ state: inout AppState) -> [Effect] {
        if state.pollInFlight {
            state.refreshQueued = true
            return []
        }
        state.pollInFlight = true
        return [.poll]
    }

    // MARK: Keys

    private static func keyPressed(_ state: inout AppState, _ key: Key) -> [Effect] {
        if key == .resize { return [] }
        switch state.overlay {
        case .none: break
        case .help:
            if [.escape, .char("q"), .char("?"), .enter].contains(key) { state.overlay = .none }
            return []
        case .details:
            if [.escape, .char("q"), .enter, .backspace].contains(key) { state.overlay = .none }
            return []
        case .confirm(var pending):
            switch key {
            case .char("y"), .char("Y"):
                return confirm(&state, pending)
            case .char("n"), .char("N"), .escape, .char("q"):
                state.overlay = .none
                say(&state, "cancelled: \(pending.action.title)")
            case .left, .right, .tab, .backTab, .char("h"), .char("l"):
                pending.confirmFocused.toggle()
                state.overlay = .confirm(pending)
            case .enter:
                if pending.confirmFocused { return confirm(&state, pending) }
                state.overlay = .none
                say(&state, "cancelled: \(pending.action.title)")
            default: break
            }
            return []
        case .chooseNode(let candidates, var index):
            switch key {
            case .up, .char("k"): index = max(0, index - 1)
            case .down, .char("j"): index = min(candidates.count - 1, index + 1)
            case .escape, .char("q"), .char("n"):
                state.overlay = .none
                say(&state, "cancelled: move")
                return []
            case .enter:
                state.overlay = .none
                return propose(&state, .move(resource: state.config.layout.anchor, node: candidates[index]))
            default: break
            }
            state.overlay = .chooseNode(candidates: candidates, index: index)
            return []
        case .confirmQuit(var focused):
            switch key {
            case .char("y"), .char("Y"):
                state.quitting = true
                return [.quit]
            case .enter where focused:
                state.quitting = true
                return [.quit]
            case .left, .right, .tab, .backTab:
                focused.toggle()
                state.overlay = .confirmQuit(confirmFocused: focused)
            default:
                state.overlay = .none
            }
            return []
        }
        if state.filterEditing { return filterKey(&state, key) }
        guard let command = state.config.keyMap.command(for: key, readOnly: !state.config.actionsEnabled) else {
            if state.config.keyMap.command(for: key, readOnly: false)?.isAction == true {
                say(&state, state.config.readOnly ? "read-only mode: actions are disabled"
                    : "\(state.config.sourceLabel) cannot run actions", .degraded)
            }
            return []
        }
        return run(&state, command)
    }

    private static func filterKey(_ state: inout AppState, _ key: Key) -> [Effect] {
        switch key {
        case .enter:
            state.filterEditing = false
        case .escape:
            state.filterEditing = false
            state.filter = ""
        case .backspace, .delete:
            if !state.filter.isEmpty { state.filter.removeLast() }
        case .char(let c):
            state.filter.append(c)
        default: break
        }
        clampSelections(&state)
        return []
    }

    private static func run(_ state: inout AppState, _ command: Command) -> [Effect] {
        let panes = Pane.allCases
        switch command {
        case .quit:
            if let running = state.running {
                state.overlay = .confirmQuit(confirmFocused: false)
                say(&state, "\(running.action.title) is still running", .degraded)
                return []
            }
            state.quitting = true
            return [.quit]
        case .help:
            state.overlay = .help
        case .refresh:
            return refresh(&state)
        case .nextPane:
            state.focus = panes[(panes.firstIndex(of: state.focus)! + 1) % panes.count]
        case .prevPane:
            state.focus = panes[(panes.firstIndex(of: state.focus)! + panes.count - 1) % panes.count]
        case .up: move(&state, by: -1)
        case .down: move(&state, by: 1)
        case .pageUp: move(&state, by: -10)
        case .pageDown: move(&state, by: 10)
        case .top: move(&state, by: -Int.max / 2)
        case .bottom: move(&state, by: Int.max / 2)
        case .details:
            switch state.focus {
            case .nodes:
                if let row = Rows.nodes(state)[safe: state.selected(.nodes)] {
                    state.overlay = .details(.node(row.node.name))
                }
            case .resources:
                if let row = Rows.resources(state)[safe: state.selected(.resources)] {
                    state.overlay = .details(.resource(row.resource.id))
                }
            case .problems:
                if let r = Rows.problems(state)[safe: state.selected(.problems)]?.resource {
                    state.overlay = .details(.resource(r))
                }
            case .timeline: break
            }
        case .filter:
            state.filterEditing = true
        case .cycleTheme:
            guard !state.themeNames.isEmpty else {
                say(&state, "no theme files found: using the built-in theme", .degraded)
                return []
            }
            let i = state.themeNames.firstIndex(of: state.themeName) ?? -1
            return [.loadTheme(state.themeNames[(i + 1) % state.themeNames.count])]
        case .restart, .standby, .unstandby, .moveMaster, .clear, .cleanup:
            return action(&state, command)
        }
        return []
    }

    private static func move(_ state: inout AppState, by delta: Int) {
        let count = Rows.count(state, state.focus)
        let current = state.selected(state.focus)
        state.selection[state.focus] = max(0, min(count - 1, current.addingReportingOverflow(delta).partialValue))
    }

    /// Identities of a pane's rows: node names, resource ids (with their occurrence, for clone
    /// instances), problem texts. The timeline scrolls with its newest entry on top.
    private static func rowKeys(_ state: AppState, _ pane: Pane) -> [String] {
        switch pane {
        case .nodes: return Rows.nodes(state).map(\.node.name)
        case .resources:
            var seen: [String: Int] = [:]
            return Rows.resources(state).map { r in
                seen[r.resource.id, default: 0] += 1
                return "\(r.resource.id)#\(seen[r.resource.id]!)"
            }
        case .problems: return Rows.problems(state).map(Rows.problemText)
        case .timeline: return []
        }
    }

    private static func rowKey(_ state: AppState, _ pane: Pane) -> String? {
        let keys = rowKeys(state, pane)
        let i = state.selected(pane)
        return keys.indices.contains(i) ? keys[i] : nil
    }

    private static func clampSelections(_ state: inout AppState) {
        for pane in Pane.allCases {
            let count = Rows.count(state, pane)
            state.selection[pane] = max(0, min(count - 1, state.selected(pane)))
        }
    }

    // MARK: Actions

    /// Works out what an action key means for the current selection, then asks to confirm.
    private static func action(_ state: inout AppState, _ command: Command) -> [Effect] {
        if let running = state.running {
            say(&state, "one action at a time: \(running.action.title) is still running", .degraded)
            return []
        }
        guard let status = state.status else {
            say(&state, "no cluster status yet", .degraded)
            return []
        }
        let layout = state.config.layout
        let selectedNode = state.focus == .nodes ? Rows.nodes(state)[safe: state.selected(.nodes)]?.node.name : nil
        let resourceRow = state.focus == .resources ? Rows.resources(state)[safe: state.selected(.resources)] : nil
        let problem = state.focus == .problems ? Rows.problems(state)[safe: state.selected(.problems)] : nil
        switch command {
        case .restart:
            guard let r = resourceRow?.actionTarget else {
                say(&state, "select a resource to restart (Tab to Resources)", .degraded)
                return []
            }
            return propose(&state, .restart(resource: r))
        case .standby, .unstandby:
            guard let n = selectedNode else {
                say(&state, "select a node first (Tab to Nodes)", .degraded)
                return []
            }
            return propose(&state, command == .standby ? .standby(node: n) : .unstandby(node: n))
        case .moveMaster:
            let master = status.master(layout)
            let candidates = status.nodes
                .filter { $0.kind == .member && $0.state == .online && $0.name != master }
                .map(\.name)
            guard !candidates.isEmpty else {
                say(&state, "no other online node to move \(layout.anchor) to", .degraded)
                return []
            }
            let preferred = selectedNode.flatMap { candidates.firstIndex(of: $0) } ?? 0
            state.overlay = .chooseNode(candidates: candidates, index: preferred)
            return []
        case .clear:
            let r = problem?.resource ?? resourceRow?.actionTarget
                ?? status.lingeringConstraints().first?.resource
            guard let r else {
                say(&state, "no move/ban constraint to clear", .degraded)
                return []
            }
            return propose(&state, .clear(resource: r, node: nil))
        case .cleanup:
            if let p = problem, let r = p.resource {
                return propose(&state, .cleanup(resource: r, node: p.node))
            }
            guard let r = resourceRow?.actionTarget else {
                say(&state, "select a resource or a failure to clean up", .degraded)
                return []
            }
            return propose(&state, .cleanup(resource: r, node: nil))
        default:
            return []
        }
    }

    private static func propose(_ state: inout AppState, _ action: ClusterAction) -> [Effect] {
        do {
            let line = state.config.remote.line(try action.argv())
            state.overlay = .confirm(PendingAction(action: action, commandLine: line,
                                                   node: state.via ?? "?"))
        } catch {
            say(&state, error.description, .critical)
        }
        return []
    }

    private static func confirm(_ state: inout AppState, _ pending: PendingAction) -> [Effect] {
        state.overlay = .none
        state.running = RunningAction(action: pending.action, commandLine: pending.commandLine,
                                      node: pending.node, started: state.now)
        log(&state, TimelineEntry(time: state.now, text: "▶ \(pending.action.title) on \(pending.node)",
                                  severity: .degraded))
        return [.audit(record(state, node: pending.node, command: pending.commandLine,
                              result: "started", at: state.now)),
                .perform(pending.action)]
    }

    // MARK: Helpers

    private static func record(_ state: AppState, node: String, command: String, result: String,
                               at time: Date) -> AuditRecord {
        AuditRecord(time: time, user: state.config.user,
                    cluster: state.status?.clusterName ?? state.config.sourceLabel,
                    node: node, command: command, result: result)
    }

    private static func log(_ state: inout AppState, _ entry: TimelineEntry) {
        state.timeline.append(entry)
        if state.timeline.count > AppState.timelineLimit {
            state.timeline.removeFirst(state.timeline.count - AppState.timelineLimit)
        }
    }

    private static func say(_ state: inout AppState, _ text: String, _ level: HealthVerdict.Level = .ok) {
        state.message = StatusMessage(text: text, level: level, at: state.now)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
