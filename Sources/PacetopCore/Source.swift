import FoundationEssentials

/// Where cluster status comes from and where actions go: SSH to the cluster's nodes, an XML
/// file, or the demo cluster. Calls block; the app makes them from worker threads, never
/// from the UI thread. `poll` is never called concurrently with itself, and neither is
/// `perform`, but a poll may run while an action runs.
public protocol ClusterSource: AnyObject, Sendable {
    /// Shown in the header: "DEMO", "file cluster.xml", "ssh ubuntu@ip-172-31-16-133".
    var label: String { get }
    /// The built-in simulation: the screen says DEMO plainly.
    var isDemo: Bool { get }
    /// Whether `perform` can do anything (a file source cannot).
    var canPerformActions: Bool { get }
    func poll() -> PollOutcome
    /// The exact command line `perform` will run for this action, for the confirmation pane.
    func commandLine(for action: ClusterAction) throws(ActionError) -> String
    func perform(_ action: ClusterAction) -> ActionOutcome
    /// Ends connections; further calls fail fast.
    func close()
}

public struct PollOutcome: Sendable {
    public var result: Result<ClusterStatus, SourceError>
    /// The node (or file) this status was read from.
    public var via: String
    public var at: Date
    /// Things the user should know about how this poll went ("ip-…-133 not answering, now
    /// reading from ip-…-134").
    public var notes: [String]

    public init(result: Result<ClusterStatus, SourceError>, via: String, at: Date = Date(),
                notes: [String] = []) {
        self.result = result
        self.via = via
        self.at = at
        self.notes = notes
    }
}

public struct SourceError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// TCP, DNS, handshake, or authentication failure.
        case connect
        /// Unknown or changed host key: refused on purpose.
        case hostKey
        /// The status command ran and failed, or crm_mon reported an error.
        case command
        /// The output was not a usable crm_mon document.
        case parse
        case timeout
        /// A local file could not be read.
        case file
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

public struct ActionOutcome: Sendable, Equatable {
    public var action: ClusterAction
    public var commandLine: String
    public var via: String
    public var exitCode: Int32?
    /// Set when the remote command was killed by a signal.
    public var signal: String?
    public var stdout: String
    public var stderr: String
    /// Set when the command could not run at all (connection lost, refused id, timeout).
    public var error: String?
    public var started: Date
    public var finished: Date

    public init(action: ClusterAction, commandLine: String, via: String, exitCode: Int32?,
                signal: String? = nil, stdout: String = "", stderr: String = "",
                error: String? = nil, started: Date, finished: Date) {
        self.action = action
        self.commandLine = commandLine
        self.via = via
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.error = error
        self.started = started
        self.finished = finished
    }

    public var succeeded: Bool { error == nil && signal == nil && exitCode == 0 }

    /// One line for the timeline: what happened, in the cluster tools' own words when they fail.
    public var summary: String {
        if let error { return "\(action.title): could not run: \(error)" }
        if let signal { return "\(action.title): killed by signal \(signal)" }
        if exitCode == 0 { return "\(action.title): done (exit 0)" }
        let detail = (stderr.isEmpty ? stdout : stderr)
            .split(separator: "\n").last.map(String.init) ?? ""
        let code = exitCode.map(String.init) ?? "?"
        let meaning = exitCode.flatMap(CRMExit.meaning).map { " \($0)" } ?? ""
        return "\(action.title): failed (exit \(code)\(meaning))" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

/// Pacemaker's CRM_EX exit codes that actions commonly return.
public enum CRMExit {
    public static func meaning(_ code: Int32) -> String? {
        switch code {
        case 64: "usage error"
        case 102: "not connected to the cluster"
        case 105: "no such object"
        case 108: "already there"
        case 124: "timed out"
        default: nil
        }
    }
}

/// Exit codes of `pacetop --once`, like a monitoring check's.
public enum OnceExitCode: Int32, Sendable, CaseIterable {
    case ok = 0
    case degraded = 1
    case critical = 2
    /// The status could not be read or understood (crm_mon error, bad XML, unreadable file).
    case unreadable = 3
    /// Could not reach or log in to any node.
    case connectFailed = 4
    /// A host key was unknown or had changed: refused on purpose.
    case hostKeyRefused = 5
}

extension OnceExitCode {
    /// `pacetop --once` for a poll that failed: why it could not read the cluster.
    public static func forFailure(_ error: SourceError) -> OnceExitCode {
        switch error.kind {
        case .hostKey: .hostKeyRefused
        case .connect, .timeout: .connectFailed
        case .command, .parse, .file: .unreadable
        }
    }
}
