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
    /// Each poll's status was made at the poll (a cluster, the demo), so its zone-less times
    /// can be set against the poll's time; a file's was made whenever it was written.
    var statusIsCurrent: Bool { get }
    /// How this source wraps commands on a node (sudo or not). The confirmation pane builds
    /// its `PreparedAction` with it, so the line shown is the line `perform` runs.
    var remote: RemoteCommand { get }
    /// Reads the cluster status once; an SSH source moves on to another node when its node does not answer.
    func poll() -> PollOutcome
    /// Runs exactly `command.commandLine` on `command.node`, or refuses without sending
    /// anything (`ActionOutcome.sent == false`) when that node is not the one the source reads
    /// from now, or the line is not what this source would run for the action.
    func perform(_ command: PreparedAction) -> ActionOutcome
    /// What the cluster would do if `command` ran, computed without changing anything (see
    /// `WhatIf`). May run while a poll or an action runs.
    func preview(_ command: PreparedAction) -> PreviewOutcome
    /// Ends connections; further calls fail fast.
    func close()
    /// Registers `wakeUp`, called (from any thread, quickly) when the next poll should start
    /// now rather than at its time: the session to the node the source reads from broke.
    func whenPollNeeded(_ wakeUp: @escaping @Sendable () -> Void)
}

extension ClusterSource {
    /// Sources that learn nothing between polls (a file, the demo) never call it.
    public func whenPollNeeded(_ wakeUp: @escaping @Sendable () -> Void) {}
}

extension ClusterSource {
    public var statusIsCurrent: Bool { true }
}

/// What one poll produced: a cluster status or why there is none, and which node said so.
public struct PollOutcome: Sendable {
    /// The parsed status, or why it could not be read.
    public var result: Result<ClusterStatus, SourceError>
    /// The node (or file) this status was read from.
    public var via: String
    /// When the poll finished; the header's age and the "outdated" warning count from here.
    public var at: Date
    /// Things the user should know about how this poll went ("ip-…-133 not answering, now
    /// reading from ip-…-134").
    public var notes: [String]

    /// A poll's outcome; `at` defaults to now.
    public init(result: Result<ClusterStatus, SourceError>, via: String, at: Date = Date(),
                notes: [String] = []) {
        self.result = result
        self.via = via
        self.at = at
        self.notes = notes
    }
}

/// Why a poll failed, classified so the screen and `--once` exit codes can tell the cases apart.
public struct SourceError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// What went wrong, from reaching a node to understanding its answer.
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

    /// Which kind of failure; decides the `--once` exit code.
    public var kind: Kind
    /// Human-readable detail, shown on screen as is.
    public var message: String

    /// An error of `kind` with the text the user sees.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message, as shown to the user.
    public var description: String { message }
}

/// An action ready to run: exactly what the confirmation pane shows, and where it runs.
public struct PreparedAction: Sendable, Equatable {
    /// The cluster action (standby, move, cleanup...) this line performs.
    public var action: ClusterAction
    /// The whole command line, shell-quoted, as sent to the node.
    public var commandLine: String
    /// The node it runs on: the node the screen was reading from when the pane showed it.
    public var node: String

    /// Validates the action's ids and builds its line with `remote`.
    public init(_ action: ClusterAction, remote: RemoteCommand, node: String) throws(ActionError) {
        self.action = action
        self.commandLine = remote.line(try action.argv())
        self.node = node
    }

    /// Why a source must not run this, or nil when it may: the line must be exactly what
    /// `remote` builds for the action, and `node` the node the source reads from now.
    public func refusal(remote: RemoteCommand, currentNode: String?) -> String? {
        guard let expected = try? remote.line(action.argv()), expected == commandLine else {
            return "the command line does not match \(action.title); the command was not sent"
        }
        guard let currentNode else {
            return "no node is answering; the command was not sent — press the key again when one is"
        }
        guard currentNode == node else {
            return "\(node) is no longer the node pacetop reads from (now \(currentNode)); "
                + "the command was not sent — press the key again"
        }
        return nil
    }
}

/// What happened to one cluster command: exit status, output, and whether it reached a node at all.
public struct ActionOutcome: Sendable, Equatable {
    /// The action that was asked for.
    public var action: ClusterAction
    /// The exact command line sent (or that would have been sent).
    public var commandLine: String
    /// The node the command ran on (or was meant for); the audit log records it.
    public var via: String
    /// Exit status of the remote command; nil when there is none (see `error`).
    public var exitCode: Int32?
    /// Set when the remote command was killed by a signal.
    public var signal: String?
    /// What the command printed on standard output.
    public var stdout: String
    /// What the command printed on standard error; failures show its last line.
    public var stderr: String
    /// Set when there is no exit status: the command was not sent, or was sent and its
    /// connection was lost or its deadline passed before it finished (see `sent`).
    public var error: String?
    /// Whether the command reached the node. With an `error`, true means the outcome is
    /// unknown (it may have run, or may still be running): check the cluster, never retry blindly.
    public var sent: Bool
    /// When the command was sent (or refused).
    public var started: Date
    /// When its outcome was known.
    public var finished: Date

    /// An outcome as a source reports it.
    public init(action: ClusterAction, commandLine: String, via: String, exitCode: Int32?,
                signal: String? = nil, stdout: String = "", stderr: String = "",
                error: String? = nil, sent: Bool = true, started: Date, finished: Date) {
        self.action = action
        self.commandLine = commandLine
        self.via = via
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.error = error
        self.sent = sent
        self.started = started
        self.finished = finished
    }

    /// A command that never reached the node: nothing happened on the cluster.
    public static func notSent(_ command: PreparedAction, via: String, because reason: String,
                               at time: Date = Date()) -> ActionOutcome {
        ActionOutcome(action: command.action, commandLine: command.commandLine, via: via, exitCode: nil,
                      error: reason, sent: false, started: time, finished: time)
    }

    /// The command ran and exited 0.
    public var succeeded: Bool { error == nil && signal == nil && exitCode == 0 }

    /// The result word for the audit log: the exit code, `signal X`, `not sent: …` or
    /// `unknown: …` (sent, then the connection or the deadline was lost).
    public var auditResult: String {
        if let error { return sent ? "unknown: \(error)" : "not sent: \(error)" }
        if let signal { return "signal \(signal)" }
        return exitCode.map(String.init) ?? "?"
    }

    /// One line for the timeline: what happened, in the cluster tools' own words when they fail.
    public var summary: String {
        if let error {
            return sent ? "\(action.title): outcome unknown — check the cluster (\(error))"
                : "\(action.title): not sent: \(error)"
        }
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
    /// A short meaning for a Pacemaker exit code, or nil when it is not one pacetop explains.
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
