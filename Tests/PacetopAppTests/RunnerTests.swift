import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

/// A terminal that replays a script: each `wait` takes the next step. What the runner drew is
/// kept, so tests assert on screens. Runs on the runner's thread only, like a real terminal.
final class FakeTerminal: Terminal {
    enum Step {
        /// Keys waiting after this wake-up.
        case keys([Key])
        /// Nothing happened until the timeout.
        case idle
        /// Wait for the wake-up pipe (a worker's message) for up to this many seconds.
        case workers(Double)
        /// The terminal went away.
        case gone(String)
        /// Something to do at this moment (ask for a poll, change a file), then a wake-up.
        case run(@Sendable () -> Void)
        /// A signal, delivered to this thread with raise(3), unblocked for the moment (test
        /// threads may block signals), so that its handler has written the wake-up before the
        /// step returns. kill(2) to the process runs it on whichever thread takes it, maybe
        /// after the runner has read the pipe.
        case signal(Int32)
    }

    var size = Size(width: 100, height: 30)
    var colorDepth = ColorDepth.mono
    var glyphs = GlyphSet.unicode
    private var steps: [Step]
    private var pendingKeys: [Key] = []
    private(set) var frames: [Buffer] = []
    private(set) var drawsAfterGone = 0
    private(set) var started = false
    private(set) var stopped = false
    private(set) var abandoned = false
    private var isGone = false

    init(_ steps: [Step]) { self.steps = steps }

    func start() throws { started = true }
    func stop() { stopped = true }
    func abandon() { abandoned = true }
    func invalidate() {}

    func draw(_ buffer: Buffer) -> Int {
        if isGone { drawsAfterGone += 1 }
        frames.append(buffer)
        return 1
    }

    func wait(wakeFD: Int32, timeoutMs: Int32) -> TerminalWait {
        // When the script runs out, the user quits: a test never hangs on a runner.
        let step = steps.isEmpty ? .keys([.char("q"), .char("y")]) : steps.removeFirst()
        switch step {
        case .keys(let k):
            pendingKeys = k
            return .ready
        case .idle:
            return .timeout
        case .workers(let seconds):
            var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            return poll(&fds, 1, Int32(seconds * 1000)) > 0 ? .ready : .timeout
        case .gone(let why):
            isGone = true
            return .gone(why)
        case .run(let action):
            action()
            return .ready
        case .signal(let sig):
            var only = sigset_t(), saved = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, sig)
            pthread_sigmask(SIG_UNBLOCK, &only, &saved)
            _ = raise(sig)
            pthread_sigmask(SIG_SETMASK, &saved, nil)
            return .ready
        }
    }

    func readKeys() -> [Key] {
        defer { pendingKeys = [] }
        return pendingKeys
    }

    var lastScreen: String { frames.last?.lines().joined(separator: "\n") ?? "" }
}

/// A cluster source double: serves a fixture, records what it was asked to run.
final class RecordingSource: ClusterSource, @unchecked Sendable {
    private let lock = NSLock()
    private var _performed: [PreparedAction] = []
    private var _closed = false
    let status: ClusterStatus
    let via: String
    /// How long an action takes (the runner must not wait for it to quit).
    let actionSeconds: Double

    init(_ status: ClusterStatus, via: String = "ip-172-31-16-133", actionSeconds: Double = 0) {
        self.status = status
        self.via = via
        self.actionSeconds = actionSeconds
    }

    var label: String { "recording" }
    var isDemo: Bool { false }
    var canPerformActions: Bool { true }
    var remote: RemoteCommand { RemoteCommand() }
    var performed: [PreparedAction] { lock.withLock { _performed } }
    var closed: Bool { lock.withLock { _closed } }

    private var _polls = 0
    private var wakeUp: (@Sendable () -> Void)?
    var polls: Int { lock.withLock { _polls } }

    func poll() -> PollOutcome {
        lock.withLock { _polls += 1 }
        return PollOutcome(result: .success(status), via: via)
    }

    func whenPollNeeded(_ wakeUp: @escaping @Sendable () -> Void) { lock.withLock { self.wakeUp = wakeUp } }
    /// What an SSH source does when the session it reads from breaks.
    func wantPoll() { lock.withLock { wakeUp }?() }

    func perform(_ command: PreparedAction) -> ActionOutcome {
        lock.withLock { _performed.append(command) }
        let start = Date()
        while Date().timeIntervalSince(start) < actionSeconds, !closed { usleep(10_000) }
        return ActionOutcome(action: command.action, commandLine: command.commandLine, via: via,
                             exitCode: closed ? nil : 0, error: closed ? "closed" : nil, started: start, finished: Date())
    }

