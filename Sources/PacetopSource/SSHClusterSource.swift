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
    public var userKnownHostsFiles: [String]?  // -o UserKnownHostsFile=...
    public var acceptNew: Bool             // --accept-new
    public var sudo: Bool                  // --sudo
    public var interval: Double            // --interval, seconds (min 0.5)
    public var connectTimeout: Double?     // --connect-timeout; nil: ssh_config or 10 s
    /// Node name (as crm_mon reports it) → host to connect to, for nodes learned from crm_mon.
    public var addressMap: [String: String]
    public var useAgent: Bool
    /// Asked for key passphrases; the default reads /dev/tty (nothing when there is none).
    public var passphraseProvider: PassphraseProvider?

    public init(nodes: [String], user: String? = nil, port: Int? = nil, identityFiles: [String] = [],
                jump: String? = nil, sshConfigFile: String? = nil, userKnownHostsFiles: [String]? = nil,
                acceptNew: Bool = false, sudo: Bool = false, interval: Double = 2, connectTimeout: Double? = nil,
                addressMap: [String: String] = [:], useAgent: Bool = true,
                passphraseProvider: PassphraseProvider? = SSHAuthOptions.terminalPassphraseProvider) {
        self.nodes = nodes
        self.user = user
        self.port = port
        self.identityFiles = identityFiles
        self.jump = jump
        self.sshConfigFile = sshConfigFile
        self.userKnownHostsFiles = userKnownHostsFiles
        self.acceptNew = acceptNew
        self.sudo = sudo
        self.interval = interval
        self.connectTimeout = connectTimeout
        self.addressMap = addressMap
        self.useAgent = useAgent
        self.passphraseProvider = passphraseProvider
    }
}

/// Cluster status over SSH, from one node at a time, failing over between the cluster's nodes.
///
/// Rule: each poll reads from the first node in the list (given nodes first, then nodes learned
/// from crm_mon) that answers with a quorate view. A node that fails is skipped until its
/// backoff (1 s doubling to 60 s) expires, then tried again, so node 1 is preferred again as
/// soon as it answers. A node without quorum is shown only when no other node has quorum.
/// Host-key refusals are never skipped quietly: that poll fails with `.hostKey`, the node is
/// not used again, and every later outcome carries a note about it.
public final class SSHClusterSource: ClusterSource, @unchecked Sendable {
    public typealias Resolver = @Sendable (String) throws(SSHError) -> ResolvedTarget

    final class NodeState {
        let name: String
        let resolved: ResolvedTarget
        var connection: SSHConnection?
        var legacy = false
        var failures = 0
        var nextTry = ContinuousClock.now
        var hostKeyError: String?
        init(name: String, resolved: ResolvedTarget) {
            self.name = name
            self.resolved = resolved
        }
        var key: String { "\(resolved.target.endpoint.host):\(resolved.target.endpoint.port)" }
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

    private let lock = Lock()
    private let performLock = Lock()
    private var nodes: [NodeState] = []
    private var current: NodeState?
    private var constraintsKey: String?
    private var constraints: CIBConfiguration?
    /// corosync.conf per node name; nil inside when it could not be read.
    private var corosyncConf: [String: String?] = [:]
    private var closed = false

    /// `nodes` must be non-empty; `resolver` maps a node name (typed or learned) to a target.
    public init(nodes: [String], resolver: @escaping Resolver, interval: Double = 2, sudo: Bool = false,
                addressMap: [String: String] = [:], useAgent: Bool = true,
                passphraseProvider: PassphraseProvider? = nil, commandTimeout: Double? = nil,
                warnings: [String] = []) throws(SSHError) {
        self.resolver = resolver
        self.interval = interval
        self.sudo = sudo
        self.addressMap = addressMap
        self.useAgent = useAgent
        self.passphrases = PassphraseCache(passphraseProvider)
        // crm_mon on a 2,000-resource cluster takes ~7 s; a dashboard must still notice a
        // frozen node within a few intervals.
        self.commandTimeout = commandTimeout ?? max(10, interval * 3)
        var w = warnings
        for n in nodes {
            let r = try resolver(addressMap[n] ?? n)
            w += r.warnings
            if !self.nodes.contains(where: { $0.name == n }) { self.nodes.append(NodeState(name: n, resolved: r)) }
        }
        var unique: [String] = []
        for x in w where !unique.contains(x) { unique.append(x) }
        self.warnings = unique
    }

