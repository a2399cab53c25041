import FoundationEssentials
import Glibc
import PacetopBase

/// pacetop's own ssh_config(5) reader, used when OpenSSH's `ssh` is not installed (otherwise
/// `SSHResolver` asks `ssh -G`, which is the truth). It evaluates one host the way ssh does,
/// in one pass: the files in order (the user's or `-F`, then the system file), `Host` and
/// `Match` deciding which lines apply, the first value of a keyword winning, `Include` reading
/// other files in place. The result has the shape of `ssh -G` output, so both readers feed
/// the same code.
public struct SSHConfig: Sendable {
    struct Entry: Sendable {
        var keyword: String
        var args: [String]
        /// Everything after the keyword, verbatim: ProxyCommand keeps its quotes for the shell.
        var rest: String
        var at: String
    }

    indirect enum Line: Sendable {
        case setting(Entry)
        case host(patterns: [String])
        case match(args: [String], at: String)
        /// The files an Include named, already read (a glob may name none).
        case include([File])
    }

    struct File: Sendable {
        var path: String
        var lines: [Line]
    }

    /// The files ssh would read, in order.
    var files: [File] = []

    /// No files: every host gets ssh's defaults.
    public init() {}

    /// OpenSSH's include depth limit (READCONF_MAX_DEPTH).
    static let maxDepth = 16

    /// As ssh: `-F FILE` alone, or `~/.ssh/config` (if it exists) then the system file (if it
    /// exists). A missing `-F` file is an error.
    public static func load(path: String? = nil, userFile: String? = nil,
                            systemFile: String? = "/etc/ssh/ssh_config") throws(SSHError) -> SSHConfig {
        var config = SSHConfig()
        if let path {
            config.files.append(try read(SSHPaths.expandTilde(path), base: SSHPaths.home + "/.ssh", depth: 0))
            return config
        }
        let user = userFile ?? SSHPaths.home + "/.ssh/config"
        if FileManager.default.fileExists(atPath: user) {
            config.files.append(try read(user, base: SSHPaths.home + "/.ssh", depth: 0))
        }
        if let systemFile, FileManager.default.fileExists(atPath: systemFile) {
            config.files.append(try read(systemFile, base: parentDirectory(of: systemFile), depth: 0))
        }
        return config
    }

    /// One file's text, for tests and for `load`.
    public static func parse(_ text: String, file: String = "ssh_config", includeBase: String? = nil) throws(SSHError) -> SSHConfig {
        var config = SSHConfig()
        config.files = [try parseFile(text, file: file, base: includeBase ?? SSHPaths.home + "/.ssh", depth: 0)]
        return config
    }

