import FoundationEssentials
import Glibc
import PacetopBase

/// Command-line options that override ssh_config (as `ssh -l -p -i -J -o` do).
public struct SSHOverrides: Sendable, Equatable {
    /// `-l` (or the `user@` typed before the host).
    public var user: String?
    /// `-p`.
    public var port: Int?
    /// `-i`, tried before ssh_config's IdentityFile, on every hop.
    public var identityFiles: [String]
    /// `-J`: "[user@]host[:port]", comma-separated chain, or "none".
    public var jump: String?
    /// `-o Keyword=value`, in command-line order: the first of a keyword wins, as in ssh.
    public var options: [String]

    /// The command line's SSH options, as given.
    public init(user: String? = nil, port: Int? = nil, identityFiles: [String] = [], jump: String? = nil,
                options: [String] = []) {
        self.user = user
        self.port = port
        self.identityFiles = identityFiles
        self.jump = jump
        self.options = options
    }

    /// The `-o` keywords pacetop honours; anything else is refused rather than ignored.
    public static let supportedOptions = [
        "User", "Port", "HostName", "IdentityFile", "IdentitiesOnly", "IdentityAgent", "ProxyJump", "ProxyCommand",
        "ConnectTimeout", "ServerAliveInterval", "ServerAliveCountMax", "StrictHostKeyChecking", "UserKnownHostsFile",
        "GlobalKnownHostsFile", "HostKeyAlias", "CheckHostIP", "HashKnownHosts", "RevokedHostKeys",
    ]

    /// Splits `-o Keyword=value` (or "Keyword value") and checks what pacetop can check.
    public static func parseOption(_ o: String) throws(SSHError) -> (keyword: String, value: String) {
        guard let sep = o.firstIndex(where: { $0 == "=" || $0 == " " }) else {
            throw .configError(file: "-o \(o)", reason: "expected Keyword=value")
        }
        let keyword = String(o[..<sep]).lowercased()
        let value = o[o.index(after: sep)...].trimmingWhitespace()
        guard supportedOptions.contains(where: { $0.lowercased() == keyword }) else {
            throw .configError(file: "-o \(o)", reason: "not supported (supported: \(supportedOptions.joined(separator: ", ")))")
        }
        guard !value.isEmpty else { throw .configError(file: "-o \(o)", reason: "no value") }
        switch keyword {
        case "stricthostkeychecking":
            guard ["yes", "ask", "accept-new"].contains(value.lowercased()) else {
                throw .configError(file: "-o \(o)", reason: "pacetop always checks host keys: use yes (or ask: refuse unknown hosts) "
                    + "or accept-new (record keys of new hosts, never changed ones)")
            }
        case "connecttimeout", "serveraliveinterval", "serveralivecountmax":
            guard let d = Double(value), d.isFinite, d >= 0 else {
                throw .configError(file: "-o \(o)", reason: "expected a number of seconds (or a count)")
            }
        case "port":
            guard let p = Int(value), (1...65535).contains(p) else { throw .configError(file: "-o \(o)", reason: "expected 1-65535") }
        default: break
        }
        return (keyword, value)
    }
}

/// Everything needed to open an `SSHConnection` to one host.
public struct ResolvedTarget: Sendable {
    /// Where to connect: the node and its jump hosts, with timing.
    public var target: SSHTarget
    /// known_hosts files and how strictly to check them.
    public var hostKeys: HostKeyPolicy
    /// ssh_config IdentityAgent; nil: `$SSH_AUTH_SOCK`.
    public var agentSocket: String?
    /// false for `IdentityAgent none`.
    public var useAgent: Bool
    /// Settings pacetop does not honour as ssh would, for the user to see.
    public var warnings: [String]

    /// A target as the resolver (or a test) builds it.
    public init(target: SSHTarget, hostKeys: HostKeyPolicy, agentSocket: String? = nil, useAgent: Bool = true,
                warnings: [String] = []) {
        self.target = target
        self.hostKeys = hostKeys
        self.agentSocket = agentSocket
        self.useAgent = useAgent
        self.warnings = warnings
    }
}

