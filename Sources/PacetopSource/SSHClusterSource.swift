import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopSSH

/// What the command line says about reaching the cluster; `SSHClusterSource.make` turns it
/// into a source (the flags are documented in README "Connecting to a cluster (SSH)").
public struct SSHSourceOptions: Sendable {
    /// `pacetop NODE [NODE...]`: hosts or ssh_config aliases, most preferred first.
    public var nodes: [String]
    public var user: String?               // -l/--user
    public var port: Int?                  // -p/--port
    public var identityFiles: [String]     // -i/--identity (repeatable)
    public var jump: String?               // -J/--jump "[user@]host[:port][,...]" or "none"
    public var sshConfigFile: String?      // -F/--ssh-config
    public var options: [String]           // -o Keyword=value (repeatable; the first of a keyword wins)
    public var acceptNew: Bool             // --accept-new (= -o StrictHostKeyChecking=accept-new)
    public var sudo: Bool                  // --sudo
    public var interval: Double            // --interval, seconds (min 0.5)
    public var connectTimeout: Double?     // --connect-timeout; nil: ssh_config or 10 s
    /// Who reads ssh_config: `ssh -G` when installed (the default), or pacetop's own reader.
    public var configReader: SSHResolver.Reader
    /// Node name (as crm_mon reports it) → host to connect to, for nodes learned from crm_mon.
    public var addressMap: [String: String]
    /// Where peers learned from the cluster are remembered (nil: nowhere; the command line
    /// uses `PeerMemory.standard()`).
    public var peerMemory: PeerMemory?
    public var useAgent: Bool
    /// Asked for key passphrases; the default reads /dev/tty (nothing when there is none).
    public var passphraseProvider: PassphraseProvider?

    public init(nodes: [String], user: String? = nil, port: Int? = nil, identityFiles: [String] = [],
                jump: String? = nil, sshConfigFile: String? = nil, options: [String] = [],
                acceptNew: Bool = false, sudo: Bool = false, interval: Double = 2, connectTimeout: Double? = nil,
                configReader: SSHResolver.Reader = .automatic, addressMap: [String: String] = [:],
                peerMemory: PeerMemory? = nil, useAgent: Bool = true,
                passphraseProvider: PassphraseProvider? = SSHAuthOptions.terminalPassphraseProvider) {
        self.nodes = nodes
        self.user = user
        self.port = port
        self.identityFiles = identityFiles
        self.jump = jump
        self.sshConfigFile = sshConfigFile
        self.options = options
        self.acceptNew = acceptNew
        self.sudo = sudo
        self.interval = interval
        self.connectTimeout = connectTimeout
        self.configReader = configReader
        self.addressMap = addressMap
        self.peerMemory = peerMemory
        self.useAgent = useAgent
        self.passphraseProvider = passphraseProvider
    }

    /// Why `-o OPTION` cannot be used (a keyword pacetop does not honour, a bad value), or nil.
    public static func problem(withOption option: String) -> String? {
        do { _ = try SSHOverrides.parseOption(option); return nil } catch { return error.description }
    }
}

/// Cluster status over SSH, from one node at a time, failing over between the cluster's nodes.
///
/// Rule: each poll reads from the first node in the list (given nodes first, then the peers
/// the cluster names: remembered ones, then crm_mon's members) that answers with a quorate
/// view. A peer is tried by its name, then by its Corosync ring addresses (see `PeerRoutes`).
/// A node that fails is skipped until its backoff (1 s doubling to 30 s) expires, then tried
/// again, so node 1 is preferred again as soon as it answers; a node waiting out its backoff
/// never delays the first try of another. The session to the node read from is watched between
/// polls: when the node closes or resets it, that counts as the node failing, and the app is
/// asked to poll at once (see `sessionLost`). A node without quorum is shown only when no other
/// node has quorum. Notes name a continuing condition in the same words every time, and a
/// recovery in one note. Host-key refusals are never skipped quietly: that poll fails with
/// `.hostKey`, the node is not used again, and every later outcome carries a note about it.
public final class SSHClusterSource: ClusterSource, @unchecked Sendable {
    public typealias Resolver = @Sendable (String) throws(SSHError) -> ResolvedTarget

    public typealias Clock = @Sendable () -> ContinuousClock.Instant

