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

    /// Applies one message to the state and returns the I/O the runner must do next; pure, no I/O here.
    public static func update(_ state: inout AppState, _ message: Message) -> [Effect] {
        switch message {
        case .tick(let now):
            state.now = now
            if let m = state.message, now.timeIntervalSince(m.at) > 8 { state.message = nil }
            return []
        case .resized(let size):
            state.size = size
            keepFocusVisible(&state)
            return []
        case .pollDue:
            guard !state.pollInFlight else { return [] }
            state.pollInFlight = true
            return [.poll]
        case .pollWanted:
            return refresh(&state)
        case .polled(let outcome):
            let (before, failoverBefore) = (state.status, state.lastFailover)
            return polled(&state, outcome) + sequencePolled(&state)
                + alerts(state, before: before, failoverBefore: failoverBefore)
        case .actionFinished(let outcome):
            defer { sequenceActionFinished(&state, outcome) }
            return actionFinished(&state, outcome)
        case .previewed(let command, let outcome):
            return previewed(&state, command, outcome)
        case .themeLoaded(let name):
            state.themeName = name
            // A theme skipped on the way here stays in the message.
            if let m = state.message, m.text.hasPrefix("theme "), m.text.contains(" skipped: ") {
                say(&state, "theme: \(name) (\(m.text.dropFirst("theme ".count)))", .degraded)
            } else {
                say(&state, "theme: \(name)")
            }
            return []
        case .themeFailed(let name, let error):
            return themeFailed(&state, name, error)
        case .problem(let error):
            say(&state, error, .critical)
            return []
        case .key(let key):
            return keyPressed(&state, key)
        case .signal(let number):
            return signalled(&state, number)
        case .terminalLost(let why):
            return terminalLost(&state, why)
        }
    }

    // MARK: Leaving

    /// SIGHUP means the terminal hung up. SIGINT (Ctrl-C) and SIGTERM go the way `q` goes:
    /// while an action runs, ask first; a second one while asking quits.
    private static func signalled(_ state: inout AppState, _ number: Int32) -> [Effect] {
        if number == SIGHUP { return terminalLost(&state, "hang-up (SIGHUP)") }
        if case .confirmQuit = state.overlay { return quit(&state, .user) }
        return run(&state, .quit)
    }

    /// The terminal is gone: nobody can be asked any more. A running action is left running on
    /// the node (it completes without us) and recorded as detached; then pacetop exits.
    private static func terminalLost(_ state: inout AppState, _ why: String) -> [Effect] {
        state.terminalGone = true
        state.overlay = .none
        log(&state, TimelineEntry(time: state.now, text: "terminal gone: \(why)", severity: .critical))
        return quit(&state, .terminalLost)
    }

    /// Stops pacetop; a running action is recorded as detached (its command goes on, on the node).
    private static func quit(_ state: inout AppState, _ reason: QuitReason) -> [Effect] {
        var effects: [Effect] = []
        if let running = state.running {
            effects.append(.audit(record(state, node: running.node, command: running.commandLine,
                                         result: "detached", at: state.now)))
        }
        state.quitting = reason
        return effects + [.quit(reason)]
    }

    // MARK: Polls

    /// The zone crm_mon's zone-less times are in: a live status's `last_update` against the
    /// poll's time, else the document's own failure/history pairs (a file has no clock to ask).
    static func nodeUTCOffset(_ status: ClusterStatus, at: Date, live: Bool) -> Int? {
        (live ? CrmTime.nodeOffset(lastUpdate: status.summary.lastUpdate, polledAt: at) : nil)
            ?? CrmTime.nodeOffset(in: status)
    }

    private static func polled(_ state: inout AppState, _ outcome: PollOutcome) -> [Effect] {
        state.pollInFlight = false
        // The selection follows its node or resource when rows come and go.
        let selectedKeys = Dictionary(uniqueKeysWithValues: Pane.allCases.map { ($0, rowKey(state, $0)) })
        defer {
            for (pane, key) in selectedKeys {
                if let key, let i = rowKeys(state, pane).firstIndex(of: key) { state.select(i, in: pane) }
            }
        }
        state.lastPollAt = outcome.at
        state.now = max(state.now, outcome.at)
        for note in outcome.notes where !state.lastNotes.contains(note) {
            logRecurring(&state, TimelineEntry(time: outcome.at, text: note, severity: .degraded))
        }
        // A new note (the source moved to another node) or another node answering is news too.
        let news = outcome.notes.contains { !state.lastNotes.contains($0) }
            || (state.via != nil && outcome.via != state.via)
        var seen = PollPace.Observation(changed: news, actionRunning: state.running != nil)
        state.lastNotes = outcome.notes
        switch outcome.result {
        case .success(let new):
            if let old = state.status {
                let events = ClusterDiff.events(from: old, to: new, at: outcome.at, layout: state.config.layout)
                for e in events {
                    var entry = TimelineEntry(time: e.time, text: e.text, severity: e.severity)
                    entry.isClusterEvent = true
                    log(&state, entry)
                }
                seen.changed = seen.changed || !events.isEmpty
            }
            seen.inTransition = new.inTransition
            if let f = state.tracker.observe(new, at: outcome.at) {
                state.lastFailover = f
                log(&state, TimelineEntry(time: outcome.at, text: f.text, severity: f.nodeLost ? .critical : .degraded))
            }
            if state.pollError != nil {
                log(&state, TimelineEntry(time: outcome.at, text: "status readable again via \(outcome.via)"))
            }
            state.status = new
            state.nodeUTCOffset = nodeUTCOffset(new, at: outcome.at, live: state.config.statusIsCurrent)
                ?? (state.config.statusIsCurrent ? state.nodeUTCOffset : nil)
            state.pollError = nil
            state.lastGoodAt = outcome.at
            state.via = outcome.via
            followNode(&state, outcome.via)
        case .failure(let error):
            if state.pollError != error {
                logRecurring(&state, TimelineEntry(time: outcome.at,
                                                   text: "poll failed: \(state.pollErrorText(error, via: outcome.via))",
                                                   severity: .critical))
            }
            state.pollError = error
            if state.status == nil { state.via = outcome.via }
        }
        clampSelections(&state)
        state.quietPolls = PollPace.quietPolls(after: state.quietPolls, seen)
        if state.refreshQueued {
            state.refreshQueued = false
            state.pollInFlight = true
            return [.poll]
        }
        return [.schedulePoll(after: PollPace.delay(interval: state.config.interval, quietPolls: state.quietPolls))]
    }

    /// A confirmation pane follows the node polls read from: its command would now run there,
    /// so the pane says so before the user can confirm it.
    private static func followNode(_ state: inout AppState, _ via: String) {
        guard case .confirm(var pending) = state.overlay, pending.node != via else { return }
        pending.movedFrom = pending.movedFrom ?? pending.node
        pending.command.node = via
        pending.warningAcknowledged = false
        pending.confirmFocused = false
        state.overlay = .confirm(pending)
    }

    private static func actionFinished(_ state: inout AppState, _ outcome: ActionOutcome) -> [Effect] {
        state.running = nil
        state.lastResult = outcome
        log(&state, TimelineEntry(time: outcome.finished, text: outcome.summary,
                                  severity: outcome.succeeded ? .ok : .critical))
        say(&state, outcome.summary, outcome.succeeded ? .ok : .critical)
        // The node the command actually ran on (or was refused by), from the outcome itself.
        return [.audit(record(state, node: outcome.via, command: outcome.commandLine, result: outcome.auditResult,
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
            scrollOverlay(&state, key)
            return []
        case .details:
            if [.escape, .char("q"), .enter, .backspace].contains(key) { state.overlay = .none }
            scrollOverlay(&state, key)
            return []
        case .confirm(var pending):
            switch key {
            case .char("y"), .char("Y"):
                guard View.confirmFits(state) else { return refuseUnseen(&state) }
                return confirm(&state, pending)
            case .char("n"), .char("N"), .escape, .char("q"):
                state.overlay = .none
                say(&state, "cancelled: \(pending.action.title)")
            case .left, .right, .tab, .backTab, .char("h"), .char("l"):
                pending.confirmFocused.toggle()
                state.overlay = .confirm(pending)
            case .char("m"):
                cycleMoveMode(&state, pending)
            case .enter:
                if pending.confirmFocused {
                    guard View.confirmFits(state) else { return refuseUnseen(&state) }
                    return confirm(&state, pending)
                }
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
                return quit(&state, .user)
            case .enter where focused:
                return quit(&state, .user)
            case .left, .right, .tab, .backTab:
                focused.toggle()
                state.overlay = .confirmQuit(confirmFocused: focused)
            default:
                state.overlay = .none
            }
            return []
        }
        if state.filterEditing { return filterKey(&state, key) }
        if key == .escape, !state.filter.isEmpty { return clearFilter(&state) }
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
        switch command {
        case .quit:
            if let running = state.running {
                state.overlay = .confirmQuit(confirmFocused: false)
                say(&state, "\(running.action.title) is still running", .degraded)
                return []
            }
            return quit(&state, .user)
        case .help:
            state.overlay = .help
            state.overlayScroll = 0
        case .refresh:
            return refresh(&state)
        case .nextPane: cycleFocus(&state, by: 1)
        case .prevPane: cycleFocus(&state, by: -1)
        case .up: move(&state, by: -1)
        case .down: move(&state, by: 1)
        case .pageUp: turnPage(&state, -1)
        case .pageDown: turnPage(&state, 1)
        case .top: move(&state, by: -Int.max / 2)
        case .bottom: move(&state, by: Int.max / 2)
        case .details:
            state.overlayScroll = 0
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
            case .timeline: timelineEnter(&state)
            }
        case .filter:
            state.filterEditing = true
        case .cycleTheme:
            guard !state.themeNames.isEmpty else {
                say(&state, "no theme files found: using the built-in theme", .degraded)
                return []
            }
            return nextTheme(state, after: state.themeName).map { [.loadTheme($0)] } ?? []
        case .restart, .standby, .unstandby, .moveMaster, .clear, .cleanup:
            return action(&state, command)
        }
        return []
    }

    static func move(_ state: inout AppState, by delta: Int) {
        let count = Rows.count(state, state.focus)
        let current = state.selected(state.focus)
        state.select(max(0, min(count - 1, current.addingReportingOverflow(delta).partialValue)), in: state.focus)
        follow(&state)
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

    static func clampSelections(_ state: inout AppState) {
        for pane in Pane.allCases {
            let count = Rows.count(state, pane)
            state.select(max(0, min(count - 1, state.selected(pane))), in: pane)
        }
        keepFocusVisible(&state)
        follow(&state)
    }

    // MARK: Actions

    /// "Select X (Tab to Pane)", or, when the pane is not on screen (below 60×16 there are
    /// none), what makes it appear, short enough for a 40-column line.
    static func selectFirst(_ state: AppState, _ pane: Pane, _ what: String) -> String {
        let name = pane == .nodes ? "Nodes" : "Resources"
        guard View.paneAreas(state)[pane] != nil else {
            return "enlarge the terminal to select \(what)"
        }
        return "select \(what) (Tab to \(name))"
    }

    /// Works out what an action key means for the current selection, then asks to confirm.
    private static func action(_ state: inout AppState, _ command: Command) -> [Effect] {
        if let running = state.running {
            say(&state, "one action at a time: \(running.action.title) is still running", .degraded)
            return []
        }
        if let busy = sequenceBusy(state) {
            say(&state, busy, .degraded)
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
                say(&state, selectFirst(state, .resources, "a resource to restart"), .degraded)
                return []
            }
            return propose(&state, .restart(resource: r))
        case .standby, .unstandby:
            guard let n = selectedNode else {
                say(&state, selectFirst(state, .nodes, "a node"), .degraded)
                return []
            }
            if let why = cannotApply(command, node: n, status) {
                say(&state, why, .degraded)
                return []
            }
            return propose(&state, command == .standby ? .standby(node: n) : .unstandby(node: n))
        case .moveMaster:
            let master = state.digest?.master
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
                say(&state, selectFirst(state, .resources, "a resource or a failure to clean up"), .degraded)
                return []
            }
            return propose(&state, .cleanup(resource: r, node: nil))
        default:
            return []
        }
    }

    private static func propose(_ state: inout AppState, _ action: ClusterAction) -> [Effect] {
        guard let node = state.via else {
            say(&state, "no node is answering: nothing to run the command on", .degraded)
            return []
        }
        do {
            return openConfirm(&state, try PreparedAction(action, remote: state.config.remote, node: node))
        } catch {
            say(&state, error.description, .critical)
        }
        return []
    }

    /// Why the pane asks twice, or nil: acting on an old picture or a minority's view is how
    /// people restart the wrong thing.
    static func confirmWarning(_ state: AppState) -> String? {
        if state.isOutdated, let age = state.dataAge {
            return "The status shown is \(Int(age)) s old: the cluster may have changed since."
        }
        if state.withoutQuorum {
            return "\(state.via ?? "This node") has no quorum: its view may not be the cluster's."
        }
        return nil
    }

    private static func confirm(_ state: inout AppState, _ pending: PendingAction) -> [Effect] {
        if confirmWarning(state) != nil, !pending.warningAcknowledged {
            var armed = pending
            armed.warningAcknowledged = true
            state.overlay = .confirm(armed)
            say(&state, "press y again to run it anyway", .degraded)
            return []
        }
        state.overlay = .none
        state.running = RunningAction(command: pending.command, started: state.now)
        beginSequence(&state, pending)
        log(&state, TimelineEntry(time: state.now, text: "▶ \(pending.action.title) on \(pending.node)",
                                  severity: .degraded))
        // The runner writes and syncs the "started" record first, and sends the command only
        // if that worked.
        return [.perform(pending.command, audit: record(state, node: pending.node, command: pending.commandLine,
                                                        result: "started", at: state.now))]
    }

    // MARK: Helpers

    static func record(_ state: AppState, node: String, command: String, result: String,
                               at time: Date) -> AuditRecord {
        AuditRecord(time: time, user: state.config.user,
                    cluster: state.status?.clusterName ?? state.config.sourceLabel,
                    node: node, command: command, result: result)
    }

    /// Retry noise (a node not answering, the same poll error) collapses into the line it
    /// repeats, which counts it, instead of pushing the cluster's story off the screen.
    private static func logRecurring(_ state: inout AppState, _ entry: TimelineEntry) {
        if let i = state.timeline.lastIndex(where: { $0.text == entry.text }),
           entry.time.timeIntervalSince(state.timeline[i].lastSeen) < recurringWindow {
            state.timeline[i].count += 1
            state.timeline[i].lastSeen = entry.time
            return
        }
        log(&state, entry)
    }

    /// A line that comes back within this many seconds of its last appearance is a repeat.
    static let recurringWindow: Double = 600

    static func log(_ state: inout AppState, _ entry: TimelineEntry) {
        state.timeline.append(entry)
        if state.timeline.count > AppState.timelineLimit {
            state.timeline.removeFirst(state.timeline.count - AppState.timelineLimit)
        }
    }

    static func say(_ state: inout AppState, _ text: String, _ level: HealthVerdict.Level = .ok) {
        state.message = StatusMessage(text: text, level: level, at: state.now)
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
