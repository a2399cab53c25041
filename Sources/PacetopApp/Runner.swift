import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopUI

/// Messages from worker threads to the UI thread, with a self-pipe to wake its poll(). Signal
/// handlers write their signal's number into the same pipe (a write is all a handler may do);
/// workers write 0.
final class Inbox: @unchecked Sendable {
    private let lock = Lock()
    private var queue: [Message] = []
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pacetop: cannot create the wake-up pipe")
        readFD = fds[0]
        writeFD = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    func post(_ m: Message) {
        lock.withLock { queue.append(m) }
        var b: UInt8 = 0
        _ = write(writeFD, &b, 1)
    }

    /// Signals first (in arrival order), then the workers' messages.
    func take() -> [Message] {
        var signals: [Message] = []
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(readFD, &bytes, bytes.count)
            if n <= 0 { break }
            for b in bytes[..<n] where b != 0 { signals.append(.signal(Int32(b))) }
        }
        return signals + lock.withLock {
            defer { queue.removeAll() }
            return queue
        }
    }
}

/// Routes SIGINT, SIGTERM and SIGHUP into the inbox's pipe, so `update` decides what they mean
/// (ask while an action runs, record a detached action) instead of a handler ending curses.
enum SignalRouting {
    nonisolated(unsafe) static var fd: Int32 = -1
    static let routed = [SIGINT, SIGTERM, SIGHUP]

    static func install(writeFD: Int32) {
        fd = writeFD
        for sig in routed {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { s in
                var b = UInt8(truncatingIfNeeded: s)
                _ = write(SignalRouting.fd, &b, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            _ = sigaction(sig, &action, nil)
        }
    }

    static func uninstall() {
        for sig in routed { _ = signal(sig, SIG_DFL) }
        fd = -1
    }
}

/// A thread that runs submitted jobs one at a time, in order (polls on one, actions on
/// another, so a poll keeps going while a long restart runs).
final class SerialWorker: @unchecked Sendable {
    private let condition = Condition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false

    init(name: String) {
        startThread(name: name) { [self] in loop() }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.signal()
        }
    }

    private func loop() {
        blockResizeSignalInCurrentThread()
        while true {
            let job: (@Sendable () -> Void)? = condition.withLock {
                while jobs.isEmpty && !stopped { condition.wait() }
                return stopped ? nil : jobs.removeFirst()
            }
            guard let job else { return }
            job()
        }
    }
}

/// Appends audit records as JSON lines; the file is private to the user.
public struct AuditLog: Sendable {
    /// The audit log file; created with mode 0600, its directory with 0700.
    public var path: String

    /// An audit log at `path`; nothing is opened until the first record.
    public init(path: String) { self.path = path }

    /// `$XDG_STATE_HOME/pacetop/audit.log`, default `~/.local/state/pacetop/audit.log`.
    public static func standardPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (homeDirectory() + "/.local/state")
        return base + "/pacetop/audit.log"
    }

    /// Why a record could not be written; then the action's command is not sent.
    public struct WriteError: Error, CustomStringConvertible {
        /// What failed, with the path or the system's own words.
        public var description: String
    }

