import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

/// How pacetop tells a person who is not looking: the terminal title always; a bell and a
/// hook command when the config file asks (`bell = true`, `on_event = "cmd"`).
public struct AlertSettings: Sendable, Equatable {
    public var bell: Bool
    /// Run with `/bin/sh -c`; gets the event as one JSON line on stdin.
    public var onEvent: String?
    /// Seconds the hook may take before it is killed.
    public var hookTimeout: Double

    public init(bell: Bool = false, onEvent: String? = nil, hookTimeout: Double = 10) {
        self.bell = bell
        self.onEvent = onEvent
        self.hookTimeout = hookTimeout
    }
}

/// Something a person on call wants to hear about at once.
public struct AlertEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case failover, switchover
        case nodeLost = "node_lost"
        case quorumLost = "quorum_lost"
    }

    public var event: Kind
    public var cluster: String
    /// The timeline's words for it.
    public var text: String
    public var from: String?
    public var to: String?
    public var node: String?
    public var seconds: Double?
    public var time: Date

    /// `pacetop portsip-lab: FAILOVER 133 → 134`, names shortened to what tells them apart.
    public func title(nodes: [String]) -> String {
        let short = { (n: String) in AlertEvent.shortName(n, among: nodes) }
        let what: String = switch event {
        case .failover: "FAILOVER \(short(from ?? "?")) → \(short(to ?? "?"))"
        case .switchover: "SWITCHOVER \(short(from ?? "?")) → \(short(to ?? "?"))"
        case .nodeLost: "NODE LOST \(short(node ?? "?"))"
        case .quorumLost: "QUORUM LOST" + (node.map { " on \(short($0))" } ?? "")
        }
        return "pacetop \(cluster): \(what)"
    }

    /// The name without the prefix every node shares, cut where a part starts
    /// (`ip-172-31-16-133` → `133`); the whole name when nothing is shared.
    static func shortName(_ name: String, among nodes: [String]) -> String {
        let all = nodes.contains(name) ? nodes : nodes + [name]
        guard all.count > 1, var prefix = all.first.map(Array.init) else { return name }
        for n in all.dropFirst() {
            prefix = Array(zip(prefix, n).prefix { $0 == $1 }.map(\.0))
        }
        guard let cut = prefix.lastIndex(where: { $0 == "-" || $0 == "." || $0 == "_" }) else { return name }
        let rest = String(name.dropFirst(cut + 1))
        return rest.isEmpty ? name : rest
    }

    /// The hook's stdin: one JSON line.
    public var jsonLine: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        return (try? enc.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension App {
    /// Alerts for what the poll just showed: a failover or switchover (from the tracker), a
    /// member node lost, quorum lost.
    static func alerts(_ state: AppState, before: ClusterStatus?, failoverBefore: FailoverTracker.Failover?) -> [Effect] {
        guard let new = state.status, state.pollError == nil else { return [] }
        let cluster = new.clusterName ?? state.config.sourceLabel
        var out: [AlertEvent] = []
        if let old = before {
            for n in new.nodes where n.kind == .member && (!n.online || n.unclean) {
                guard let was = old.node(named: n.name), was.online, !was.unclean else { continue }
                out.append(AlertEvent(event: .nodeLost, cluster: cluster, text: "\(n.name) lost", node: n.name,
                                      time: state.now))
            }
            if old.summary.quorum != false, new.summary.quorum == false {
                out.append(AlertEvent(event: .quorumLost, cluster: cluster, text: "quorum LOST (seen from \(state.via ?? "?"))",
                                      node: state.via, time: state.now))
            }
        }
        // Last: it is what happened after the loss, and the title keeps the last alert, so
        // one poll that shows both leaves the terminal saying FAILOVER, not NODE LOST.
        if let f = state.lastFailover, f != failoverBefore {
            out.append(AlertEvent(event: f.nodeLost ? .failover : .switchover, cluster: cluster, text: f.text,
                                  from: f.from, to: f.to, seconds: f.seconds, time: f.restoredAt))
        }
        return out.map { .alert($0) }
    }
}

/// Runs the `on_event` hook: `/bin/sh -c CMD` in its own process group with the event on
/// stdin; the whole group is killed after the timeout (so a `sleep` it started goes too).
/// Returns why it failed, or nil.
enum EventHook {
    static func run(_ command: String, event: AlertEvent, timeout: Double) -> String? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return "on_event hook: no pipe: \(String(cString: strerror(errno)))" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attr, 0)
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ)
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            return "on_event hook could not start: \(String(cString: strerror(rc)))"
        }
        // A hook that exits without reading gets EPIPE here, not us a SIGPIPE.
        let line = Array((event.jsonLine + "\n").utf8)
        let previous = signal(SIGPIPE, SIG_IGN)
        _ = line.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        signal(SIGPIPE, previous)
        close(fds[1])
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(-pid, SIGTERM)
                usleep(200_000)
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return "on_event hook killed after \(Int(timeout)) s: \(command)"
            }
            usleep(20_000)
        }
        let code = (status >> 8) & 0xFF, sig = status & 0x7F
        if sig != 0 { return "on_event hook killed by signal \(sig): \(command)" }
        return code == 0 ? nil : "on_event hook exited \(code): \(command)"
    }
}