    final class NodeState {
        let name: String
        /// Ways to reach the node, tried in order until one connects: a given node has one;
        /// a peer has its name, then its ring addresses.
        let routes: [ResolvedTarget]
        var route = 0
        var connections: [Int: SSHConnection] = [:]
        var legacy = false
        var failures = 0
        var nextTry: ContinuousClock.Instant
        var lastError: SourceError?
        var hostKeyError: String?
        /// How long crm_mon usually takes here (seconds; slow answers count at once, fast
        /// ones lower it gradually): a node that stops answering is given up on after a
        /// few times that, not after the full command timeout.
        var typical: Double?
        init(name: String, routes: [ResolvedTarget], now: ContinuousClock.Instant) {
            self.name = name
            self.routes = routes
            self.nextTry = now
        }
        var resolved: ResolvedTarget { routes[route] }
        var connection: SSHConnection? { connections[route] }
        var keys: [String] { routes.map { "\($0.target.endpoint.host):\($0.target.endpoint.port)" } }
    }

    public let interval: Double
    public let sudo: Bool
    /// ssh_config problems to show the user once (Include/Match/ProxyCommand...).
    public let warnings: [String]
    private let resolver: Resolver
    private let addressMap: [String: String]
    private let passphrases: PassphraseCache
    private let useAgent: Bool
    private let commandTimeout: Double
    private let now: Clock
    private let memory: PeerMemory?
    /// How peers without an ssh_config entry of their own are reached: like the first node given.
    private let routes: PeerRoutes
    /// Learned names and addresses refused already (said once).
    private var rejected: Set<String> = []
    /// The nodes given on the command line: the names a remembered cluster is found by.
    private let given: [String]
    private var remembered: (String, [ClusterPeer])?

    private let lock = Lock()
    private let performLock = Lock()
    private var nodes: [NodeState] = []
    private var current: NodeState?
    private var constraintsKey: String?
    private var constraints: CIBConfiguration?
    /// What Corosync says, per node read from (read once per node).
    private var corosync: [String: CorosyncView] = [:]
    /// Daemon status per node name (checked every `daemonInterval`).
    private var daemons: [String: [DaemonState]] = [:]
    /// When each node's daemons are asked next. Not on a node's first poll: that one is on the
    /// path of a failover between nodes and must stay short.
    private var daemonsDue: [String: ContinuousClock.Instant] = [:]
    static let daemonInterval: Duration = .seconds(60)
    static let daemonFirstDelay: Duration = .seconds(3)
    private var closed = false
    /// Host keys accepted under accept-new (with fingerprints), all of them; and the notes no
    /// poll has reported yet (those keys, sessions lost between polls).
    private var accepted: [String] = []
    private var unannounced: [String] = []
    /// Asks the app for a poll now (see `whenPollNeeded`).
    private var wakeUp: (@Sendable () -> Void)?

    /// `nodes` must be non-empty; `resolver` maps a node name (typed or learned) to a target.
    public init(nodes: [String], resolver: @escaping Resolver, interval: Double = 2, sudo: Bool = false,
                addressMap: [String: String] = [:], useAgent: Bool = true,
                passphraseProvider: PassphraseProvider? = nil, commandTimeout: Double? = nil,
                warnings: [String] = [], memory: PeerMemory? = nil,
                clock: @escaping Clock = { ContinuousClock.now }) throws(SSHError) {
        self.resolver = resolver
        self.given = nodes
        self.now = clock
        self.memory = memory
        self.interval = interval
        self.sudo = sudo
        self.addressMap = addressMap
        self.useAgent = useAgent
        self.passphrases = PassphraseCache(passphraseProvider)
        // crm_mon on a 2,000-resource cluster takes ~7 s; a dashboard must still notice a
        // frozen node within a few intervals.
        self.commandTimeout = commandTimeout ?? max(10, interval * 3)
        var w = warnings
        var given: [NodeState] = []
        for n in nodes {
            let r = try resolver(addressMap[n] ?? n)
            w += r.warnings
            if !given.contains(where: { $0.name == n }) { given.append(NodeState(name: n, routes: [r], now: clock())) }
        }
        self.nodes = given
        var unique: [String] = []
        for x in w where !unique.contains(x) { unique.append(x) }
        self.warnings = unique
        guard let seed = given.first?.resolved else { throw .configError(file: "command line", reason: "no cluster node given") }
        routes = PeerRoutes(resolver: resolver, seed: seed)
        // Peers a pacetop run before this one learned: tried when the given nodes do not answer.
        if let memory {
            var ignored: [String] = []
            learnNodes(memory.peers(reachedThrough: nodes), notes: &ignored)
        }
    }

