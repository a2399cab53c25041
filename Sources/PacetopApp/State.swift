import Foundation
import PacetopCore
import PacetopUI

/// Settings that do not change while pacetop runs.
public struct AppConfig: Sendable, Equatable {
    public var layout: MasterLayout
    /// Seconds between polls.
    public var interval: Double
    public var readOnly: Bool
    /// The source's label and abilities, copied so that update stays pure.
    public var sourceLabel: String
    public var isDemo: Bool
    public var canPerformActions: Bool
    /// How commands are wrapped on the node (sudo or not): the confirmation pane shows it.
    public var remote: RemoteCommand
    public var keyMap: KeyMap
    /// The local user, for the audit log.
    public var user: String
    /// Bell and hook on failovers and lost nodes or quorum (the title is always set).
    public var alerts = AlertSettings()

    public init(layout: MasterLayout = .portSIP, interval: Double = 2, readOnly: Bool = false,
                sourceLabel: String = "", isDemo: Bool = false, canPerformActions: Bool = true,
                remote: RemoteCommand = RemoteCommand(), keyMap: KeyMap = .standard,
                user: String = "unknown") {
        self.layout = layout
        self.interval = interval
        self.readOnly = readOnly
        self.sourceLabel = sourceLabel
        self.isDemo = isDemo
        self.canPerformActions = canPerformActions
        self.remote = remote
        self.keyMap = keyMap
        self.user = user
    }

    /// Actions are offered at all.
    public var actionsEnabled: Bool { !readOnly && canPerformActions }
}

public enum Pane: String, Sendable, CaseIterable {
    case nodes, resources, problems, timeline
}

/// One line of the timeline: a cluster event, an action and its result, or a note.
public struct TimelineEntry: Sendable, Equatable {
    /// When it first happened.
    public var time: Date
    public var text: String
    public var severity: HealthVerdict.Level
    /// How often the same line came again (retry noise collapses into one line), and when last.
    public var count = 1
    public var lastSeen: Date

    public init(time: Date, text: String, severity: HealthVerdict.Level = .ok) {
        self.time = time
        self.text = text
        self.severity = severity
        self.lastSeen = time
    }
}

/// An action waiting for the user's yes or no. What the pane shows is `command`, and `command`
/// is what runs: the confirm effect carries it unchanged.
public struct PendingAction: Sendable, Equatable {
    public var command: PreparedAction
    /// The node the pane was first shown for, when polls have since moved to another node.
    public var movedFrom: String?
    /// The pane warned (stale data, no quorum) and the user pressed y once: the next y runs it.
    public var warningAcknowledged = false
    /// Focus is on Cancel unless the user moves it.
    public var confirmFocused: Bool = false
    /// What the cluster would do: computed on a worker after the pane opens.
    public var preview: PreviewState = .computing
    /// For a move: release, pin or lifetime (`m` in the pane cycles); nil for other actions.
    public var moveMode: MoveMode?

    public init(command: PreparedAction) { self.command = command }

    public var action: ClusterAction { command.action }
    public var commandLine: String { command.commandLine }
    /// The node the command will run on.
    public var node: String { command.node }
}

public struct RunningAction: Sendable, Equatable {
    public var command: PreparedAction
    public var started: Date

    public var action: ClusterAction { command.action }
    public var commandLine: String { command.commandLine }
    public var node: String { command.node }
}

public enum DetailTarget: Sendable, Equatable {
    case node(String)
    case resource(String)
}

public enum Overlay: Sendable, Equatable {
    case none
    case help
    case details(DetailTarget)
    case confirm(PendingAction)
    /// Choosing the node to move the master to.
    case chooseNode(candidates: [String], index: Int)
    /// Quitting while an action runs: ask first (the remote command goes on without us).
    case confirmQuit(confirmFocused: Bool)
}

public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var level: HealthVerdict.Level
    public var at: Date

    public init(text: String, level: HealthVerdict.Level, at: Date) {
        self.text = text
        self.level = level
        self.at = at
    }
}

