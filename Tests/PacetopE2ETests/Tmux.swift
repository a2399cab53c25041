import Foundation
import Testing
import PacetopTestSupport

/// The real pacetop binary in a real terminal: a tmux session on its own server socket.
final class Tmux {
    let socket: String
    let session = "pacetop"

    /// Where SwiftPM put the binaries: next to the test bundle.
    static var binDir: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var pacetop: String { binDir.appendingPathComponent("pacetop").path }

    static var packageRoot: URL { TestData.packageRoot }

    static var available: Bool { (try? run(["tmux", "-V"]).status) == 0 }

    /// Starts `command` (argv) in a detached session of the given size, with `env` added.
    init(_ command: [String], width: Int = 80, height: Int = 24, env: [String: String] = [:]) throws {
        socket = "pacetop-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        var envArgs: [String] = []
        let base = ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": NSTemporaryDirectory()]
        for (k, v) in base.merging(env, uniquingKeysWith: { _, b in b }) { envArgs += ["-e", "\(k)=\(v)"] }
        // One string: tmux hands it to sh -c. The pane stays after exit to show the status.
        let shellLine = command.map(Self.quote).joined(separator: " ") + "; echo \"[pacetop exited with $?]\"; sleep 600"
        // A clean environment: the test runner's own (NO_COLOR, TERM, …) must not leak in.
        let r = try Self.run(["-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", session,
                              "-x", "\(width)", "-y", "\(height)"] + envArgs + [shellLine])
        guard r.status == 0 else { throw TmuxError(message: "tmux new-session failed: \(r.output)") }
        _ = try? Self.run(["tmux", "-L", socket, "set-option", "-t", session, "status", "off"])
    }

    deinit { _ = try? Self.run(["tmux", "-L", socket, "kill-server"]) }

    func send(_ keys: String...) throws {
        _ = try Self.run(["tmux", "-L", socket, "send-keys", "-t", session] + keys)
    }

    /// Literal text, not key names.
    func type(_ text: String) throws {
        _ = try Self.run(["tmux", "-L", socket, "send-keys", "-t", session, "-l", text])
    }

    func resize(width: Int, height: Int) throws {
        _ = try Self.run(["tmux", "-L", socket, "resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    func screen() throws -> String {
        try Self.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", session]).output
    }

    /// Screen with colour escapes (-e), to check that colours are or are not used.
    func screenWithEscapes() throws -> String {
        try Self.run(["tmux", "-L", socket, "capture-pane", "-p", "-e", "-t", session]).output
    }

    /// Waits until the screen satisfies `predicate`; returns the screen, or fails with the last one.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
                 _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            usleep(100_000)
        }
        Issue.record("timed out after \(timeout) s waiting for \(what); screen was:\n\(last)", sourceLocation: sourceLocation)
        throw TmuxError(message: "timeout waiting for \(what)")
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try waitFor("\"\(text)\"", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a command and returns its status and output. Output goes through a file, not a
    /// pipe (`tmux new-session` leaves a server holding its descriptors), and the child is
    /// reaped with waitpid directly: Foundation's Process did not reap the tmux client here.
    @discardableResult
    static func run(_ argv: [String]) throws -> (status: Int32, output: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The child must not inherit the calling thread's signal mask: test threads block
        // SIGCHLD, SIGHUP, SIGTERM…, and a tmux server spawned with them blocked never reaps
        // its panes and ignores kill-server, and pacetop in it ignores SIGHUP/SIGTERM.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attr, &allSignals)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let args = (["/usr/bin/env"] + argv).map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, &attr, args, environ)
        guard rc == 0 else { throw TmuxError(message: "cannot run \(argv.joined(separator: " ")): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// Without tmux these tests skip on a laptop; under CI=true `tmuxIsThereInCI` fails instead.
let tmuxReady = Tmux.available

@Test func tmuxIsThereInCI() {
    if isCI { #expect(Tmux.available, "CI=true but tmux is missing: the end-to-end terminal tests cannot run") }
    if !Tmux.available { print("skipping end-to-end terminal tests: tmux is not installed") }
}
