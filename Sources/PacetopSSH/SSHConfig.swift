import FoundationEssentials
import Glibc
import PacetopBase

/// The subset of ssh_config(5) that decides where and how `ssh NODE` connects, so that
/// `pacetop node1` works whenever `ssh node1` does. What it cannot honour (Include, Match,
/// ProxyCommand, ...) is reported in `warnings` with file:line, never silently misread.
public struct SSHConfig: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var keyword: String
        var args: [String]
        var file: String
        var line: Int
    }

    struct Block: Sendable, Equatable {
        /// nil: settings before the first Host line, which apply to every host.
        var patterns: [String]?
        /// A Match block: its settings are skipped (reported once).
        var isMatch = false
        var entries: [Entry] = []
    }

    var blocks: [Block] = []
    /// Problems found while reading the file(s): unsupported Include/Match, bad lines.
    public private(set) var warnings: [String] = []

    public init() {}

    /// `path` nil = `~/.ssh/config`; a missing default file is an empty config, a missing
    /// explicit one (`-F`) is an error.
    public static func load(path: String? = nil) throws(SSHError) -> SSHConfig {
        let file = path.map(SSHPaths.expandTilde) ?? SSHPaths.home + "/.ssh/config"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            if path == nil { return SSHConfig() }
            throw .configError(file: file, reason: "cannot read the file")
        }
        return parse(text, file: file)
    }

    public static func parse(_ text: String, file: String = "ssh_config") -> SSHConfig {
        var config = SSHConfig()
        var current = Block(patterns: nil)
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let (keyword, args) = splitLine(line) else {
                config.warnings.append("\(file):\(number): cannot parse \(line.debugDescription); ignored")
                continue
            }
            switch keyword {
            case "host":
                config.blocks.append(current)
                current = Block(patterns: args)
            case "match":
                config.blocks.append(current)
                current = Block(patterns: [], isMatch: true)
                config.warnings.append("\(file):\(number): Match is not supported by pacetop; the settings under it (up to the next Host) were ignored")
            case "include":
                config.warnings.append("\(file):\(number): Include is not supported by pacetop; \(args.joined(separator: " ")) was not read")
            default:
                current.entries.append(Entry(keyword: keyword, args: args, file: file, line: number))
            }
        }
        config.blocks.append(current)
        return config
    }

    /// "Keyword value", "Keyword=value", values optionally in double quotes.
    static func splitLine(_ line: String) -> (String, [String])? {
        guard let sep = line.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) else { return nil }
        let keyword = line[..<sep].lowercased()
        var rest = line[sep...].trimmingWhitespace()
        if rest.hasPrefix("=") { rest = String(rest.dropFirst()).trimmingWhitespace() }
        var args: [String] = []
        var cur = ""
        var quoted = false
        var started = false
        for ch in rest {
            if ch == "\"" { quoted.toggle(); started = true; continue }
            if !quoted && (ch == " " || ch == "\t") {
                if started { args.append(cur); cur = ""; started = false }
                continue
            }
            cur.append(ch)
            started = true
        }
        if started { args.append(cur) }
        guard !keyword.isEmpty, !args.isEmpty, !quoted else { return nil }
        return (keyword, args)
    }

    /// ssh_config pattern lists: any positive match and no `!negated` match.
    static func matches(_ host: String, patterns: [String]) -> Bool {
        let h = host.lowercased()
        var positive = false
        for p in patterns {
            let lp = p.lowercased()
            if lp.hasPrefix("!") {
                if glob(String(lp.dropFirst()), h) { return false }
            } else if glob(lp, h) {
                positive = true
            }
        }
        return positive
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) { pi += 1; ti += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// The settings for `host` (what the user typed): first value wins per keyword, except
    /// IdentityFile and UserKnownHostsFile-like lists that accumulate as in OpenSSH.
    public func settings(for host: String) -> SSHHostSettings {
        var s = SSHHostSettings(alias: host)
        var seen = Set<String>()
        for block in blocks where !block.isMatch {
            if let pats = block.patterns, !Self.matches(host, patterns: pats) { continue }
            for e in block.entries {
                let v = e.args[0]
                let at = "\(e.file):\(e.line)"
                if e.keyword == "identityfile" {
                    s.identityFiles.append(v)
                    continue
                }
                if seen.contains(e.keyword) { continue }
                seen.insert(e.keyword)
                switch e.keyword {
                case "hostname": s.hostName = v
                case "user": s.user = v
                case "port":
                    if let p = Int(v), (1...65535).contains(p) { s.port = p }
                    else { s.warnings.append("\(at): bad Port \(v.debugDescription); ignored") }
                case "proxyjump": s.proxyJump = v.lowercased() == "none" ? [] : v.split(separator: ",").map(String.init)
                case "connecttimeout":
                    if let t = Double(v), t > 0 { s.connectTimeout = t }
                case "serveraliveinterval": s.serverAliveInterval = Double(v)
                case "serveralivecountmax": s.serverAliveCountMax = Int(v)
                case "userknownhostsfile": s.userKnownHostsFiles = v.lowercased() == "none" ? [] : e.args
                case "stricthostkeychecking":
                    switch v.lowercased() {
                    case "accept-new": s.acceptNew = true
                    case "no", "off":
                        s.warnings.append("\(at): StrictHostKeyChecking \(v) is not honoured: pacetop always checks host keys (use --accept-new for new hosts)")
                    default: break
                    }
                case "identitiesonly": s.identitiesOnly = ["yes", "true"].contains(v.lowercased())
                case "identityagent": s.identityAgent = v
                case "proxycommand":
                    if v.lowercased() != "none" {
                        s.warnings.append("\(at): ProxyCommand is not supported by pacetop; ignored (use ProxyJump)")
                    }
                case "hostkeyalias", "certificatefile", "canonicalizehostname", "addressfamily", "bindaddress":
                    s.warnings.append("\(at): \(e.keyword) is not supported by pacetop; ignored")
                default: break
                }
            }
        }
        return s
    }
}

