import FoundationEssentials
import Glibc
import PacetopBase

/// One host's evaluated ssh_config in the shape `ssh -G` prints it: lower-case keyword →
/// values (IdentityFile: one per file; ProxyCommand: the command line as one value). Both
/// readers (`ssh -G` and `SSHConfig`) produce it; `SSHResolver` turns it into endpoints.
public struct SSHOptions: Sendable, Equatable {
    /// Lower-case keyword → its values, as `ssh -G` prints them.
    public var values: [String: [String]]

    /// Options from a keyword → values table.
    public init(_ values: [String: [String]] = [:]) { self.values = values }

    /// The first value of `keyword` (lower-case), nil when it is not set.
    public subscript(_ keyword: String) -> String? { values[keyword]?.first }

    /// `ssh -G` output: "keyword value..." per line.
    static func parseOpenSSH(_ text: String) -> SSHOptions {
        var v: [String: [String]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let sp = line.firstIndex(of: " ") else { continue }
            let k = String(line[..<sp]).lowercased()
            let rest = String(line[line.index(after: sp)...])
            switch k {
            case "identityfile", "certificatefile": v[k, default: []].append(rest)
            case "proxycommand", "hostname", "user", "identityagent", "hostkeyalias", "revokedhostkeys": v[k] = [rest]
            default: v[k] = rest.split(separator: " ").map(String.init)
            }
        }
        return SSHOptions(v)
    }

    func flag(_ keyword: String) -> Bool {
        ["yes", "true"].contains(self[keyword]?.lowercased() ?? "")
    }
}

/// ssh_config's %-tokens and `~`, as ssh expands them for one host.
struct SSHTokens {
    let hostName: String
    let original: String
    let user: String
    let port: String
    let alias: String?

    init(_ o: SSHOptions) {
        original = o["host"] ?? ""
        hostName = o["hostname"] ?? original
        user = o["user"] ?? SSHPaths.localUser
        port = o["port"] ?? "22"
        alias = o["hostkeyalias"]
    }

    /// `HostName` knows only %h (what was typed) and %%.
    static func expandHostName(_ s: String, host: String) -> String {
        replace(s) { t in t == "h" ? host : nil }
    }

    /// %% %d %u %h %n %r %p %i %l %L %k, then `~`; unknown tokens are left as they are.
    func expand(_ s: String) -> String {
        SSHPaths.expandTilde(Self.replace(s) { t in
            switch t {
            case "d": SSHPaths.home
            case "u": SSHPaths.localUser
            case "h": hostName
            case "n": original
            case "r": user
            case "p": port
            case "i": String(getuid())
            case "l": Self.localHostName
            case "L": String(Self.localHostName.prefix { $0 != "." })
            case "k": alias ?? original
            default: nil
            }
        })
    }

    /// ProxyCommand knows %h %p %r %n and %% only.
    func expandCommand(_ s: String) -> String {
        Self.replace(s) { t in
            switch t {
            case "h": hostName
            case "p": port
            case "r": user
            case "n": original
            default: nil
            }
        }
    }

    private static func replace(_ s: String, _ value: (Character) -> String?) -> String {
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "%", let t = it.next() else { out.append(c); continue }
            if t == "%" { out += "%" } else if let v = value(t) { out += v } else { out += "%\(t)" }
        }
        return out
    }

    /// An IPv4/IPv6 literal in its standard form (as `getaddrinfo` reads it); nil for names.
    static func normalizedAddress(_ s: String) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(s, nil, &hints, &res) == 0, let first = res else { return nil }
        defer { freeaddrinfo(first) }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &host, socklen_t(host.count), nil, 0,
                          NI_NUMERICHOST) == 0 else { return nil }
        return Subprocess.cString(host)
    }

    static var localHostName: String {
        var buf = [CChar](repeating: 0, count: 256)
        return gethostname(&buf, buf.count) == 0 ? Subprocess.cString(buf) : "localhost"
    }
}