/// Resolves a host the way `ssh HOST` would. The truth is OpenSSH itself: when `ssh` is
/// installed, `ssh -G` evaluates the configuration (Include, Match, the system file, tokens,
/// defaults, command-line options) and pacetop uses what it prints. Without `ssh`, pacetop's
/// own reader (`SSHConfig`) does the same for everything but `Match exec` and friends.
public struct SSHResolver: Sendable {
    public enum Reader: Sendable, Equatable {
        /// `ssh -G` when `ssh` is on $PATH, else the built-in reader;
        /// PACETOP_SSH_CONFIG_READER=builtin forces the built-in one.
        case automatic
        /// This `ssh` binary's `-G`.
        case openSSH(String)
        /// pacetop's own reader; `systemFile` is read after the user's file (`userFile`, nil:
        /// ~/.ssh/config), neither with -F.
        case builtin(systemFile: String?, userFile: String? = nil)
    }

    enum Backend: Sendable {
        case openSSH(String)
        case builtin(SSHConfig)
    }

    let backend: Backend
    let configFile: String?
    let overrides: SSHOverrides
    let first: [SSHConfig.Entry]

    /// `configFile`: `-F`. Errors: a bad `-o`, an unreadable `-F` file, a bad line.
    public init(configFile: String? = nil, reader: Reader = .automatic, overrides: SSHOverrides = SSHOverrides()) throws(SSHError) {
        self.configFile = configFile.map(SSHPaths.expandTilde)
        self.overrides = overrides
        var first: [SSHConfig.Entry] = []
        for o in overrides.options {
            let (k, v) = try SSHOverrides.parseOption(o)
            first.append(SSHConfig.Entry(keyword: k, args: SSHConfig.splitLine("x " + v)?.1 ?? [v], rest: v, at: "-o \(o)"))
        }
        if let j = overrides.jump { first.append(SSHConfig.Entry(keyword: "proxyjump", args: [j], rest: j, at: "-J")) }
        self.first = first
        let ssh: String?
        var systemFile: String? = "/etc/ssh/ssh_config"
        var userFile: String?
        switch reader {
        case .openSSH(let path): ssh = path
        case .builtin(let system, let user): (ssh, systemFile, userFile) = (nil, system, user)
        case .automatic:
            let forced = ProcessInfo.processInfo.environment["PACETOP_SSH_CONFIG_READER"] == "builtin"
            ssh = forced ? nil : Subprocess.which("ssh")
        }
        if let ssh {
            if let f = self.configFile, !FileManager.default.isReadableFile(atPath: f) {
                throw .configError(file: f, reason: "cannot read the file")
            }
            backend = .openSSH(ssh)
        } else {
            backend = .builtin(try SSHConfig.load(path: self.configFile, userFile: userFile, systemFile: systemFile))
        }
    }