    /// Builds the source from command-line options, reading ssh_config (or `-F FILE`).
    public static func make(_ o: SSHSourceOptions) throws(SourceError) -> SSHClusterSource {
        guard !o.nodes.isEmpty else { throw SourceError(.connect, "no cluster node given: pacetop [options] NODE [NODE...]") }
        guard o.interval >= 0.5 else { throw SourceError(.connect, "--interval must be at least 0.5 s (got \(o.interval))") }
        if let p = o.port, !(1...65535).contains(p) { throw SourceError(.connect, "--port must be 1-65535 (got \(p))") }
        if let t = o.connectTimeout, !(t > 0 && t <= 86_400) { throw SourceError(.connect, "--connect-timeout must be more than 0 and at most 86400 seconds (got \(t))") }
        // The flags are -o options placed where they win: an explicit --connect-timeout first;
        // --accept-new next to a contradicting -o StrictHostKeyChecking is refused.
        // ssh takes whole seconds ("2.0" is "invalid time value" to ssh -G): a fraction is
        // rounded up, never a shorter wait than asked for.
        var options = o.connectTimeout.map { ["ConnectTimeout=\(Int($0.rounded(.up)))"] } ?? []
        options += o.options
        if o.acceptNew {
            let strict = o.options.compactMap { try? SSHOverrides.parseOption($0) }.first { $0.keyword == "stricthostkeychecking" }
            if let strict, strict.value.lowercased() != "accept-new" {
                throw SourceError(.connect, "--accept-new contradicts -o StrictHostKeyChecking=\(strict.value)")
            }
            options.append("StrictHostKeyChecking=accept-new")
        }
        let overrides = SSHOverrides(user: o.user, port: o.port, identityFiles: o.identityFiles, jump: o.jump, options: options)
        do {
            let resolver = try SSHResolver(configFile: o.sshConfigFile, reader: o.configReader, overrides: overrides)
            return try SSHClusterSource(nodes: o.nodes, resolver: { (h: String) throws(SSHError) -> ResolvedTarget in
                try resolver.resolve(h)
            }, interval: o.interval, sudo: o.sudo, addressMap: o.addressMap, useAgent: o.useAgent,
               passphraseProvider: o.passphraseProvider, memory: o.peerMemory)
        } catch {
            throw SourceError(.connect, error.description)
        }
    }

    public var label: String {
        lock.lock(); defer { lock.unlock() }
        let n = current ?? nodes[0]
        return "ssh \(n.resolved.target.endpoint.user)@\(n.name)"
    }

    public var isDemo: Bool { false }
    public var canPerformActions: Bool { true }

    /// The nodes tried, in order (given, then learned from the cluster).
    public var nodeNames: [String] {
        lock.lock(); defer { lock.unlock() }
        return nodes.map(\.name)
    }

    /// Connects to the first node now, so passphrase prompts happen before the screen starts.
    public func connectFirst() throws(SourceError) {
        let n = lock.withLock { nodes[0] }
        let conn = connection(n, route: 0)
        defer { collectNotices(conn) }
        do { try conn.connect() } catch { throw Self.sourceError(error, node: n.name) }
    }

    /// Every host key accepted so far, as "accepted new host key for H: TYPE SHA256:…", for
    /// stderr; each is also in the notes of the next poll (the timeline).
    public var acceptedHostKeys: [String] { lock.withLock { accepted } }

    private func collectNotices(_ conn: SSHConnection) {
        let n = conn.takeNotices()
        if !n.isEmpty { lock.withLock { accepted += n; unannounced += n } }
    }

    /// Call once the full-screen UI owns the terminal: no more passphrase prompts (a node
    /// reached later reuses passphrases already typed, or fails with a clear message).
    public func stopPrompting() {
        passphrases.stopPrompting()
    }

    // MARK: Polling

    enum Attempt {
        case ok(ClusterStatus, peers: [ClusterPeer], rejected: [String])
        case failed(SourceError, short: String)
    }

    public func poll() -> PollOutcome {
        var outcome = pollNodes()
        outcome.notes = lock.withLock { defer { unannounced = [] }; return unannounced } + outcome.notes
        return outcome
    }

