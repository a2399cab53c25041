import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopSSH

/// A cluster member pacetop may read from when the nodes it was given stop answering: its
/// name as the cluster knows it and the addresses Corosync uses for it (ring0 first).
public struct ClusterPeer: Sendable, Equatable, Codable {
    public var name: String
    public var addresses: [String]

    public init(name: String, addresses: [String] = []) {
        self.name = name
        self.addresses = addresses
    }
}

enum PeerDiscovery {
    /// The members crm_mon lists (`type="member"`: never remote or guest nodes, never names
    /// only Corosync knows) with their Corosync addresses. Node names come from the CIB, which
    /// anyone with write access to it controls: a name that is not a plain host name is
    /// rejected whole (never split at `@`), as is an address that is not a host or IP.
    static func peers(_ status: ClusterStatus, corosync: [CorosyncNode]) -> (peers: [ClusterPeer], rejected: [String]) {
        var peers: [ClusterPeer] = []
        var rejected: [String] = []
        for node in status.nodes where node.kind == .member {
            guard (try? Validate.node(node.name)) != nil else {
                rejected.append(node.name)
                continue
            }
            var addresses: [String] = []
            for entry in corosync where entry.isNode(node.name, id: node.id) {
                for a in entry.addresses where !addresses.contains(a) {
                    if (try? Validate.address(a)) != nil { addresses.append(a) } else { rejected.append(a) }
                }
            }
            peers.append(ClusterPeer(name: node.name, addresses: addresses))
        }
        return (peers, rejected)
    }
}

/// How to reach a peer learned from the cluster. ssh_config decides where it has an entry of
/// its own for the name (or address); otherwise the peer is reached the way the seed node
/// (the first node given) is: same user, port, keys, jump hosts and known_hosts files, only
/// the host differs. Host keys are checked for the host actually connected to, and an
/// unknown one is never accepted, whatever --accept-new says.
struct PeerRoutes: Sendable {
    let resolver: SSHClusterSource.Resolver
    let seed: ResolvedTarget
    /// What ssh_config gives a name it has no entry for (nil: the resolver refuses such names).
    private let probe: ResolvedTarget?
    static let probeName = "pacetop-no-such-host.invalid"

    init(resolver: @escaping SSHClusterSource.Resolver, seed: ResolvedTarget) {
        self.resolver = resolver
        self.seed = seed
        probe = try? resolver(Self.probeName)
    }

    /// The targets to try for `peer`, in order: its name, then each of its addresses. Empty
    /// when none can be built (see `inherited`).
    func targets(for peer: ClusterPeer) -> [ResolvedTarget] {
        var hosts = [peer.name]
        for a in peer.addresses where !hosts.contains(a) { hosts.append(a) }
        return hosts.compactMap { host in
            guard var t = ownEntry(host) ?? inherited(host) else { return nil }
            t.hostKeys.acceptNew = false
            return t
        }
    }

    /// The seed's settings for another host. The seed's HostKeyAlias names the seed's key, so
    /// it is dropped: a peer's key is checked under its own host. A seed reached through a
    /// ProxyCommand cannot lend it (it was expanded for the seed's host and port): such a peer
    /// is reached only where ssh_config gives the host a ProxyCommand of its own (`Host *`).
    func inherited(_ host: String) -> ResolvedTarget? {
        if seed.target.endpoint.proxyCommand != nil {
            guard let r = try? resolver(host), r.target.endpoint.proxyCommand != nil else { return nil }
            return r
        }
        var t = seed
        t.target.endpoint.name = host
        t.target.endpoint.host = host
        t.target.endpoint.hostKeyAlias = nil
        t.warnings = []
        return t
    }

    /// ssh_config's own resolution of `host`, when it says anything about `host` that it does
    /// not say about every host (compared with a name nothing matches, so the check works
    /// whoever reads ssh_config).
    func ownEntry(_ host: String) -> ResolvedTarget? {
        guard let r = try? resolver(host) else { return nil }
        guard let probe else { return r }
        func shape(_ t: ResolvedTarget, _ name: String) -> [String] {
            let e = t.target.endpoint
            return [e.host == name ? "%h" : e.host, e.user, String(e.port), String(e.identitiesOnly),
                    t.target.jumps.map { "\($0.user)@\($0.host):\($0.port)" }.joined(separator: ","),
                    String(t.target.connectTimeout), e.hostKeyAlias ?? "",
                    (e.proxyCommand ?? "").replacing(name, with: "%h")]
                + e.identityFiles.map { $0.replacing(name, with: "%h") }
                + t.hostKeys.files
        }
        return shape(r, host) == shape(probe, Self.probeName) ? nil : r
    }
}

/// Peers remembered per cluster, so that a pacetop started after node 1 died still finds the
/// others: `$XDG_STATE_HOME/pacetop/peers.json` (default `~/.local/state/pacetop/`), mode 0600,
/// keyed by cluster name; each cluster also lists the names it was reached through (seeds).
public struct PeerMemory: Sendable {
    public let path: String

    struct Cluster: Codable, Equatable {
        var seeds: [String]
        var peers: [ClusterPeer]
    }

    struct File: Codable {
        var clusters: [String: Cluster] = [:]
    }

    public init(path: String) { self.path = path }

    /// The default file for `environment`.
    public static func standard(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> PeerMemory {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? homeDirectory()) + "/.local/state"
        return PeerMemory(path: base + "/pacetop/peers.json")
    }

    func read() -> File {
        guard let data = FileManager.default.contents(atPath: path),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return File() }
        return file
    }

    /// The remembered peers of the cluster reached through any of `seeds`, checked as
    /// learned ones are (the file is the user's, but names in it came from a CIB).
    func peers(reachedThrough seeds: [String]) -> [ClusterPeer] {
        let peers = read().clusters.values.first { c in c.seeds.contains { seeds.contains($0) } }?.peers ?? []
        return peers.compactMap { p in
            guard (try? Validate.node(p.name)) != nil else { return nil }
            return ClusterPeer(name: p.name, addresses: p.addresses.filter { (try? Validate.address($0)) != nil })
        }
    }

    /// Records `peers` for `cluster`, and `seeds` among the names it is reached through.
    /// Writes only when something changed (atomically, 0600); failures are not fatal.
    func remember(cluster: String, seeds: [String], peers: [ClusterPeer]) {
        var file = read()
        var entry = file.clusters[cluster] ?? Cluster(seeds: [], peers: [])
        let before = entry
        for s in seeds where !entry.seeds.contains(s) { entry.seeds.append(s) }
        entry.peers = peers
        guard entry != before else { return }
        // A seed belongs to one cluster: the newest one it reached.
        for (name, var other) in file.clusters where name != cluster {
            other.seeds.removeAll { seeds.contains($0) }
            file.clusters[name] = other
        }
        file.clusters[cluster] = entry
        let dir = parentDirectory(of: path)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(file) else { return }
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let ok = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
        fchmod(fd, 0o600)
        close(fd)
        if !ok || rename(tmp, path) != 0 { unlink(tmp) }
    }
}