    /// `base`: where relative Include paths point (~/.ssh for user files, /etc/ssh for the system one).
    static func read(_ path: String, base: String, depth: Int) throws(SSHError) -> File {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .configError(file: path, reason: "cannot read the file")
        }
        return try parseFile(String(decoding: data, as: UTF8.self), file: path, base: base, depth: depth)
    }

    static func parseFile(_ text: String, file: String, base: String, depth: Int) throws(SSHError) -> File {
        var out = File(path: file, lines: [])
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let at = "\(file):\(number)"
            guard let (keyword, args, rest) = splitLine(line) else {
                throw .configError(file: at, reason: "cannot parse \(line.debugDescription)")
            }
            switch keyword {
            case "host": out.lines.append(.host(patterns: args))
            case "match": out.lines.append(.match(args: args, at: at))
            case "include":
                guard depth + 1 < maxDepth else {
                    throw .configError(file: at, reason: "too many nested Include files (limit \(maxDepth))")
                }
                var included: [File] = []
                for pattern in args {
                    let full = SSHPaths.expandTilde(pattern)
                    for path in glob(full.hasPrefix("/") ? full : base + "/" + full) {
                        included.append(try read(path, base: base, depth: depth + 1))
                    }
                }
                out.lines.append(.include(included))
            default:
                out.lines.append(.setting(Entry(keyword: keyword, args: args, rest: rest, at: at)))
            }
        }
        return out
    }

    /// Sorted matches, none when nothing matches (ssh skips such an Include silently).
    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// "Keyword value", "Keyword=value", values optionally in double quotes.
    static func splitLine(_ line: String) -> (String, [String], String)? {
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
        return (keyword, args, rest)
    }

    /// ssh_config pattern lists: any positive match and no `!negated` match. Case counts,
    /// as in OpenSSH (`Host node1` does not match `NODE1`).
    static func matches(_ host: String, patterns: [String]) -> Bool {
        var positive = false
        for p in patterns {
            if p.hasPrefix("!") {
                if glob(String(p.dropFirst()), host) { return false }
            } else if glob(p, host) {
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
}

// MARK: Evaluating one host

extension SSHConfig {
    /// What `ssh -G [-o ...] host` would print for what pacetop uses. `first` are settings
    /// given on the command line (-o, -l, -p, -i, -J as entries): read before the files, so
    /// they win, as in ssh.
    func evaluate(_ typed: String, first: [Entry] = []) throws(SSHError) -> SSHOptions {
        var state = Evaluation(host: typed)
        for e in first { state.set(e) }
        for file in files { try walk(file.lines, &state) }
        return state.finish(original: typed)
    }

    private func walk(_ lines: [Line], _ state: inout Evaluation) throws(SSHError) {
        // Lines before the first Host/Match apply to every host; an included file starts
        // active (it is only entered from an active place) and its Host lines end with it.
        var active = true
        for line in lines {
            switch line {
            case .host(let patterns): active = Self.matches(state.host, patterns: patterns)
            case .match(let args, let at): active = try state.match(args, at: at)
            case .include(let files) where active:
                for f in files { try walk(f.lines, &state) }
            case .setting(let e) where active: state.set(e)
            default: break
            }
        }
    }

    /// The state of one pass, as readconf.c keeps it.
    struct Evaluation {
        /// What was typed: Host patterns match it.
        let host: String
        var values: [String: [String]] = [:]
        var seen = Set<String>()

        init(host: String) { self.host = host }

        mutating func set(_ e: Entry) {
            switch e.keyword {
            case "identityfile", "certificatefile":
                values[e.keyword, default: []].append(e.args[0])
            case "proxyjump", "proxycommand":
                // One slot: whichever comes first wins, `none` included.
                guard seen.insert("proxy").inserted else { return }
                let v = e.keyword == "proxycommand" ? e.rest : e.args[0]
                if v.lowercased() != "none" { values[e.keyword] = [v] }
            default:
                guard seen.insert(e.keyword).inserted else { return }
                values[e.keyword] = e.args
            }
        }

        /// `Match` criteria pacetop can judge without running anything; the rest refuse.
        func match(_ args: [String], at: String) throws(SSHError) -> Bool {
            var i = 0
            var result = true
            while i < args.count {
                var criterion = args[i].lowercased()
                i += 1
                let negate = criterion.hasPrefix("!")
                if negate { criterion.removeFirst() }
                if criterion == "all" {
                    guard args.count == 1 else { throw .configError(file: at, reason: "Match all takes nothing else") }
                    return true
                }
                guard ["host", "originalhost", "user", "localuser"].contains(criterion) else {
                    throw .configError(file: at, reason: "Match \(criterion) is not supported by pacetop's own ssh_config reader"
                        + (criterion == "exec" ? " (it runs commands)" : "")
                        + "; install the OpenSSH client (ssh) so pacetop can ask `ssh -G`, which reads it as ssh does")
                }
                guard i < args.count else { throw .configError(file: at, reason: "Match \(criterion) needs a pattern list") }
                let patterns = args[i].split(separator: ",").map(String.init)
                i += 1
                let subject: String
                switch criterion {
                case "host": subject = values["hostname"].map { SSHTokens.expandHostName($0[0], host: host) } ?? host
                case "originalhost": subject = host
                case "user": subject = values["user"]?[0] ?? SSHPaths.localUser
                default: subject = SSHPaths.localUser
                }
                if SSHConfig.matches(subject, patterns: patterns) == negate { result = false }
            }
            return result
        }

        /// ssh's defaults, and the expansions `ssh -G` applies before printing.
        func finish(original: String) -> SSHOptions {
            var v = values
            v["host"] = [original]
            // ssh lower-cases the name it connects to (not what Host patterns saw), and writes
            // an address literal the standard way (010.0.0.001 is 8.0.0.1).
            let hostName = v["hostname"].map { SSHTokens.expandHostName($0[0], host: host) } ?? host
            v["hostname"] = [SSHTokens.normalizedAddress(hostName) ?? hostName.lowercased()]
            v["user"] = v["user"] ?? [SSHPaths.localUser]
            v["port"] = v["port"] ?? ["22"]
            if v["identityfile"] == nil {
                v["identityfile"] = ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"]
                    .map { "~/.ssh/" + $0 }
            }
            v["globalknownhostsfile"] = v["globalknownhostsfile"] ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]
            var options = SSHOptions(v)
            let tokens = SSHTokens(options)
            let user = v["userknownhostsfile"] ?? ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"]
            options.values["userknownhostsfile"] = user.map { $0.lowercased() == "none" ? $0 : tokens.expand($0) }
            if let agent = v["identityagent"]?[0], agent != "SSH_AUTH_SOCK", agent.lowercased() != "none" {
                options.values["identityagent"] = [tokens.expand(agent)]
            }
            if let s = v["stricthostkeychecking"]?[0].lowercased() {
                options.values["stricthostkeychecking"] = [["yes": "true", "no": "false", "off": "false"][s] ?? s]
            }
            return options
        }
    }
}