    private func pollNodes() -> PollOutcome {
        let (candidates, previous, isClosed) = lock.withLock { (nodes, current, closed) }
        if isClosed { return PollOutcome(result: .failure(SourceError(.connect, "the source is closed")), via: "") }
        var notes: [String] = []
        var noQuorum: (NodeState, ClusterStatus)?
        let now = self.now()
        for node in candidates where node.hostKeyError != nil {
            notes.append("\(node.name) is not used: \(node.hostKeyError ?? "")")
        }
        let usable = candidates.filter { $0.hostKeyError == nil }
        // A node waiting out its backoff is not tried (not even the current one): the others
        // are, at once, and a poll where everyone waits reports each node's last failure.
        var eligible = usable.filter { $0.nextTry <= now }
        var i = 0
        while i < eligible.count {
            let node = eligible[i]
            i += 1
            switch attempt(node) {
            case .ok(let status, let peers, let rejected):
                let recovered = lock.withLock {
                    defer { node.failures = 0; node.lastError = nil; node.nextTry = now }
                    return node.failures > 0
                }
                // Members learned now are tried in this same poll (a partitioned node 1
                // must not hide the quorate side even on the first poll).
                eligible += learnNodes(peers, rejected: rejected, notes: &notes)
                if status.summary.quorum == false {
                    if noQuorum == nil { noQuorum = (node, status) }
                    notes.append("\(node.name) has no quorum; looking for a node that has")
                    continue
                }
                return finish(node, status, peers: peers, previous: previous, recovered: recovered, notes: notes)
            case .failed(let error, let short):
                if error.kind == .hostKey {
                    // Loudly, as this poll's result; later polls skip the node with a note.
                    lock.withLock { node.hostKeyError = error.message }
                    return PollOutcome(result: .failure(error), via: node.name, notes: notes)
                }
                lock.withLock {
                    node.failures += 1
                    node.lastError = error
                    node.nextTry = now + Self.backoff(failures: node.failures)
                }
                notes.append("\(node.name) not answering (\(short))")
            }
        }
        if let (node, status) = noQuorum {
            notes.append("no node with quorum answered; showing \(node.name)'s view")
            return finish(node, status, peers: nil, previous: previous, recovered: false, notes: notes)
        }
        // Every node failed or is waiting: each one's last failure, in the same words each
        // poll, so that the timeline counts one continuing condition.
        let failed = usable.compactMap { n in lock.withLock { n.lastError.map { (n, $0) } } }
        if let (node, error) = failed.first {
            let message = failed.count == 1 ? error.message
                : failed.map { "\($0.0.name): \($0.1.message)" }.joined(separator: " | ")
            return PollOutcome(result: .failure(SourceError(error.kind, message)), via: node.name, notes: notes)
        }
        let refused = candidates.filter { $0.hostKeyError != nil }
        if let first = refused.first {
            return PollOutcome(result: .failure(SourceError(.hostKey, first.hostKeyError ?? "")), via: first.name, notes: notes)
        }
        return PollOutcome(result: .failure(SourceError(.connect, "no node could be tried")),
                           via: previous?.name ?? "", notes: notes)
    }

    /// 1, 2, 4 … 30 s after the 1st, 2nd, 3rd … failure in a row.
    static func backoff(failures: Int) -> Duration {
        .seconds(min(30, 1 << min(max(failures - 1, 0), 5)))
    }

    private func finish(_ node: NodeState, _ status: ClusterStatus, peers: [ClusterPeer]?, previous: NodeState?,
                        recovered: Bool, notes: [String]) -> PollOutcome {
        var notes = notes
        lock.withLock { current = node }
        if let previous, previous !== node {
            notes.append("now reading from \(node.name)")
        } else if recovered {
            notes.append("\(node.name) answering again")
        }
        if let memory, let peers, let cluster = status.clusterName { remember(cluster, peers, in: memory) }
        return PollOutcome(result: .success(status), via: node.name, notes: notes)
    }

