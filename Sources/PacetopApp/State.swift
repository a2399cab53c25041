import FoundationEssentials
import Glibc
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
    public var time: Date
    public var text: String
    public var severity: HealthVerdict.Level
    public init(time: Date, text: String, severity: HealthVerdict.Level = .ok) {
        self.time = time
        self.text = text
        self.severity = severity
    }
}

/// An action waiting for the user's yes or no.
public struct PendingAction: Sendable, Equatable {
    public var action: ClusterAction
    public var commandLine: String
    /// The node the command will run on.
    public var node: String
    /// Focus is on Cancel unless the user moves it.
    public var confirmFocused: Bool = false
}

public struct RunningAction: Sendable, Equatable {
    public var action: ClusterAction
    public var commandLine: String
    public var node: String
    public var started: Date
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
    /// Quitting while an action runs may leave a resource stopped: ask first.
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
    public var quitting = false

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

public enum Message: Sendable, Equatable {
    case key(Key)
    case resized(Size)
    case tick(Date)
    case pollDue
    case polled(PollOutcome)
    case actionFinished(ActionOutcome)
    case themeLoaded(String)
    /// Something went wrong outside the cluster (a theme or the audit log): shown, kept going.
    case problem(String)
}

public enum Effect: Sendable, Equatable {
    case poll
    case schedulePoll(after: Double)
    case perform(ClusterAction)
    case audit(AuditRecord)
    case loadTheme(String)
    case quit
}

extension PollOutcome: Equatable {
    public static func == (a: PollOutcome, b: PollOutcome) -> Bool {
        a.via == b.via && a.at == b.at && a.notes == b.notes && a.result == b.result
    }
}