/// What ssh_config says about one host, before command-line options are applied.
public struct SSHHostSettings: Sendable, Equatable {
    public var alias: String
    public var hostName: String?
    public var user: String?
    public var port: Int?
    public var identityFiles: [String] = []
    public var identitiesOnly = false
    /// nil: not set; []: `none`.
    public var proxyJump: [String]?
    public var connectTimeout: Double?
    public var serverAliveInterval: Double?
    public var serverAliveCountMax: Int?
    public var userKnownHostsFiles: [String]?
    public var acceptNew = false
    public var identityAgent: String?
    public var warnings: [String] = []

    public init(alias: String) { self.alias = alias }
}

/// Command-line options that override ssh_config (as `ssh -l -p -i -J -o` do).
public struct SSHOverrides: Sendable, Equatable {
    public var user: String?
    public var port: Int?
    public var identityFiles: [String]
    /// `-J`: "[user@]host[:port]", comma-separated chain, or "none".
    public var jump: String?
    public var userKnownHostsFiles: [String]?
    public var acceptNew: Bool
    public var connectTimeout: Double?
    public var serverAliveInterval: Double?

    public init(user: String? = nil, port: Int? = nil, identityFiles: [String] = [], jump: String? = nil,
                userKnownHostsFiles: [String]? = nil, acceptNew: Bool = false, connectTimeout: Double? = nil,
                serverAliveInterval: Double? = nil) {
        self.user = user
        self.port = port
        self.identityFiles = identityFiles
        self.jump = jump
        self.userKnownHostsFiles = userKnownHostsFiles
        self.acceptNew = acceptNew
        self.connectTimeout = connectTimeout
        self.serverAliveInterval = serverAliveInterval
    }
}

/// Everything needed to open an `SSHConnection` to one host.
public struct ResolvedTarget: Sendable {
    public var target: SSHTarget
    public var hostKeys: HostKeyPolicy
    public var agentSocket: String?
    public var useAgent: Bool
    public var warnings: [String]

    public init(target: SSHTarget, hostKeys: HostKeyPolicy, agentSocket: String? = nil, useAgent: Bool = true,
                warnings: [String] = []) {
        self.target = target
        self.hostKeys = hostKeys
        self.agentSocket = agentSocket
        self.useAgent = useAgent
        self.warnings = warnings
    }
}