    private func attempt(_ node: NodeState) -> Attempt {
        let conn: SSHConnection
        switch reach(node) {
        case .success(let c): conn = c
        case .failure(let error): return .failed(Self.sourceError(error, node: node.name), short: Self.short(error))
        }
        defer { collectNotices(conn) }
        let remote = RemoteCommand(sudo: sudo)
        do {
            let started = ContinuousClock.now
            var r = try conn.exec(remote.statusLine(legacy: node.legacy),
                                  timeout: Self.statusTimeout(commandTimeout, typical: node.typical))
            let took = (ContinuousClock.now - started) / .seconds(1)
            node.typical = node.typical.map { max(took, $0 * 0.8) } ?? took
            if !node.legacy, Self.rejectsOutputAs(r) {
                // Pacemaker < 2.0.3: remember per node, for good.
                node.legacy = true
                r = try conn.exec(remote.statusLine(legacy: true), timeout: commandTimeout)
            }
            if let sig = r.exitSignal {
                return .failed(SourceError(.command, "crm_mon on \(node.name) was killed by signal \(sig)"), short: "crm_mon killed")
            }
            var status: ClusterStatus
            do {
                status = try CrmMonParser.parse(Data(r.stdout))
            } catch {
                return classify(error, r, node)
            }
            let cib = configuration(for: status, conn, remote)
            let known = lock.withLock { Set(nodes.map(\.name)) }
            let view = corosyncView(node.name, conn, remote,
                                    askStack: status.nodes.contains { $0.kind == .member && !known.contains($0.name) })
            status.cliConstraints = cib?.cliConstraints
            status.clusterName = cib?.clusterName ?? view.clusterName
            status.nodeLossDetectionSeconds = view.conf.map { CorosyncConfig.detectionSeconds($0, nodes: status.nodes.count) }
            status.daemons = daemonStates(node.name, conn, remote)
            let found = PeerDiscovery.peers(status, corosync: view.nodes)
            return .ok(status, peers: found.peers, rejected: found.rejected)
        } catch {
            let e = Self.sourceError(error, node: node.name)
            return .failed(e, short: Self.short(error))
        }
    }

    /// The time crm_mon gets on a node: five times what it usually takes there, at least 3 s,
    /// at most the command timeout. When the node being read dies (its link goes silent, no
    /// FIN arrives), the next node is read within seconds instead of after the full timeout.
    static func statusTimeout(_ commandTimeout: Double, typical: Double?) -> Double {
        guard let typical else { return commandTimeout }
        return min(commandTimeout, max(3, 5 * typical))
    }

    /// The node's live connection, or a new one over the first of its routes that connects
    /// (a peer's name first, then its ring addresses). A key unknown under one name may be
    /// known under the next; a changed key ends the search, loudly.
    private func reach(_ node: NodeState) -> Result<SSHConnection, SSHError> {
        if let c = lock.withLock({ node.connection }), c.isConnected { return .success(c) }
        var last = SSHError.closed
        var unknownKey: SSHError?
        for i in node.routes.indices {
            let c = connection(node, route: i)
            defer { collectNotices(c) }
            do {
                try c.connect()
                lock.withLock { node.route = i }
                return .success(c)
            } catch {
                last = error
                if case .hostKeyUnknown = error { unknownKey = unknownKey ?? error; continue }
                if error.isHostKeyError { return .failure(error) }
            }
        }
        // An unknown key is the news, even when a later route merely did not answer.
        return .failure(unknownKey ?? last)
    }

    /// What Corosync says on one node, read once per node: corosync.conf (timeouts, cluster
    /// name, nodelist); where that is unreadable or has no nodelist, the running stack's view
    /// (`corosync-cmapctl`), then Pacemaker's member list (`crm_node -l`: names only, as on
    /// Pacemaker 1.1 with CMAN).
    struct CorosyncView {
        var conf: String?
        var clusterName: String?
        var nodes: [CorosyncNode] = []
        var askedStack = false
    }

    /// `askStack`: whether the fallbacks may run (only when there are members to learn: each
    /// is one more command on the node).
    private func corosyncView(_ node: String, _ conn: SSHConnection, _ remote: RemoteCommand, askStack: Bool) -> CorosyncView {
        func run(_ line: String) -> String? {
            guard let r = try? conn.exec(line, timeout: commandTimeout), r.exitStatus == 0, r.exitSignal == nil else { return nil }
            return r.stdoutString
        }
        var view: CorosyncView
        if let known = lock.withLock({ corosync[node] }) {
            view = known
        } else {
            view = CorosyncView()
            if let text = run(remote.corosyncConfLine) {
                view.conf = text
                view.clusterName = CorosyncConfig.clusterName(text)
                view.nodes = CorosyncConfig.nodelist(text)
            }
        }
        if askStack, view.nodes.isEmpty, !view.askedStack {
            view.askedStack = true
            if let text = run(remote.line(["corosync-cmapctl"])) { view.nodes = CorosyncConfig.cmapNodes(text) }
            if view.nodes.isEmpty, let text = run(remote.line(["crm_node", "-l"])) { view.nodes = CorosyncConfig.crmNodeList(text) }
        }
        lock.withLock { corosync[node] = view }
        return view
    }

