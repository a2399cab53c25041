import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopUI

/// Messages from worker threads to the UI thread, with a self-pipe to wake its poll().
final class Inbox: @unchecked Sendable {
    private let lock = Lock()
    private var queue: [Message] = []
    let readFD: Int32
    private let writeFD: Int32

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
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    func take() -> [Message] {
        var junk = [UInt8](repeating: 0, count: 64)
        while read(readFD, &junk, junk.count) > 0 {}
        return lock.withLock {
            defer { queue.removeAll() }
            return queue
        }
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
    public var path: String

    public init(path: String) { self.path = path }

    /// `$XDG_STATE_HOME/pacetop/audit.log`, default `~/.local/state/pacetop/audit.log`.
    public static func standardPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (homeDirectory() + "/.local/state")
        return base + "/pacetop/audit.log"
    }

    public func append(_ record: AuditRecord) throws {
        let dir = parentDirectory(of: path)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        var line = try enc.encode(record)
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: ["NSFilePath": path]) }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw CocoaError(.fileWriteUnknown, userInfo: ["NSFilePath": path]) }
    }
}

/// Owns the terminal and the loop: waits in poll() on stdin and the wake-up pipe, feeds
/// messages to `App.update`, runs the effects, and draws only when the frame changed.
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
    private var nextPollAt: Date?
    private var lastFrame: Buffer?

    public init(source: ClusterSource, state: AppState, themes: ThemeLoader, theme: Theme,
                audit: AuditLog, terminal: any Terminal) {
        self.source = source
        self.state = state
        self.themes = themes
        self.theme = theme
        self.audit = audit
        self.terminal = terminal
    }

    /// Runs until the user quits. Throws when the terminal cannot be used.
    public func run() throws {
        try terminal.start()
        defer {
            terminal.stop()
            pollWorker.stop()
            actionWorker.stop()
            source.close()
        }
        var resolved = theme.resolved(for: terminal.colorDepth)
        state.size = terminal.size
        state.now = Date()
        perform(App.start(&state), resolved: &resolved)
        while !state.quitting {
            draw(resolved)
            if case .gone = terminal.wait(wakeFD: inbox.readFD, timeoutMs: timeoutMs()) { return }
            var messages = inbox.take()
            for key in terminal.readKeys() {
                messages.append(key == .resize ? .resized(terminal.size) : .key(key))
            }
            let now = Date()
            messages.append(.tick(now))
            if let due = nextPollAt, due <= now {
                nextPollAt = nil
                messages.append(.pollDue)
            }
            for m in messages where !state.quitting {
                perform(App.update(&state, m), resolved: &resolved)
            }
        }
    }

    /// Sleep until the next poll is due, or a second when the screen shows a running clock
    /// (data age, action timer, a message that will expire); otherwise until input arrives.
    private func timeoutMs() -> Int32 {
        var wait = 3600.0
        if let due = nextPollAt { wait = min(wait, due.timeIntervalSinceNow) }
        if state.isStale || state.running != nil || state.message != nil || state.pollInFlight {
            wait = min(wait, 1.0 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1))
        }
        return Int32(max(0, min(wait, 3600)) * 1000)
    }

    private func draw(_ resolved: Theme) {
        let frame = View.render(state, ViewEnv(theme: resolved, glyphs: terminal.glyphs))
        guard frame != lastFrame else { return }
        lastFrame = frame
        _ = terminal.draw(frame)
    }

    private func perform(_ effects: [Effect], resolved: inout Theme) {
        for effect in effects {
            switch effect {
            case .poll:
                let source = source, inbox = inbox
                pollWorker.submit { inbox.post(.polled(source.poll())) }
            case .schedulePoll(let after):
                nextPollAt = Date().addingTimeInterval(after)
            case .perform(let action):
                let source = source, inbox = inbox
                actionWorker.submit { inbox.post(.actionFinished(source.perform(action))) }
            case .audit(let record):
                do { try audit.append(record) } catch {
                    inbox.post(.problem("audit log \(audit.path) not written: \(errorMessage(error))"))
                }
            case .loadTheme(let name):
                do {
                    theme = try themes.load(name)
                    resolved = theme.resolved(for: terminal.colorDepth)
                    lastFrame = nil
                    inbox.post(.themeLoaded(name))
                } catch {
                    inbox.post(.problem(error.description))
                }
            case .quit:
                state.quitting = true
            }
        }
    }
}

/// Blocks SIGWINCH in the calling thread, so the resize signal interrupts the UI thread's
/// `poll` rather than a worker's.
func blockResizeSignalInCurrentThread() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGWINCH)
    _ = pthread_sigmask(SIG_BLOCK, &set, nil)
}