    /// Appends one line and syncs it to disk, so a "started" record exists before the command
    /// it announces is sent. Errors carry the system's own words (errno), with the path.
    public func append(_ record: AuditRecord) throws(WriteError) {
        let dir = parentDirectory(of: path)
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw WriteError(description: "cannot create \(dir): \(errorMessage(error))")
            }
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        guard var line = try? enc.encode(record) else { throw WriteError(description: "cannot encode the record") }
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("cannot open") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw Self.failure("cannot write") }
        guard fsync(fd) == 0 else { throw Self.failure("cannot sync") }
    }

    private static func failure(_ what: String) -> WriteError {
        WriteError(description: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// Owns the terminal and the loop: waits in poll() on the terminal and the wake-up pipe, feeds
/// messages to `App.update`, runs the effects, and draws only when the frame changed. Every
/// decision is `update`'s; the runner only does I/O.
public final class Runner {
    private let source: ClusterSource
    private var state: AppState
    private let themes: ThemeLoader
    private var theme: Theme
    private let audit: AuditLog
    private let terminal: any Terminal
    private let inbox = Inbox()
    private let pollWorker = SerialWorker(name: "pacetop-poll")
    private let actionWorker = SerialWorker(name: "pacetop-action")
    /// Previews run apart from polls and actions: a slow crm_simulate holds neither back.
    private let previewWorker = SerialWorker(name: "pacetop-preview")
    /// The on_event hook, one at a time, never on the UI thread.
    private let hookWorker = SerialWorker(name: "pacetop-hook")
    private let clock: @Sendable () -> Date
    private var nextPollAt: Date?
    private var lastFrame: Buffer?

    /// `clock` is the time source (tests pass their own).
    public init(source: ClusterSource, state: AppState, themes: ThemeLoader, theme: Theme,
                audit: AuditLog, terminal: any Terminal, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.state = state
        self.themes = themes
        self.theme = theme
        self.audit = audit
        self.terminal = terminal
        self.clock = clock
    }

    /// The state as the loop left it (for tests).
    public var finalState: AppState { state }

    /// Runs until `update` says to quit, and says why. Throws when the terminal cannot be used.
    /// Signals (SIGINT, SIGTERM, SIGHUP) are routed to `update` while it runs.
    @discardableResult
    public func run() throws -> QuitReason {
        SignalRouting.install(writeFD: inbox.writeFD)
        try terminal.start()
        defer {
            if state.terminalGone { terminal.abandon() }
            terminal.stop()
            SignalRouting.uninstall()
            pollWorker.stop()
            actionWorker.stop()
            previewWorker.stop()
            hookWorker.stop()
            source.close()
        }
        let inbox = inbox
        source.whenPollNeeded { inbox.post(.pollWanted) }
        var resolved = theme.resolved(for: terminal.colorDepth)
        handle([.resized(terminal.size), .tick(clock())], resolved: &resolved)
        perform(App.start(&state), resolved: &resolved)
        while state.quitting == nil {
            draw(resolved)
            var messages: [Message] = []
            if case .gone(let why) = terminal.wait(wakeFD: inbox.readFD, timeoutMs: timeoutMs()) {
                messages.append(.terminalLost(why))
            } else {
                for key in terminal.readKeys() {
                    messages.append(key == .resize ? .resized(terminal.size) : .key(key))
                }
            }
            messages = inbox.take() + messages
            let now = clock()
            messages.append(.tick(now))
            if let due = nextPollAt, due <= now {
                nextPollAt = nil
                messages.append(.pollDue)
            }
            handle(messages, resolved: &resolved)
        }
        return state.quitting ?? .user
    }

    private func handle(_ messages: [Message], resolved: inout Theme) {
        for m in messages where state.quitting == nil {
            perform(App.update(&state, m), resolved: &resolved)
        }
    }

    /// Sleep until the next poll is due, or a second when the screen shows a running clock
    /// (data age, action timer, a message that will expire); otherwise until input arrives.
    private func timeoutMs() -> Int32 {
        var wait = 3600.0
        let now = clock()
        if let due = nextPollAt { wait = min(wait, due.timeIntervalSince(now)) }
        if state.isStale || state.running != nil || state.message != nil || state.pollInFlight {
            wait = min(wait, 1.0 - now.timeIntervalSince1970.truncatingRemainder(dividingBy: 1))
        }
        return Int32(max(0, min(wait, 3600)) * 1000)
    }

    private func draw(_ resolved: Theme) {
        guard !state.terminalGone else { return }
        let frame = View.render(state, ViewEnv(theme: resolved, glyphs: terminal.glyphs))
        guard frame != lastFrame else { return }
        lastFrame = frame
        terminal.draw(frame)
    }

    private func perform(_ effects: [Effect], resolved: inout Theme) {
        for effect in effects {
            switch effect {
            case .poll:
                let source = source, inbox = inbox
                pollWorker.submit { inbox.post(.polled(source.poll())) }
            case .schedulePoll(let after):
                nextPollAt = clock().addingTimeInterval(after)
            case .perform(let command, let record):
                // No record, no command: an action nobody can account for must not happen.
                do { try audit.append(record) } catch {
                    inbox.post(.actionFinished(.notSent(command, via: command.node,
                        because: "audit log \(audit.path) not written (\(error.description)); the command was not sent",
                        at: clock())))
                    continue
                }
                let source = source, inbox = inbox
                actionWorker.submit { inbox.post(.actionFinished(source.perform(command))) }
            case .preview(let command):
                let source = source, inbox = inbox
                previewWorker.submit { inbox.post(.previewed(command, source.preview(command))) }
            case .audit(let record):
                do { try audit.append(record) } catch {
                    inbox.post(.problem("audit log \(audit.path) not written: \(error.description)"))
                }
            case .loadTheme(let name):
                do {
                    theme = try themes.load(name)
                    resolved = theme.resolved(for: terminal.colorDepth)
                    lastFrame = nil
                    terminal.invalidate()
                    inbox.post(.themeLoaded(name))
                } catch {
                    inbox.post(.themeFailed(name, error.description))
                }
            case .alert(let event):
                terminal.setTitle(event.title(nodes: state.status?.nodes.map(\.name) ?? []))
                if state.config.alerts.bell { terminal.bell() }
                if let hook = state.config.alerts.onEvent {
                    let inbox = inbox, timeout = state.config.alerts.hookTimeout
                    hookWorker.submit {
                        if let problem = EventHook.run(hook, event: event, timeout: timeout) { inbox.post(.problem(problem)) }
                    }
                }
            case .quit:
                break // `update` set `state.quitting`; the loop ends after this batch.
            }
        }
    }
}

/// Blocks SIGWINCH and the routed signals in the calling (worker) thread, so they interrupt
/// the UI thread's `poll` rather than a worker's.
func blockResizeSignalInCurrentThread() {
    var set = sigset_t()
    sigemptyset(&set)
    for sig in [SIGWINCH] + SignalRouting.routed { sigaddset(&set, sig) }
    _ = pthread_sigmask(SIG_BLOCK, &set, nil)
}