    /// Saves the peers of `cluster` when they changed since the last save.
    private func remember(_ cluster: String, _ peers: [ClusterPeer], in memory: PeerMemory) {
        let changed = lock.withLock {
            defer { remembered = (cluster, peers) }
            return remembered?.0 != cluster || remembered?.1 != peers
        }
        if changed { memory.remember(cluster: cluster, seeds: given, peers: peers) }
    }

    /// systemd's view of corosync, pacemaker and pcsd on the node read from, over the same
    /// session, at most once a `daemonInterval`; nodes read from before keep their last answer.
    private func daemonStates(_ node: String, _ conn: SSHConnection, _ remote: RemoteCommand) -> [String: [DaemonState]]? {
        let due = lock.withLock {
            guard let at = daemonsDue[node] else { daemonsDue[node] = .now + Self.daemonFirstDelay; return false }
            return at <= .now
        }
        if due {
            // A failed check is tried again at the next interval, not on every poll.
            lock.withLock { daemonsDue[node] = .now + Self.daemonInterval }
            if let r = try? conn.exec(remote.shellLine(DaemonState.checkScript), timeout: commandTimeout),
               r.exitStatus == 0, r.exitSignal == nil {
                let states = DaemonState.parse(r.stdoutString)
                lock.withLock { daemons[node] = states }
            }
        }
        let known = lock.withLock { daemons }
        return known.isEmpty ? nil : known
    }

    /// Old crm_mon answers `--output-as` with a usage error and no XML.
    static func rejectsOutputAs(_ r: ExecResult) -> Bool {
        guard r.stdout.allSatisfy({ $0 == 10 || $0 == 32 }) else { return false }
        let err = r.stderrString
        return r.exitStatus == 64 || err.contains("output-as") || err.contains("unrecognized option")
    }

    private func classify(_ error: CrmMonError, _ r: ExecResult, _ node: NodeState) -> Attempt {
        let lastErr = r.stderrString.split(separator: "\n").last.map(String.init) ?? ""
        switch error {
        case .crmMonFailed(let code, _, _) where code == 102:
            return .failed(SourceError(.command, "crm_mon on \(node.name) is not connected to the cluster: \(error.description)"),
                           short: "crm_mon not connected")
        case .disconnected:
            return .failed(SourceError(.command, "\(node.name): \(error.description)"), short: "crm_mon not connected")
        case .empty where r.exitStatus != 0:
            let code = r.exitStatus ?? -1
            let what = code == 102 ? "not connected to the cluster" : code == 127 ? "crm_mon not found" : "exit \(code)"
            return .failed(SourceError(.command, "crm_mon on \(node.name) failed (\(what))" + (lastErr.isEmpty ? "" : ": \(lastErr)")),
                           short: "crm_mon \(what)")
        default:
            return .failed(SourceError(.parse, "\(node.name): \(error.description)"), short: "unreadable crm_mon output")
        }
    }

    /// cli-prefer/cli-ban constraints and the cluster name, fetched again only when the CIB changed.
    private func configuration(for status: ClusterStatus, _ conn: SSHConnection, _ remote: RemoteCommand) -> CIBConfiguration? {
        let key = status.summary.lastChange ?? ""
        let cached: CIBConfiguration?? = lock.withLock { constraintsKey == key && !key.isEmpty ? .some(constraints) : .none }
        if let cached { return cached }
        // A failed query (no permission, old cibadmin) is remembered too: nil = not known.
        var parsed: CIBConfiguration?
        if let r = try? conn.exec(remote.constraintsLine, timeout: commandTimeout), r.exitStatus == 0, r.exitSignal == nil {
            parsed = try? CIBConfiguration.parse(Data(r.stdout))
            if parsed != nil, let n = try? conn.exec(remote.clusterNameLine, timeout: commandTimeout),
               n.exitStatus == 0, n.exitSignal == nil {
                parsed?.clusterName = CIBConfiguration.clusterName(fromQuiet: n.stdoutString)
            }
        }
        lock.withLock { constraintsKey = key; constraints = parsed }
        return parsed
    }

