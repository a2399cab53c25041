import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopUI

// Keys that depend on what is on screen: pane focus, paging, scrolling, the filter, and
// keys that cannot apply. Kept apart from the action path in Update.swift.
extension App {
    /// Tab moves only between the panes on screen.
    static func cycleFocus(_ state: inout AppState, by step: Int) {
        let visible = Pane.allCases.filter { View.paneAreas(state)[$0] != nil }
        guard !visible.isEmpty else { return }
        let i = visible.firstIndex(of: state.focus) ?? (step > 0 ? visible.count - 1 : 0)
        state.focus = visible[(i + step + visible.count) % visible.count]
    }

    /// The focused pane is always one on screen (after a resize, or when a pane gives way).
    static func keepFocusVisible(_ state: inout AppState) {
        let areas = View.paneAreas(state)
        guard !areas.isEmpty, areas[state.focus] == nil else { return }
        state.focus = Pane.allCases.first { areas[$0] != nil } ?? state.focus
    }

    /// Rows the focused pane shows: PgUp/PgDn move by that much.
    static func visibleRows(_ state: AppState, _ pane: Pane) -> Int {
        guard let area = View.paneAreas(state)[pane] else { return 10 }
        let hiddenLine = pane == .problems && Rows.hiddenProblems(state) > 0 ? 1
            : pane == .timeline && Rows.pinnedFailover(state) != nil ? 1 : 0
        return max(1, area.height - 2 - hiddenLine)
    }

    /// PgUp/PgDn: the list and the cursor move by the rows the pane shows, so the cursor
    /// keeps its place on screen (as in less and htop) until an end of the list.
    static func turnPage(_ state: inout AppState, _ direction: Int) {
        let pane = state.focus, rows = visibleRows(state, pane)
        let last = max(0, Rows.count(state, pane) - rows)
        state.tables[pane, default: TableState()].offset = max(0, min(last, state.offset(pane) + direction * rows))
        move(&state, by: direction * rows)
    }

    /// Scrolls each pane as little as needed to keep its selection on screen.
    static func follow(_ state: inout AppState) {
        for pane in Pane.allCases {
            state.tables[pane, default: TableState()].offset = TableState.scrolledOffset(
                selected: state.selected(pane), offset: state.offset(pane),
                visibleRows: visibleRows(state, pane), count: Rows.count(state, pane))
        }
    }

    /// Enter in the timeline acknowledges the pinned failover; on the failover's own entry it
    /// also shows or folds the lines it groups.
    static func timelineEnter(_ state: inout AppState) {
        guard let f = state.lastFailover else { return }
        state.acknowledgedFailover = f.lostAt
        if let e = Rows.timeline(state)[safe: state.selected(.timeline)], Rows.isFailoverHead(e, state) {
            state.expandedFailover = state.expandedFailover == f.lostAt ? nil : f.lostAt
        }
        clampSelections(&state)
    }

    static func scrollOverlay(_ state: inout AppState, _ key: Key) {
        guard state.overlay != .none else {
            state.overlayScroll = 0
            return
        }
        let limit = View.overlayScrollLimit(state)
        let page = max(1, state.size.height - 4)
        let delta: Int = switch key {
        case .down, .char("j"): 1
        case .up, .char("k"): -1
        case .pageDown, .char(" "): page
        case .pageUp: -page
        case .home, .char("g"): -limit
        case .end, .char("G"): limit
        default: 0
        }
        state.overlayScroll = max(0, min(limit, state.overlayScroll + delta))
    }

    /// The theme T loads after `name`, past the ones known to be broken.
    static func nextTheme(_ state: AppState, after name: String) -> String? {
        let names = state.themeNames
        let start = names.firstIndex(of: name) ?? -1
        for step in 1...max(1, names.count) {
            let candidate = names[(start + step + names.count) % names.count]
            if !state.brokenThemes.contains(candidate) { return candidate }
        }
        return nil
    }

    /// Says once why a theme cannot be used, and moves on to the next one.
    static func themeFailed(_ state: inout AppState, _ name: String, _ error: String) -> [Effect] {
        state.brokenThemes.insert(name)
        say(&state, "theme \(name) skipped: \(error)", .critical)
        guard let next = nextTheme(state, after: name), next != state.themeName else { return [] }
        return [.loadTheme(next)]
    }

    /// Esc clears a filter that was applied with Enter.
    static func clearFilter(_ state: inout AppState) -> [Effect] {
        state.filter = ""
        clampSelections(&state)
        say(&state, "filter cleared")
        return []
    }

    static func refuseUnseen(_ state: inout AppState) -> [Effect] {
        say(&state, "enlarge the terminal to confirm: the whole command must be on screen", .degraded)
        return []
    }

    /// Why a node action makes no sense for the node as it is, or nil when it does.
    static func cannotApply(_ command: Command, node: String, _ status: ClusterStatus) -> String? {
        guard let n = status.nodes.first(where: { $0.name == node }) else { return nil }
        let inStandby = n.standby || n.standbyOnFail
        switch command {
        case .standby where inStandby: return "\(node) is already in standby"
        case .unstandby where !inStandby: return "\(node) is not in standby: it is \(n.state.rawValue)"
        default: return nil
        }
    }
}