    /// ssh_config evaluated for `host`. `cli`: the command line's -o/-J apply (the target);
    /// `user`/`port` are -l/-p or a jump spec's; -i applies everywhere (pacetop's choice).
    public func options(for host: String, user: String? = nil, port: Int? = nil, cli: Bool = true) throws(SSHError) -> SSHOptions {
        switch backend {
        case .openSSH(let ssh):
            var args = [ssh, "-G"]
            if let configFile { args += ["-F", configFile] }
            if cli {
                for o in overrides.options { args += ["-o", o] }
                if let j = overrides.jump { args += ["-J", j] }
            }
            for i in overrides.identityFiles { args += ["-i", i] }
            if let user { args += ["-l", user] }
            if let port { args += ["-p", String(port)] }
            args += ["--", host]
            let out = try Subprocess.run(args, timeout: 10)
            let what = "`ssh -G \(host)`" + (configFile.map { " (-F \($0))" } ?? "")
            if out.timedOut {
                throw .configError(file: what, reason: "did not finish within 10 s (a Match exec command that hangs?)")
            }
            guard out.status == 0 else {
                let said = out.stderr.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("Pseudo-terminal") }.joined(separator: "; ")
                throw .configError(file: what, reason: "ssh refused the configuration: \(said)")
            }
            return SSHOptions.parseOpenSSH(out.stdout)
        case .builtin(let config):
            var entries = cli ? first : []
            let files = overrides.identityFiles.map { SSHConfig.Entry(keyword: "identityfile", args: [$0], rest: $0, at: "-i") }
            if let user { entries.insert(SSHConfig.Entry(keyword: "user", args: [user], rest: user, at: "-l"), at: 0) }
            if let port { entries.insert(SSHConfig.Entry(keyword: "port", args: [String(port)], rest: String(port), at: "-p"), at: 0) }
            return try config.evaluate(host, first: files + entries)
        }
    }

    /// Applies ssh_config and the command line to `typed` ("[user@]host") as `ssh` would.
    public func resolve(_ typed: String) throws(SSHError) -> ResolvedTarget {
        var host = typed
        var user = overrides.user
        // `pacetop ubuntu@node1`, as with ssh: -l still wins.
        if let at = typed.lastIndex(of: "@") {
            host = String(typed[typed.index(after: at)...])
            user = user ?? String(typed[..<at])
        }
        guard !host.isEmpty, !host.hasPrefix("-") else {
            throw .configError(file: "command line", reason: "bad host name \(typed.debugDescription)")
        }
        let o = try options(for: host, user: user, port: overrides.port)
        let endpoint = try Self.endpoint(o, name: host)
        var hopOptions: [SSHOptions] = []
        let jumps = try hops(o, depth: 0, &hopOptions)
        let tokens = SSHTokens(o)

        // The connection checks every hop against the target's files; a jump host's own
        // UserKnownHostsFile is added after them so its key is found too.
        var userFiles = (o.values["userknownhostsfile"] ?? []).filter { $0.lowercased() != "none" }
        for h in hopOptions {
            for f in h.values["userknownhostsfile"] ?? [] where f.lowercased() != "none" && !userFiles.contains(f) {
                userFiles.append(f)
            }
        }
        var policy = HostKeyPolicy()
        policy.files = userFiles
        policy.globalFiles = (o.values["globalknownhostsfile"] ?? []).filter { $0.lowercased() != "none" }.map(tokens.expand)
        policy.revokedHostKeysFiles = o["revokedhostkeys"].flatMap { $0.lowercased() == "none" ? nil : [tokens.expand($0)] } ?? []
        policy.hashKnownHosts = o.flag("hashknownhosts")
        policy.acceptNew = o["stricthostkeychecking"]?.lowercased() == "accept-new"

        func number(_ k: String) -> Double? { o[k].flatMap(Double.init).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } }
        let target = SSHTarget(endpoint: endpoint, jumps: jumps,
                               connectTimeout: number("connecttimeout") ?? 10,
                               // 0 (ssh's default, off) keeps pacetop's 5 s: a dashboard must notice a dead node.
                               serverAliveInterval: number("serveraliveinterval") ?? 5,
                               serverAliveCountMax: number("serveralivecountmax").map { Int($0) } ?? 3)
        let agent = o["identityagent"]
        return ResolvedTarget(target: target, hostKeys: policy,
                              agentSocket: agent == nil || agent == "SSH_AUTH_SOCK" ? nil : agent,
                              useAgent: agent?.lowercased() != "none",
                              warnings: ([o] + hopOptions).flatMap(Self.warnings))
    }

    /// The hops before the host `o` describes: its ProxyJump chain, whose first host's own
    /// ProxyJump/ProxyCommand is followed (as `ssh -J a,b` does; b's own are not).
    func hops(_ o: SSHOptions, depth: Int, _ seen: inout [SSHOptions]) throws(SSHError) -> [SSHEndpoint] {
        guard let chain = o["proxyjump"], chain.lowercased() != "none" else { return [] }
        guard depth < 8 else {
            throw .configError(file: "ProxyJump", reason: "more than 8 nested jump hosts at \(chain) (a loop in ssh_config?)")
        }
        var out: [SSHEndpoint] = []
        for (i, spec) in chain.split(separator: ",").enumerated() {
            let (name, user, port) = try Self.parseJump(String(spec))
            let ho = try options(for: name, user: user, port: port, cli: false)
            seen.append(ho)
            var hop = try Self.endpoint(ho, name: name)
            if i == 0 { out += try hops(ho, depth: depth + 1, &seen) } else { hop.proxyCommand = nil }
            out.append(hop)
        }
        return out
    }

    static func endpoint(_ o: SSHOptions, name: String) throws(SSHError) -> SSHEndpoint {
        let t = SSHTokens(o)
        guard let port = Int(t.port), (1...65535).contains(port) else {
            throw .configError(file: "ssh_config", reason: "bad Port \(t.port.debugDescription) for \(name)")
        }
        // %h %n %r go into a shell command line; node names can come from the cluster (CIB),
        // so refuse shell characters there, as OpenSSH 9.6 does.
        if o["proxycommand"] != nil, let bad = [t.hostName, t.original, t.user].first(where: { !Self.shellSafe($0) }) {
            throw .configError(file: "ProxyCommand", reason: "refusing to put \(bad.debugDescription) into the command: "
                + "it has characters the shell would interpret")
        }
        var files: [String] = []
        for f in (o.values["identityfile"] ?? []).map(t.expand) where !files.contains(f) { files.append(f) }
        return SSHEndpoint(name: name, host: t.hostName, port: port, user: t.user, identityFiles: files,
                           identitiesOnly: o.flag("identitiesonly"), proxyCommand: o["proxycommand"].map(t.expandCommand),
                           hostKeyAlias: o["hostkeyalias"], checkHostIP: o.flag("checkhostip"))
    }

    /// Letters, digits and `.-_:@%[]`, not starting with `-`.
    static func shellSafe(_ s: String) -> Bool {
        !s.hasPrefix("-") && s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || ".-_:@%[]".unicodeScalars.contains($0)
        }
    }

    /// "[user@]host[:port]", "[user@][v6addr]:port" or "ssh://[user@]host[:port]".
    static func parseJump(_ spec: String) throws(SSHError) -> (String, String?, Int?) {
        var rest = Substring(spec)
        if rest.hasPrefix("ssh://") { rest = rest.dropFirst("ssh://".count) }
        var user: String?
        var port: Int?
        let name: String
        if let at = rest.lastIndex(of: "@") { user = String(rest[..<at]); rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            name = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) }
        } else if let colon = rest.lastIndex(of: ":"), rest.filter({ $0 == ":" }).count == 1 {
            name = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw .configError(file: "-J/ProxyJump", reason: "bad port in \(spec.debugDescription)")
            }
            port = p
        } else {
            name = String(rest)
        }
        guard !name.isEmpty, !name.hasPrefix("-") else {
            throw .configError(file: "-J/ProxyJump", reason: "bad host in \(spec.debugDescription)")
        }
        return (name, user, port)
    }

    /// Settings pacetop does not honour as ssh would, worth telling the user about.
    static func warnings(_ o: SSHOptions) -> [String] {
        let host = o["host"] ?? "?"
        var w: [String] = []
        if o["stricthostkeychecking"]?.lowercased() == "false" {
            w.append("ssh_config for \(host): StrictHostKeyChecking no is treated as ask: pacetop never trusts an unknown "
                + "host key by itself (use --accept-new) and always refuses a changed one")
        }
        if o["certificatefile"] != nil {
            w.append("ssh_config for \(host): CertificateFile is not supported (libssh2 cannot log in with certificates); plain keys are tried")
        }
        if let c = o["canonicalizehostname"]?.lowercased(), !["false", "no"].contains(c) {
            w.append("ssh_config for \(host): CanonicalizeHostname is not supported; HostName is used as it is")
        }
        if let f = o["addressfamily"]?.lowercased(), f != "any" {
            w.append("ssh_config for \(host): AddressFamily \(f) is not supported; any address family is tried")
        }
        if o["bindaddress"] != nil || o["bindinterface"] != nil {
            w.append("ssh_config for \(host): BindAddress/BindInterface are not supported; the system picks the source address")
        }
        return w
    }
}