    /// Adds the members the cluster names that are not in the list yet. A peer in the address
    /// map is reached as mapped; otherwise by `PeerRoutes`. A peer that is a node already in the
    /// list under another name (the seed, given as an ssh_config alias) is not added twice.
    @discardableResult
    private func learnNodes(_ peers: [ClusterPeer], rejected: [String] = [], notes: inout [String]) -> [NodeState] {
        let (known, keys, fresh) = lock.withLock {
            let fresh = rejected.filter { !self.rejected.contains($0) }
            self.rejected.formUnion(fresh)
            return (Set(nodes.map(\.name)), Set(nodes.flatMap(\.keys)), fresh)
        }
        for r in fresh { notes.append("not connecting to \(r.debugDescription), which the cluster names: not a plain host name or address") }
        var seen = keys
        var added: [NodeState] = []
        for p in peers where !known.contains(p.name) {
            var targets = routes.targets(for: p)
            if let mapped = addressMap[p.name] {
                guard var r = try? resolver(mapped) else { continue }
                r.hostKeys.acceptNew = false
                targets = [r]
            }
            if targets.isEmpty {
                if lock.withLock({ self.rejected.insert("route:" + p.name).inserted }) {
                    notes.append("cannot reach \(p.name) the way \(given[0]) is reached (its ProxyCommand is for that host only): "
                        + "give \(p.name) an entry of its own in ssh_config")
                }
                continue
            }
            let state = NodeState(name: p.name, routes: targets, now: now())
            if !seen.isDisjoint(with: state.keys) { continue }
            seen.formUnion(state.keys)
            added.append(state)
        }
        if !added.isEmpty { lock.withLock { nodes += added } }
        return added
    }

    private func connection(_ node: NodeState, route: Int? = nil) -> SSHConnection {
        lock.withLock {
            let i = route ?? node.route
            if let c = node.connections[i] { return c }
            let r = node.routes[i]
            let c = SSHConnection(target: r.target,
                                  auth: SSHAuthOptions(useAgent: useAgent && r.useAgent, agentSocket: r.agentSocket,
                                                       passphraseProvider: passphrases.provider),
                                  hostKeys: r.hostKeys)
            let name = node.name
            c.onIdleLoss { [weak self] error in self?.sessionLost(node: name, route: i, error) }
            node.connections[i] = c
            return c
        }
    }

    public func whenPollNeeded(_ wakeUp: @escaping @Sendable () -> Void) {
        lock.withLock { self.wakeUp = wakeUp }
    }

    /// The node's session ended between commands (closed or reset by its end; never mere
    /// slowness). When it is the session polls read from, the node has failed: its backoff
    /// starts, so the poll asked for now reads from the next node, and the node is tried again
    /// when the backoff has passed. Runs on the connection's I/O thread: no SSH calls here.
    private func sessionLost(node name: String, route: Int, _ error: SSHError) {
        let wake: (@Sendable () -> Void)? = lock.withLock {
            guard !closed, let node = current, node.name == name, node.route == route else { return nil }
            node.failures += 1
            node.lastError = Self.sourceError(error, node: name)
            node.nextTry = now() + Self.backoff(failures: node.failures)
            var why = error.description
            if case .disconnected(_, let reason) = error { why = reason }
            unannounced.append("ssh to \(name) lost: \(why)")
            return wakeUp
        }
        wake?()
    }

    static func sourceError(_ e: SSHError, node: String) -> SourceError {
        if e.isHostKeyError { return SourceError(.hostKey, e.description) }
        if case .timeout = e { return SourceError(.timeout, e.description) }
        if case .outputTooLarge = e { return SourceError(.command, e.description) }
        return SourceError(.connect, e.description)
    }

    static func short(_ e: SSHError) -> String {
        switch e {
        case .connectRefused: "connect refused"
        case .connectTimeout: "connect timed out"
        case .resolveFailed: "name does not resolve"
        case .timeout(_, let phase, _): "timed out: \(phase)"
        case .disconnected: "connection lost"
        case .authFailed, .rsaKeyUnsupported, .passphraseNeeded, .passphraseWrong, .keyFileTooOpen: "login refused"
        case .outputTooLarge: "output too large"
        default: "ssh failed"
        }
    }

    // MARK: Actions