    /// Builds the source from command-line options, reading ssh_config (or `-F FILE`).
    public static func make(_ o: SSHSourceOptions) throws(SourceError) -> SSHClusterSource {
        guard !o.nodes.isEmpty else { throw SourceError(.connect, "no cluster node given: pacetop [options] NODE [NODE...]") }
        guard o.interval >= 0.5 else { throw SourceError(.connect, "--interval must be at least 0.5 s (got \(o.interval))") }
        if let p = o.port, !(1...65535).contains(p) { throw SourceError(.connect, "--port must be 1-65535 (got \(p))") }
        if let t = o.connectTimeout, t <= 0 { throw SourceError(.connect, "--connect-timeout must be positive") }
        let config: SSHConfig
        do { config = try SSHConfig.load(path: o.sshConfigFile) } catch { throw SourceError(.connect, error.description) }
        let overrides = SSHOverrides(user: o.user, port: o.port, identityFiles: o.identityFiles, jump: o.jump,
                                     userKnownHostsFiles: o.userKnownHostsFiles, acceptNew: o.acceptNew,
                                     connectTimeout: o.connectTimeout)
        do {
            return try SSHClusterSource(nodes: o.nodes, resolver: { (h: String) throws(SSHError) -> ResolvedTarget in
                try config.resolve(h, overrides)
            }, interval: o.interval, sudo: o.sudo, addressMap: o.addressMap, useAgent: o.useAgent,
               passphraseProvider: o.passphraseProvider, warnings: config.warnings)
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

    /// The nodes tried, in order (given, then learned from crm_mon).
    public var nodeNames: [String] {
        lock.lock(); defer { lock.unlock() }
        return nodes.map(\.name)
    }

    /// Connects to the first node now, so passphrase prompts happen before the screen starts.
    public func connectFirst() throws(SourceError) {
        let n = lock.withLock { nodes[0] }
        do { try connection(n).connect() } catch { throw Self.sourceError(error, node: n.name) }
    }

    /// Call once the full-screen UI owns the terminal: no more passphrase prompts (a node
    /// reached later reuses passphrases already typed, or fails with a clear message).
    public func stopPrompting() {
        passphrases.stopPrompting()
    }

    // MARK: Polling

    enum Attempt {
        case ok(ClusterStatus)
        case failed(SourceError, short: String)
    }

    public func poll() -> PollOutcome {
        let (candidates, previous, isClosed) = lock.withLock { (nodes, current, closed) }
        if isClosed { return PollOutcome(result: .failure(SourceError(.connect, "the source is closed")), via: "") }
        var notes: [String] = []
        var noQuorum: (NodeState, ClusterStatus)?
        var errors: [(NodeState, SourceError)] = []
        let now = ContinuousClock.now
        for node in candidates where node.hostKeyError != nil {
            notes.append("\(node.name) is not used: \(node.hostKeyError ?? "")")
        }
        let usable = candidates.filter { $0.hostKeyError == nil }
        var eligible = usable.filter { $0.nextTry <= now || $0 === previous }
        // Everyone is backing off: try the one due soonest rather than nobody.
        if eligible.isEmpty, let soonest = usable.min(by: { $0.nextTry < $1.nextTry }) { eligible = [soonest] }
        var i = 0
        while i < eligible.count {
            let node = eligible[i]
            i += 1
            switch attempt(node) {
            case .ok(let status):
                lock.withLock { node.failures = 0; node.nextTry = .now }
                // Members learned now are tried in this same poll (a partitioned node 1
                // must not hide the quorate side even on the first poll).
                eligible += learnNodes(from: status)
                if status.summary.quorum == false {
                    if noQuorum == nil { noQuorum = (node, status) }
                    notes.append("\(node.name) has no quorum; looking for a node that has")
                    continue
                }
                return finish(node, status, previous: previous, notes: notes)
            case .failed(let error, let short):
                if error.kind == .hostKey {
                    // Loudly, as this poll's result; later polls skip the node with a note.
                    lock.withLock { node.hostKeyError = error.message }
                    return PollOutcome(result: .failure(error), via: node.name, notes: notes)
                }
                lock.withLock {
                    node.failures += 1
                    node.nextTry = .now + .seconds(min(60, pow(2, Double(node.failures - 1))))
                }
                notes.append("\(node.name) not answering (\(short))")
                errors.append((node, error))
            }
        }
        if let (node, status) = noQuorum {
            notes.append("no node with quorum answered; showing \(node.name)'s view")
            return finish(node, status, previous: previous, notes: notes)
        }
        if let (node, error) = errors.first {
            // Every node failed: say what went wrong on each, first node's kind.
            let message = errors.count == 1 ? error.message
                : errors.map { "\($0.0.name): \($0.1.message)" }.joined(separator: " | ")
            return PollOutcome(result: .failure(SourceError(error.kind, message)), via: node.name, notes: notes)
        }
        let refused = candidates.filter { $0.hostKeyError != nil }
        if let first = refused.first, refused.count == candidates.count {
            return PollOutcome(result: .failure(SourceError(.hostKey, first.hostKeyError ?? "")), via: first.name, notes: notes)
        }
        return PollOutcome(result: .failure(SourceError(.connect, "no node could be tried (all are waiting to retry)")),
                           via: previous?.name ?? "", notes: notes)
    }

    private func finish(_ node: NodeState, _ status: ClusterStatus, previous: NodeState?, notes: [String]) -> PollOutcome {
        var notes = notes
        lock.withLock { current = node }
        if let previous, previous !== node {
            notes.append("now reading from \(node.name)")
        }
        return PollOutcome(result: .success(status), via: node.name, notes: notes)
    }

    private func attempt(_ node: NodeState) -> Attempt {
        let conn = connection(node)
        let remote = RemoteCommand(sudo: sudo)
        let timeout = commandTimeout + (conn.isConnected ? 0 : node.resolved.target.connectTimeout * Double(node.resolved.target.jumps.count + 1))
        do {
            var r = try conn.exec(remote.statusLine(legacy: node.legacy), timeout: timeout)
            if !node.legacy, Self.rejectsOutputAs(r) {
                // Pacemaker < 2.0.3: remember per node, for good.
                node.legacy = true
                r = try conn.exec(remote.statusLine(legacy: true), timeout: timeout)
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
            status.cliConstraints = cib?.cliConstraints
            status.clusterName = cib?.clusterName
            status.nodeLossDetectionSeconds = detectionSeconds(node.name, nodes: status.nodes.count, conn, remote)
            return .ok(status)
        } catch {
            let e = Self.sourceError(error, node: node.name)
            return .failed(e, short: Self.short(error))
        }
    }

    /// Corosync's token + consensus, read once per node (a failed read is remembered too).
    private func detectionSeconds(_ node: String, nodes: Int, _ conn: SSHConnection, _ remote: RemoteCommand) -> Double? {
        if let known = lock.withLock({ corosyncConf[node] }) {
            return known.map { CorosyncConfig.detectionSeconds($0, nodes: nodes) }
        }
        var text: String?
        if let r = try? conn.exec(remote.corosyncConfLine, timeout: commandTimeout), r.exitStatus == 0, r.exitSignal == nil {
            text = r.stdoutString
        }
        lock.withLock { corosyncConf[node] = .some(text) }
        return text.map { CorosyncConfig.detectionSeconds($0, nodes: nodes) }
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
        if let r = try? conn.exec(remote.configurationLine, timeout: commandTimeout), r.exitStatus == 0, r.exitSignal == nil {
            parsed = try? CIBConfiguration.parse(Data(r.stdout))
        }
        lock.withLock { constraintsKey = key; constraints = parsed }
        return parsed
    }

    /// Adds crm_mon's cluster members that are not in the list yet (mapped through the
    /// address map; the name itself is the host otherwise).
    @discardableResult
    private func learnNodes(from status: ClusterStatus) -> [NodeState] {
        let known = lock.withLock { (Set(nodes.map(\.name)), Set(nodes.map(\.key))) }
        var added: [NodeState] = []
        for n in status.nodes where n.kind == .member && !known.0.contains(n.name) {
            guard let r = try? resolver(addressMap[n.name] ?? n.name) else { continue }
            let state = NodeState(name: n.name, resolved: r)
            if known.1.contains(state.key) { continue }
            added.append(state)
        }
        if !added.isEmpty { lock.withLock { nodes += added } }
        return added
    }

    private func connection(_ node: NodeState) -> SSHConnection {
        lock.withLock {
            if let c = node.connection { return c }
            let r = node.resolved
            let c = SSHConnection(target: r.target,
                                  auth: SSHAuthOptions(useAgent: useAgent && r.useAgent, agentSocket: r.agentSocket,
                                                       passphraseProvider: passphrases.provider),
                                  hostKeys: r.hostKeys)
            node.connection = c
            return c
        }
    }

    static func sourceError(_ e: SSHError, node: String) -> SourceError {
        if e.isHostKeyError { return SourceError(.hostKey, e.description) }
        if case .timeout = e { return SourceError(.timeout, e.description) }
        return SourceError(.connect, e.description)
    }

    static func short(_ e: SSHError) -> String {
        switch e {
        case .connectRefused: "connect refused"
        case .connectTimeout: "connect timed out"
        case .resolveFailed: "name does not resolve"
        case .timeout(_, let phase, _): "timed out: \(phase)"
        case .disconnected: "connection lost"
        case .authFailed, .rsaKeyUnsupported, .passphraseNeeded, .passphraseWrong: "login refused"
        default: "ssh failed"
        }
    }

    // MARK: Actions

    public func commandLine(for action: ClusterAction) throws(ActionError) -> String {
        RemoteCommand(sudo: sudo).line(try action.argv())
    }

    /// Runs on the node the last poll read from, on the same session, one at a time. A
    /// restart may take minutes, so the deadline is long.
    public func perform(_ action: ClusterAction) -> ActionOutcome {
        performLock.lock(); defer { performLock.unlock() }
        let started = Date()
        let node = lock.withLock { current ?? nodes[0] }
        let line: String
        do { line = try commandLine(for: action) } catch {
            return ActionOutcome(action: action, commandLine: "", via: node.name, exitCode: nil,
                                 error: error.description, started: started, finished: Date())
        }
        let timeout = Double(2 * ClusterAction.restartTimeoutSeconds + 30)
        do {
            let r = try connection(node).exec(line, timeout: timeout)
            return ActionOutcome(action: action, commandLine: line, via: node.name, exitCode: r.exitStatus,
                                 signal: r.exitSignal, stdout: r.stdoutString, stderr: r.stderrString,
                                 started: started, finished: Date())
        } catch {
            return ActionOutcome(action: action, commandLine: line, via: node.name, exitCode: nil,
                                 error: error.description, started: started, finished: Date())
        }
    }

    public func close() {
        let all = lock.withLock { closed = true; return nodes }
        for n in all { n.connection?.close() }
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