extension SSHConfig {
    /// Applies ssh_config and the command line to `host` the way `ssh` would.
    public func resolve(_ host: String, _ o: SSHOverrides = SSHOverrides()) throws(SSHError) -> ResolvedTarget {
        let (endpoint, s) = try self.endpoint(for: host, o, spec: nil)
        var warnings = s.warnings
        var jumps: [SSHEndpoint] = []
        let chain: [String]
        if let j = o.jump {
            chain = j.lowercased() == "none" ? [] : j.split(separator: ",").map(String.init)
        } else {
            chain = s.proxyJump ?? []
        }
        for spec in chain {
            // Each hop is itself looked up in ssh_config (its own ProxyJump is not followed).
            let (hop, hs) = try self.endpoint(for: nil, o, spec: spec)
            warnings += hs.warnings
            jumps.append(hop)
        }
        let files = (o.userKnownHostsFiles ?? s.userKnownHostsFiles ?? [HostKeyPolicy.defaultFile])
            .map(SSHPaths.expandTilde)
        let target = SSHTarget(endpoint: endpoint, jumps: jumps,
                               connectTimeout: o.connectTimeout ?? s.connectTimeout ?? 10,
                               serverAliveInterval: o.serverAliveInterval ?? s.serverAliveInterval ?? 5,
                               serverAliveCountMax: s.serverAliveCountMax ?? 3)
        let agent = s.identityAgent.map { expand($0, alias: host, host: endpoint.host, user: endpoint.user) }
        return ResolvedTarget(target: target,
                              hostKeys: HostKeyPolicy(files: files.isEmpty ? [HostKeyPolicy.defaultFile] : files,
                                                      acceptNew: o.acceptNew || s.acceptNew),
                              agentSocket: agent == "SSH_AUTH_SOCK" ? nil : agent,
                              useAgent: agent?.lowercased() != "none",
                              warnings: warnings)
    }

    /// `spec` is a jump spec "[user@]host[:port]"; otherwise `alias` is a plain host name.
    private func endpoint(for alias: String?, _ o: SSHOverrides, spec: String?) throws(SSHError) -> (SSHEndpoint, SSHHostSettings) {
        var name = alias ?? ""
        var specUser: String?
        var specPort: Int?
        var typedUser: String?
        // `pacetop ubuntu@node1`, as with ssh: -l still wins.
        if spec == nil, let at = name.lastIndex(of: "@") {
            typedUser = String(name[..<at])
            name = String(name[name.index(after: at)...])
        }
        if let spec {
            var rest = Substring(spec)
            if let at = rest.lastIndex(of: "@") { specUser = String(rest[..<at]); rest = rest[rest.index(after: at)...] }
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                name = String(rest[rest.index(after: rest.startIndex)..<close])
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") { specPort = Int(after.dropFirst()) }
            } else if let colon = rest.lastIndex(of: ":"), rest.filter({ $0 == ":" }).count == 1 {
                name = String(rest[..<colon])
                guard let p = Int(rest[rest.index(after: colon)...]) else {
                    throw .configError(file: "-J/ProxyJump", reason: "bad port in \(spec.debugDescription)")
                }
                specPort = p
            } else {
                name = String(rest)
            }
        }
        guard !name.isEmpty else { throw .configError(file: "command line", reason: "empty host name") }
        let s = settings(for: name)
        let hostName = (s.hostName.map { expand($0, alias: name, host: name, user: "") }) ?? name
        // Command-line -l/-p apply to the target only; a jump spec carries its own.
        let user = spec != nil ? (specUser ?? s.user ?? SSHPaths.localUser) : (o.user ?? typedUser ?? s.user ?? SSHPaths.localUser)
        let port = spec != nil ? (specPort ?? s.port ?? 22) : (o.port ?? s.port ?? 22)
        var files = o.identityFiles + s.identityFiles
        if files.isEmpty { files = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"] }
        files = files.map { expand($0, alias: name, host: hostName, user: user) }
        var unique: [String] = []
        for f in files where !unique.contains(f) { unique.append(f) }
        return (SSHEndpoint(name: name, host: hostName, port: port, user: user, identityFiles: unique,
                            identitiesOnly: s.identitiesOnly), s)
    }

    /// `~` and the %-tokens that make sense outside ssh itself: %d %u %h %r %n %%.
    func expand(_ s: String, alias: String, host: String, user: String) -> String {
        var out = ""
        var it = SSHPaths.expandTilde(s).makeIterator()
        while let c = it.next() {
            guard c == "%", let t = it.next() else { out.append(c); continue }
            switch t {
            case "d": out += SSHPaths.home
            case "u": out += SSHPaths.localUser
            case "h": out += host
            case "n": out += alias
            case "r": out += user
            case "%": out += "%"
            default: out += "%\(t)"
            }
        }
        return out
    }
}