    public var remote: RemoteCommand { RemoteCommand(sudo: sudo) }

    /// Runs exactly the prepared line on the node it names, on the same session as the polls,
    /// one at a time — or refuses, sending nothing, when that node is no longer the one polls
    /// read from (it failed over since the pane was shown). A restart may take minutes, so
    /// the deadline is long.
    public func perform(_ command: PreparedAction) -> ActionOutcome {
        performLock.lock(); defer { performLock.unlock() }
        let started = Date()
        let node = lock.withLock { current }
        if let reason = command.refusal(remote: remote, currentNode: node?.name) {
            return .notSent(command, via: node?.name ?? command.node, because: reason, at: started)
        }
        guard let node else { return .notSent(command, via: command.node, because: "no node", at: started) }
        let timeout = Double(2 * ClusterAction.restartTimeoutSeconds + 30)
        do {
            let r = try connection(node).exec(command.commandLine, timeout: timeout)
            return ActionOutcome(action: command.action, commandLine: command.commandLine, via: node.name,
                                 exitCode: r.exitStatus, signal: r.exitSignal, stdout: r.stdoutString,
                                 stderr: r.stderrString, started: started, finished: Date())
        } catch {
            return ActionOutcome(action: command.action, commandLine: command.commandLine, via: node.name,
                                 exitCode: nil, error: error.description, sent: error.commandMayHaveStarted,
                                 started: started, finished: Date())
        }
    }

    /// A what-if from the node polls read from: its CIB (read-only), changed in memory, run
    /// through crm_simulate as the login user (or sudo, as every command). For a move, also
    /// whether clearing the constraint afterwards would move the chain again.
    public func preview(_ command: PreparedAction) -> PreviewOutcome {
        guard let node = lock.withLock({ closed ? nil : current }) else {
            return .failed("no node is answering")
        }
        let conn = connection(node), remote = remote, timeout = commandTimeout
        func run(_ line: String, stdin: Data? = nil) throws -> ExecResult {
            try stdin.map { try conn.exec(line, stdin: [UInt8]($0), timeout: timeout) } ?? conn.exec(line, timeout: timeout)
        }
        func simulate(_ cib: Data) throws -> [PlannedChange] {
            let r = try run(remote.line(WhatIf.simulateArgv), stdin: cib)
            return try WhatIf.changes(stdout: r.stdoutString, stderr: r.stderrString, exitCode: r.exitStatus)
        }
        do {
            let query = try run(remote.line(WhatIf.queryArgv))
            guard query.exitStatus == 0 else {
                let why = query.stderrString.split(separator: "\n").last.map(String.init) ?? "exit \(query.exitStatus ?? -1)"
                return .failed("cibadmin --query failed on \(node.name): \(why)")
            }
            let cib = try WhatIf.edit(Data(query.stdout), for: command.action)
            var preview = Preview(changes: try simulate(cib), via: node.name)
            if case .move(let r, _) = command.action {
                do {
                    let after = try run(remote.shellLine(WhatIf.simulateResultScript), stdin: cib)
                    guard after.exitStatus == 0 else { throw WhatIfError.simulation("crm_simulate could not save its result") }
                    preview.afterRelease = try simulate(try WhatIf.edit(Data(after.stdout), for: .clear(resource: r, node: nil)))
                } catch {
                    preview.releaseProblem = "\(error)"
                }
            }
            return .ready(preview)
        } catch {
            return .failed("\(error)")
        }
    }

    public func close() {
        let all = lock.withLock { closed = true; return nodes }
        for n in all { n.connections.values.forEach { $0.close() } }
    }
}

/// One passphrase per key file for all nodes: the same key usually opens every node, and a
/// failover must not prompt on a terminal the dashboard is drawing on.
final class PassphraseCache: @unchecked Sendable {
    private let lock = Lock()
    private var known: [String: String] = [:]
    private var prompting = true
    private let inner: PassphraseProvider?

    init(_ inner: PassphraseProvider?) { self.inner = inner }

    func stopPrompting() { lock.withLock { prompting = false } }

    var provider: PassphraseProvider? {
        guard let inner else { return nil }
        return { [self] path, attempt in
            if attempt == 1, let p = lock.withLock({ known[path] }) { return p }
            guard lock.withLock({ prompting }) else { return nil }
            let p = inner(path, attempt)
            lock.withLock { known[path] = p }
            return p
        }
    }
}
