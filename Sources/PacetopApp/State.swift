import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

/// Settings that do not change while pacetop runs.
public struct AppConfig: Sendable, Equatable {
    /// Which resource marks the master and which chain should run with it.
    public var layout: MasterLayout
    /// Seconds between polls.
    public var interval: Double
    /// `--read-only`: no cluster action is offered, only watching.
    public var readOnly: Bool
    /// The source's label and abilities, copied so that update stays pure.
    public var sourceLabel: String
    /// The source is the built-in demo cluster: the screen says DEMO.
    public var isDemo: Bool
    /// The source can run commands (a file source cannot).
    public var canPerformActions: Bool
    /// How commands are wrapped on the node (sudo or not): the confirmation pane shows it.
    public var remote: RemoteCommand
    /// Which key does what, from the built-ins and the config file.
    public var keyMap: KeyMap
    /// The local user, for the audit log.
    public var user: String
    /// Times on screen in UTC instead of the local zone.
    public var utc = false
    /// The source's status is made at each poll (see `ClusterSource.statusIsCurrent`).
    public var statusIsCurrent = true
    /// Bell and hook on failovers and lost nodes or quorum (the title is always set).
    public var alerts = AlertSettings()

    /// Settings; the defaults suit tests and the demo (2 s polls, PortSIP layout, actions allowed).
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

/// The four panes the user can focus and scroll: nodes, resources, problems, timeline.
public enum Pane: String, Sendable, CaseIterable {
    case nodes, resources, problems, timeline
}

/// One line of the timeline: a cluster event, an action and its result, or a note.
public struct TimelineEntry: Sendable, Equatable {
    /// When it first happened.
    public var time: Date
    /// What happened, in one line.
    public var text: String
    /// How bad it was, for its colour.
    public var severity: HealthVerdict.Level
    /// How often the same line came again (retry noise collapses into one line), and when last.
    public var count = 1
    /// When the same line was last seen.
    public var lastSeen: Date
    /// A change of the cluster itself (from the diff), as opposed to a note about pacetop's own
    /// connection or an action: only these fold under a failover's entry.
    public var isClusterEvent = false

    /// A line seen once, at `time`.
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
    /// The exact action, command line and node the pane shows and, on yes, runs.
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

    /// Asks about `command`; focus starts on Cancel.
    public init(command: PreparedAction) { self.command = command }

    /// The cluster action asked for.
    public var action: ClusterAction { command.action }
    /// The exact command line that runs on yes.
    public var commandLine: String { command.commandLine }
    /// The node the command will run on.
    public var node: String { command.node }
}

/// A confirmed action whose command is running on a node now; one at a time.
public struct RunningAction: Sendable, Equatable {
    /// What was sent: action, exact command line and node.
    public var command: PreparedAction
    /// When it was sent.
    public var started: Date

    /// The cluster action under way.
    public var action: ClusterAction { command.action }
    /// The exact command line being run.
    public var commandLine: String { command.commandLine }
    /// The node it runs on.
    public var node: String { command.node }
}

/// What the details overlay describes: a node or a resource, by name.
public enum DetailTarget: Sendable, Equatable {
    case node(String)
    case resource(String)
}

/// What covers the panes, if anything: help, details, a confirmation or a choice.
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

/// A short message in the footer (action results, theme changes, problems); it fades after a while.
public struct StatusMessage: Sendable, Equatable {
    /// The message.
    public var text: String
    /// How bad it is, for its colour.
    public var level: HealthVerdict.Level
    /// When it was shown; it fades some seconds later.
    public var at: Date