    func close() { lock.withLock { _closed = true } }
}

/// The runner's loop through a fake terminal: input, terminal loss, signals, the audit log.
/// Serialized: signal routing is process-wide.
@Suite(.serialized) struct RunnerTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func runner(_ terminal: FakeTerminal, _ source: RecordingSource, audit: String? = nil, interval: Double = 2) -> Runner {
        let state = AppState(config: AppConfig(interval: interval, sourceLabel: source.label, user: "tester"), themeName: "default")
        return Runner(source: source, state: state, themes: ThemeLoader(directories: []),
                      theme: ThemeLoader.builtinTheme(), audit: AuditLog(path: audit ?? dir.appendingPathComponent("audit.log").path),
                      terminal: terminal)
    }

    func auditLines() throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("audit.log"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    @Test func drawsTheClusterAndQuitsOnQ() throws {
        let term = FakeTerminal([.workers(5), .keys([.char("q")])])
        let source = RecordingSource(try Fixture.status("healthy"))
        let reason = try runner(term, source).run()
        #expect(reason == .user)
        #expect(term.started && term.stopped && !term.abandoned)
        #expect(term.lastScreen.contains("ip-172-31-16-133"))
        #expect(term.lastScreen.contains("pbx"))
        #expect(source.closed, "quitting closes the source's connections")
    }

    @Test func aSourceAskingForAPollIsPolledWithoutWaitingForTheInterval() throws {
        let source = RecordingSource(try Fixture.status("healthy"))
        let term = FakeTerminal([.workers(5), .run { source.wantPoll() }, .workers(5), .keys([.char("q")])])
        _ = try runner(term, source, interval: 60).run()
        #expect(source.polls == 2, "the first poll, then the one asked for (the next is 60 s away)")
    }

    @Test func aTerminalThatGoesAwayEndsTheLoopWithoutAnotherFrame() throws {
        let term = FakeTerminal([.workers(5), .gone("the terminal hung up"), .idle, .idle])
        let source = RecordingSource(try Fixture.status("healthy"))
        let r = runner(term, source)
        #expect(try r.run() == .terminalLost)
        #expect(term.drawsAfterGone == 0)
        #expect(term.abandoned, "nothing is written to restore a terminal that is gone")
        #expect(source.closed)
        #expect(r.finalState.timeline.last?.text == "terminal gone: the terminal hung up")
    }

    @Test func aRunningActionIsRecordedAsDetachedWhenTheTerminalGoes() throws {
        let term = FakeTerminal([.workers(5), .keys([.char("G"), .char("R"), .char("y")]), .idle,
                                 .gone("end of file")])
        let source = RecordingSource(try Fixture.status("healthy"), actionSeconds: 30)
        #expect(try runner(term, source).run() == .terminalLost)
        #expect(source.performed.map(\.action) == [.restart(resource: "pbx")])
        let lines = try auditLines()
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"result\":\"started\""))
        #expect(lines[1].contains("\"result\":\"detached\""))
    }

    @Test func sigtermWhileAnActionRunsAsksAndASecondOneQuits() throws {
        let term = FakeTerminal([.workers(5), .keys([.char("G"), .char("R"), .char("y")]),
                                 .signal(SIGTERM), .idle, .signal(SIGTERM), .idle])
        let source = RecordingSource(try Fixture.status("healthy"), actionSeconds: 30)
        let r = runner(term, source)
        #expect(try r.run() == .user)
        #expect(term.frames.contains { $0.lines().joined().contains("is still running") }, "the first SIGTERM asked")
        #expect(try auditLines().last?.contains("\"result\":\"detached\"") == true)
    }

    @Test func anActionIsNotSentWhenItsAuditRecordCannotBeWritten() throws {
        let term = FakeTerminal([.workers(5), .keys([.char("G"), .char("R"), .char("y")]), .workers(5), .idle])
        let source = RecordingSource(try Fixture.status("healthy"))
        let r = runner(term, source, audit: "/dev/null/audit.log")
        _ = try r.run()
        #expect(source.performed.isEmpty, "no record, no command")
        let last = r.finalState.timeline.last?.text ?? ""
        #expect(last.contains("Restart pbx: not sent: audit log /dev/null/audit.log not written"))
        #expect(last.contains("Not a directory"), "the system's own words, not a generic 'no permission'")
    }
}
