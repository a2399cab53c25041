import FoundationEssentials
import PacetopCore
import PacetopUI

/// The confirmation pane's what-if, as far as it has come.
public enum PreviewState: Sendable, Equatable {
    case computing
    case ready(Preview)
    case failed(String)
}

/// What a move leaves behind.
public enum MoveMode: Sendable, Equatable, CaseIterable {
    /// Move, wait until the chain runs on the target, then clear the constraint (if the
    /// scheduler says clearing moves nothing back). The default, as in pcs 0.11.
    case release
    /// Move and keep the cli-prefer constraint until someone clears it.
    case pin
    /// Move with a constraint that expires (`--lifetime`).
    case lifetime

    /// How long a `lifetime` move pins the chain.
    public static let lifetimeMinutes = 10

    public var label: String {
        switch self {
        case .release: "move, then release"
        case .pin: "move and pin"
        case .lifetime: "move for \(Self.lifetimeMinutes) min"
        }
    }
}

/// A confirmed move-and-release, step by step. Its clear command was shown in the pane the
/// user confirmed; it runs only as this sequence's last step.
public struct MoveSequence: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// The move command runs.
        case moving
        /// Waiting for polls to show the chain running on the target.
        case waiting(since: Date)
        /// Asking the scheduler whether clearing would move the chain again.
        case checking
        /// The clear command runs.
        case clearing
    }

    public var resource: String
    public var target: String
    public var step: Step
    /// The clear command as the pane showed it.
    public var clear: PreparedAction

    /// How long the chain may take to arrive before the sequence gives up (and leaves the pin).
    public static let arrivalTimeout: Double = 180
}

extension App {
    // MARK: Preview

    /// A pane for `command`, with its preview under way.
    static func openConfirm(_ state: inout AppState, _ command: PreparedAction) -> [Effect] {
        var pending = PendingAction(command: command)
        if case .move = command.action { pending.moveMode = .release }
        state.overlay = .confirm(pending)
        return [.preview(command)]
    }

    /// The preview belongs to the pane still showing the same change (a mode switch keeps it:
    /// the placement is the same), or to the sequence's release check.
    static func previewed(_ state: inout AppState, _ command: PreparedAction, _ outcome: PreviewOutcome) -> [Effect] {
        if case .checking = state.sequence?.step, command.action == state.sequence?.clear.action {
            return releaseChecked(&state, outcome)
        }
        guard case .confirm(var pending) = state.overlay, samePlacement(pending.action, command.action) else { return [] }
        switch outcome {
        case .ready(let p): pending.preview = .ready(p)
        case .failed(let why): pending.preview = .failed(why)
        }
        state.overlay = .confirm(pending)
        return []
    }

    static func samePlacement(_ a: ClusterAction, _ b: ClusterAction) -> Bool {
        switch (a, b) {
        case (.move(let r1, let n1), .move(let r2, let n2)), (.move(let r1, let n1), .moveFor(let r2, let n2, _)),
             (.moveFor(let r1, let n1, _), .move(let r2, let n2)), (.moveFor(let r1, let n1, _), .moveFor(let r2, let n2, _)):
            r1 == r2 && n1 == n2
        default: a == b
        }
    }

    /// `m` in a move's pane: the next mode; the command line changes with it.
    static func cycleMoveMode(_ state: inout AppState, _ pending: PendingAction) {
        guard let mode = pending.moveMode else { return }
        let all = MoveMode.allCases
        let next = all[(all.firstIndex(of: mode)! + 1) % all.count]
        let (r, n): (String, String)
        switch pending.action {
        case .move(let r1, let n1), .moveFor(let r1, let n1, _): (r, n) = (r1, n1)
        default: return
        }
        let action: ClusterAction = next == .lifetime
            ? .moveFor(resource: r, node: n, minutes: MoveMode.lifetimeMinutes) : .move(resource: r, node: n)
        guard let command = try? PreparedAction(action, remote: state.config.remote, node: pending.node) else { return }
        var updated = pending
        updated.command = command
        updated.moveMode = next
        updated.warningAcknowledged = false
        state.overlay = .confirm(updated)
    }

    /// The release step's clear command, for the pane and the sequence.
    static func releaseCommand(_ state: AppState, _ pending: PendingAction) -> PreparedAction? {
        guard pending.moveMode == .release, case .move(let r, _) = pending.action else { return nil }
        return try? PreparedAction(.clear(resource: r, node: nil), remote: state.config.remote, node: pending.node)
    }

    // MARK: Move and release

    /// Called when a confirmed move starts: a release move becomes a sequence.
    static func beginSequence(_ state: inout AppState, _ pending: PendingAction) {
        guard let clear = releaseCommand(state, pending), case .move(let r, let n) = pending.action else { return }
        state.sequence = MoveSequence(resource: r, target: n, step: .moving, clear: clear)
    }