public struct AppState: Sendable, Equatable {
    public var config: AppConfig
    public var status: ClusterStatus?
    /// When the last poll (good or bad) came back, and when the last good one did.
    public var lastPollAt: Date?
    public var lastGoodAt: Date?
    /// Node or file the status was read from.
    public var via: String?
    public var pollError: SourceError?
    public var pollInFlight = false
    /// The previous poll's notes: a note is logged when it appears, not on every poll.
    public var lastNotes: [String] = []
    public var refreshQueued = false
    /// Newest last; the view shows it newest first.
    public var timeline: [TimelineEntry] = []
    public var tracker: FailoverTracker
    public var lastFailover: FailoverTracker.Failover?
    public var focus: Pane = .resources
    public var selection: [Pane: Int] = [:]
    public var filter = ""
    public var filterEditing = false
    public var overlay: Overlay = .none
    public var running: RunningAction?
    public var lastResult: ActionOutcome?
    public var message: StatusMessage?
    public var themeNames: [String]
    public var themeName: String
    public var now: Date
    public var size: Size
    /// Set when pacetop should stop: the runner leaves its loop and exits with the reason's code.
    public var quitting: QuitReason?
    /// The terminal went away (hang-up, EOF, EIO): nothing is drawn any more.
    public var terminalGone = false
    /// A confirmed move-and-release on its way (move, wait, check, clear).
    public var sequence: MoveSequence?

    public static let timelineLimit = 500

    public init(config: AppConfig, themeNames: [String] = [], themeName: String = "default",
                now: Date = Date(), size: Size = Size(width: 80, height: 24)) {
        self.config = config
        self.tracker = FailoverTracker(layout: config.layout)
        self.themeNames = themeNames
        self.themeName = themeName
        self.now = now
        self.size = size
    }

    /// Seconds since the last good status; nil before the first.
    public var dataAge: Double? { lastGoodAt.map { now.timeIntervalSince($0) } }

    /// Data is stale when the last poll failed or no good poll came for two intervals.
    public var isStale: Bool {
        guard let age = dataAge else { return false }
        return pollError != nil || age > 2 * config.interval + 3
    }

    /// The status on screen is older than two intervals: the verdict word becomes STALE, since
    /// the cluster may have changed since (a last "OK" must never look current).
    public var isOutdated: Bool {
        guard let age = dataAge else { return false }
        return age > 2 * config.interval
    }

    /// The node read from has no quorum: its view may not be the cluster's.
    public var withoutQuorum: Bool { status?.summary.quorum == false }

    public func selected(_ pane: Pane) -> Int { selection[pane] ?? 0 }

    /// A poll error without the "node: " / "file: " prefix the header already shows as "via".
    public func pollErrorText(_ e: SourceError, via: String?) -> String {
        guard let via, e.message.hasPrefix(via + ": ") else { return e.message }
        return String(e.message.dropFirst(via.count + 2))
    }
}

/// Audit log record of a confirmed action: one JSON line at start and one at the end.
public struct AuditRecord: Sendable, Equatable, Codable {
    public var time: Date
    public var user: String
    public var cluster: String
    public var node: String
    public var command: String
    /// "started", or the exit code / signal / error at the end.
    public var result: String
}

/// Why pacetop stops, and so its exit code.
public enum QuitReason: Sendable, Equatable {
    /// `q`, Ctrl-C or SIGTERM: exit 0.
    case user
    /// The terminal went away (hang-up, EOF, EIO): exit 74 (EX_IOERR).
    case terminalLost

    public var exitCode: Int32 {
        switch self {
        case .user: 0
        case .terminalLost: 74
        }
    }
}

public enum Message: Sendable, Equatable {
    case key(Key)
    /// SIGINT, SIGTERM or SIGHUP, routed through the wake-up pipe (never handled in the handler).
    case signal(Int32)
    /// The terminal is gone; the reason is logged, nothing more is drawn.
    case terminalLost(String)
    case resized(Size)
    case tick(Date)
    case pollDue
    case polled(PollOutcome)
    case actionFinished(ActionOutcome)
    /// A what-if computed for this command (see `Effect.preview`).
    case previewed(PreparedAction, PreviewOutcome)
    case themeLoaded(String)
    /// Something went wrong outside the cluster (a theme or the audit log): shown, kept going.
    case problem(String)
}

public enum Effect: Sendable, Equatable {
    case poll
    case schedulePoll(after: Double)
    /// Write `audit` (the "started" record, synced), then run exactly `command`, as the
    /// confirmation pane showed it. If the record cannot be written, nothing is sent.
    case perform(PreparedAction, audit: AuditRecord)
    case audit(AuditRecord)
    /// Compute what the cluster would do if `command` ran, changing nothing; the answer comes
    /// back as `.previewed`.
    case preview(PreparedAction)
    case loadTheme(String)
    /// Tell the person: terminal title, and the bell and hook when configured.
    case alert(AlertEvent)
    case quit(QuitReason)
}

extension PollOutcome: Equatable {
    public static func == (a: PollOutcome, b: PollOutcome) -> Bool {
        a.via == b.via && a.at == b.at && a.notes == b.notes && a.result == b.result
    }
}