    /// A message shown at `at`.
    public init(text: String, level: HealthVerdict.Level, at: Date) {
        self.text = text
        self.level = level
        self.at = at
    }
}

/// Everything the screen shows and the keys act on; changed only by `App.update`.
public struct AppState: Sendable, Equatable {
    /// Settings fixed at start.
    public var config: AppConfig
    /// The last good cluster status; kept (and marked stale) while polls fail. Setting it recomputes `digest`.
    public var status: ClusterStatus? {
        didSet { digest = status.map { StatusDigest($0, layout: config.layout) } }
    }
    /// The verdict and rows of `status`, computed once per poll, never per frame.
    public private(set) var digest: StatusDigest?
    /// When the last poll (good or bad) came back, and when the last good one did.
    public var lastPollAt: Date?
    /// When the last poll that produced a status came back.
    public var lastGoodAt: Date?
    /// The zone (seconds east of UTC) of crm_mon's zone-less times, when known (see `CrmTime`).
    public var nodeUTCOffset: Int?
    /// Node or file the status was read from.
    public var via: String?
    /// Why the last poll failed; nil after a good one.
    public var pollError: SourceError?
    /// A poll is running; no second one starts until it returns.
    public var pollInFlight = false
    /// Polls in a row that saw nothing in progress: below `PollPace.settlePolls`, poll fast.
    public var quietPolls = PollPace.settlePolls
    /// The previous poll's notes: a note is logged when it appears, not on every poll.
    public var lastNotes: [String] = []
    /// The user asked for a refresh while a poll ran: poll again as soon as it returns.
    public var refreshQueued = false
    /// Newest last; the view shows it newest first.
    public var timeline: [TimelineEntry] = []
    /// Follows the master across polls to time failovers and switchovers.
    public var tracker: FailoverTracker
    /// The most recent failover or switchover measured, for the header.
    public var lastFailover: FailoverTracker.Failover?
    /// The pane that arrow keys and actions apply to.
    public var focus: Pane = .resources
    /// Each pane's selected row and first visible row. Kept here, not rebuilt each frame, so
    /// a list scrolls only as far as its selection needs (update moves both).
    public var tables: [Pane: TableState] = [:]
    /// Rows of a help or details overlay scrolled past.
    public var overlayScroll = 0
    /// The last failover's start once the user has seen it (Enter on it in the timeline):
    /// until then it stays pinned above the timeline.
    public var acknowledgedFailover: Date?
    /// The start of the failover whose per-resource lines are shown under it (Enter on it).
    public var expandedFailover: Date?
    /// Text typed after `/`: rows are shown only when they contain it.
    public var filter = ""
    /// The user is typing the filter; keys go to it.
    public var filterEditing = false
    /// What covers the panes now.
    public var overlay: Overlay = .none
    /// The confirmed action whose command is running, if any.
    public var running: RunningAction?
    /// Outcome of the last action that finished.
    public var lastResult: ActionOutcome?
    /// The footer message, if one is showing.
    public var message: StatusMessage?
    /// Themes the "next theme" key steps through, in order.
    public var themeNames: [String]
    /// The theme in use.
    public var themeName: String
    /// Themes that failed to load: T skips them after saying why once.
    public var brokenThemes: Set<String> = []
    /// The current time as the last tick or poll said; ages and fades count from it.
    public var now: Date
    /// Terminal size in cells.
    public var size: Size
    /// Set when pacetop should stop: the runner leaves its loop and exits with the reason's code.
    public var quitting: QuitReason?
    /// The terminal went away (hang-up, EOF, EIO): nothing is drawn any more.
    public var terminalGone = false
    /// A confirmed move-and-release on its way (move, wait, check, clear).
    public var sequence: MoveSequence?

    /// Timeline entries kept; older ones are dropped.
    public static let timelineLimit = 500

    /// The state before the first poll: no status, resources pane focused.
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
        // Plus a second for the poll itself (crm_mon over SSH), or a fast interval would call
        // every status stale while the next one is on its way.
        return age > 2 * config.interval + 1
    }

    /// The node read from has no quorum: its view may not be the cluster's.
    public var withoutQuorum: Bool { status?.summary.quorum == false }

    /// The selected row of `pane` (0 when none was chosen).
    public func selected(_ pane: Pane) -> Int { tables[pane]?.selected ?? 0 }
    /// The first row of `pane` on screen.
    public func offset(_ pane: Pane) -> Int { tables[pane]?.offset ?? 0 }

    /// Selects `row` of `pane`; update keeps the offset following it.
    public mutating func select(_ row: Int, in pane: Pane) {
        tables[pane, default: TableState()].selected = row
    }

    /// A poll error without the "node: " / "file: " prefix the header already shows as "via".
    public func pollErrorText(_ e: SourceError, via: String?) -> String {
        guard let via, e.message.hasPrefix(via + ": ") else { return e.message }
        return String(e.message.dropFirst(via.count + 2))
    }
}

/// Audit log record of a confirmed action: one JSON line at start and one at the end.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// When the record was written.
    public var time: Date
    /// The local user who confirmed the action.
    public var user: String
    /// The cluster's name from the CIB, or the source's label when it is unknown.
    public var cluster: String
    /// The node the command ran on (or was meant for).
    public var node: String
    /// The exact command line sent.
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

    /// The process exit code for this reason.
    public var exitCode: Int32 {
        switch self {
        case .user: 0
        case .terminalLost: 74
        }
    }
}

/// Inputs to `App.update`: keys, signals, terminal changes, clock ticks and results of effects.
public enum Message: Sendable, Equatable {
    case key(Key)
    /// SIGINT, SIGTERM or SIGHUP, routed through the wake-up pipe (never handled in the handler).
    case signal(Int32)
    /// The terminal is gone; the reason is logged, nothing more is drawn.
    case terminalLost(String)
    case resized(Size)
    case tick(Date)
    case pollDue
    /// The source wants a poll now (the session it reads from broke): at once, or right after
    /// the poll in flight.
    case pollWanted
    case polled(PollOutcome)
    case actionFinished(ActionOutcome)
    /// A what-if computed for this command (see `Effect.preview`).
    case previewed(PreparedAction, PreviewOutcome)
    case themeLoaded(String)
    /// A theme file that cannot be loaded (name, error): `T` moves past it from then on.
    case themeFailed(String, String)
    /// Something went wrong outside the cluster (a theme or the audit log): shown, kept going.
    case problem(String)
}

/// I/O that `App.update` asks the runner to do; results come back as messages.
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
    /// Outcomes are equal when node, time, notes and result are all equal.
    public static func == (a: PollOutcome, b: PollOutcome) -> Bool {
        a.via == b.via && a.at == b.at && a.notes == b.notes && a.result == b.result
    }
}