    /// An action finished while a sequence runs: the move (wait next) or the clear (done).
    static func sequenceActionFinished(_ state: inout AppState, _ outcome: ActionOutcome) {
        guard let seq = state.sequence else { return }
        switch seq.step {
        case .moving:
            guard outcome.succeeded else {
                state.sequence = nil
                note(&state, "release not attempted: the move did not succeed (\(outcome.auditResult)); "
                     + "check the timeline for what the cluster did — C clears a cli-prefer-\(seq.resource) if one is left",
                     .critical)
                return
            }
            state.sequence?.step = .waiting(since: outcome.finished)
            note(&state, "waiting for \(seq.resource) and its chain to run on \(seq.target) before releasing", .degraded)
        case .clearing:
            state.sequence = nil
            if outcome.succeeded {
                note(&state, "\(seq.resource) runs on \(seq.target); cli-prefer-\(seq.resource) released: nothing left behind")
            } else {
                note(&state, "release failed (\(outcome.auditResult)): \(seq.resource) runs on \(seq.target) and "
                     + "cli-prefer-\(seq.resource) is still in place — C clears it", .critical)
            }
        case .waiting, .checking:
            break
        }
    }

    /// After each poll: has the chain arrived (then ask the scheduler), or waited too long?
    static func sequencePolled(_ state: inout AppState) -> [Effect] {
        guard let seq = state.sequence, case .waiting(let since) = seq.step, let status = state.status else { return [] }
        if chainRuns(status, on: seq.target, state.config.layout) {
            guard let node = state.via,
                  let clear = try? PreparedAction(seq.clear.action, remote: state.config.remote, node: node) else { return [] }
            state.sequence?.clear = clear
            state.sequence?.step = .checking
            note(&state, "\(seq.resource) runs on \(seq.target); asking the scheduler whether clearing "
                 + "cli-prefer-\(seq.resource) would move it again", .degraded)
            return [.preview(clear)]
        }
        if state.now.timeIntervalSince(since) > MoveSequence.arrivalTimeout {
            state.sequence = nil
            note(&state, "\(seq.resource) is not running on \(seq.target) after \(Int(MoveSequence.arrivalTimeout)) s: "
                 + "not released — cli-prefer-\(seq.resource) is still in place (C clears it)", .critical)
        }
        return []
    }

    /// The scheduler's answer to "clear now?": clear when nothing moves, keep the pin otherwise.
    private static func releaseChecked(_ state: inout AppState, _ outcome: PreviewOutcome) -> [Effect] {
        guard let seq = state.sequence else { return [] }
        switch outcome {
        case .failed(let why):
            state.sequence = nil
            note(&state, "not released: the scheduler could not be asked (\(why)); "
                 + "cli-prefer-\(seq.resource) stays — C clears it", .critical)
            return []
        case .ready(let p) where !p.changes.isEmpty:
            state.sequence = nil
            note(&state, "not released: clearing cli-prefer-\(seq.resource) would \(describe(p.changes)); "
                 + "the pin stays (C clears it when you want)", .degraded)
            return []
        case .ready:
            if let running = state.running {
                // Cannot happen while the sequence holds actions back; never run two at once.
                state.sequence = nil
                note(&state, "not released: \(running.action.title) is running; C clears cli-prefer-\(seq.resource)", .degraded)
                return []
            }
            state.sequence?.step = .clearing
            state.running = RunningAction(command: seq.clear, started: state.now)
            log(&state, TimelineEntry(time: state.now, text: "▶ \(seq.clear.action.title) on \(seq.clear.node) "
                                      + "(release step of the move)", severity: .degraded))
            return [.perform(seq.clear, audit: record(state, node: seq.clear.node, command: seq.clear.commandLine,
                                                      result: "started", at: state.now))]
        }
    }

    /// Why a new action must wait: a sequence is between its steps.
    static func sequenceBusy(_ state: AppState) -> String? {
        guard let seq = state.sequence else { return nil }
        return "one action at a time: the move of \(seq.resource) to \(seq.target) is still releasing"
    }

    /// Every member of the chain runs on `node`, and only there.
    static func chainRuns(_ status: ClusterStatus, on node: String, _ layout: MasterLayout) -> Bool {
        let members = status.chainMembers(layout)
        let entries = status.primitives()
        return !members.isEmpty && members.allSatisfy { id in
            entries.contains { $0.resource.id == id && $0.resource.role?.isActive == true && $0.resource.nodes == [node] }
        }
    }

    /// "move eip, privip, … back to ip-…-133" in a few words.
    static func describe(_ changes: [PlannedChange]) -> String {
        let moves = changes.filter { $0.kind == .move || $0.kind == .migrate }
        if moves.count == changes.count, let target = moves.first?.target, moves.allSatisfy({ $0.target == target }) {
            return "move \(moves.count == 1 ? moves[0].resource : "\(moves.count) resources") to \(target)"
        }
        return "change \(changes.count) resource\(changes.count == 1 ? "" : "s")"
    }

    /// A step of a sequence: in the timeline and the status line.
    private static func note(_ state: inout AppState, _ text: String, _ level: HealthVerdict.Level = .ok) {
        log(&state, TimelineEntry(time: state.now, text: text, severity: level))
        say(&state, text, level)
    }
}
