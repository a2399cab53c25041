import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopUI

/// `$XDG_CONFIG_HOME/pacetop/config.toml`. Every key is optional; command-line flags win.
///
/// ```toml
/// theme = "solarized-dark"
/// interval = 1.5          # seconds
/// read_only = false
/// utc = false             # times in UTC instead of the local zone
/// sudo = false
/// anchor = "pbx"
/// chain = ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"]
/// nodes = ["ip-172-31-16-133", "ip-172-31-16-134", "ip-172-31-16-135"]
/// audit_log = "/var/log/pacetop-audit.log"
/// [addresses]             # node name → host to SSH to
/// "ip-172-31-16-134" = "10.0.1.134"
/// [keys]                  # command = key
/// cleanup = "x"
/// ```
public struct ConfigFile: Sendable, Equatable {
    /// `theme`: the colour theme to start with.
    public var theme: String?
    /// `interval`: seconds between polls (at least 0.5).
    public var interval: Double?
    /// `read_only`: offer no cluster actions.
    public var readOnly: Bool?
    /// `sudo`: run cluster commands through `sudo -n` on the nodes.
    public var sudo: Bool?
    /// `anchor`: the resource whose node is the master.
    public var anchor: String?
    /// `chain`: resources colocated with the anchor, in start order.
    public var chain: [String]?
    /// `nodes`: cluster nodes to connect to when none are given on the command line.
    public var nodes: [String]?
    /// `audit_log`: where confirmed actions are recorded.
    public var auditLog: String?
    /// `utc`: times in UTC instead of the local zone.
    public var utc: Bool?
    /// `[addresses]`: node name → host to SSH to, for nodes whose name does not resolve.
    public var addresses: [String: String] = [:]
    /// `[keys]`: commands rebound to other keys.
    public var keys: [Command: Key] = [:]
    public var bell: Bool?
    public var onEvent: String?

    /// An empty config: every setting unset.
    public init() {}

    /// `$XDG_CONFIG_HOME/pacetop/config.toml`, or `~/.config/pacetop/config.toml` without it.
    public static func standardPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (homeDirectory() + "/.config")
        return base + "/pacetop/config.toml"
    }

    /// Loads `path`; a missing file at the standard path is an empty config, anything wrong
    /// inside a file is an error naming the file, line and key.
    public static func load(path: String, mustExist: Bool) throws(TOMLError) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !mustExist && !FileManager.default.fileExists(atPath: path) { return ConfigFile() }
            throw TOMLError(file: path, line: 0, message: "cannot read the config file")
        }
        return try parse(TOML.text(utf8: [UInt8](data), file: path), file: path)
    }

    /// Parses the config's TOML; unknown settings, bad values and unknown keys are errors naming `file`, line and key.
    public static func parse(_ text: String, file: String) throws(TOMLError) -> ConfigFile {
        let table = try TOML.parse(text, file: file)
        var c = ConfigFile()
        func fail(_ e: TOMLTable.Entry, _ m: String) -> TOMLError {
            TOMLError(file: file, line: e.line, key: e.key, message: m)
        }
        func string(_ e: TOMLTable.Entry) throws(TOMLError) -> String {
            guard case .string(let s) = e.value else { throw fail(e, "expected a string, found \(e.value.typeName)") }
            return s
        }
        func strings(_ e: TOMLTable.Entry) throws(TOMLError) -> [String] {
            guard case .array(let a) = e.value else { throw fail(e, "expected an array of strings") }
            var out: [String] = []
            for v in a {
                guard case .string(let s) = v else { throw fail(e, "expected an array of strings") }
                out.append(s)
            }
            return out
        }
        func bool(_ e: TOMLTable.Entry) throws(TOMLError) -> Bool {
            guard case .boolean(let b) = e.value else { throw fail(e, "expected true or false") }
            return b
        }
        for e in table.entries {
            switch e.key {
            case "theme": c.theme = try string(e)
            case "interval":
                let v: Double?
                switch e.value {
                case .integer(let n): v = Double(n)
                case .float(let x): v = x
                case .string(let s): v = Double(s)
                default: v = nil
                }
                guard let v, v >= 0.5 else { throw fail(e, "expected a number of seconds, at least 0.5") }
                c.interval = v
            case "read_only": c.readOnly = try bool(e)
            case "sudo": c.sudo = try bool(e)
            case "utc": c.utc = try bool(e)
            case "anchor":
                let a = try string(e)
                do { try Validate.resource(a) } catch { throw fail(e, error.description) }
                c.anchor = a
            case "chain": c.chain = try strings(e)
            case "nodes": c.nodes = try strings(e)
            case "audit_log": c.auditLog = try string(e)
            case "bell": c.bell = try bool(e)
            case "on_event": c.onEvent = try string(e)
            case "addresses":
                guard case .table(let t) = e.value else { throw fail(e, "expected a table of node = \"host\"") }
                for a in t.entries { c.addresses[a.key] = try string(a) }
            case "keys":
                guard case .table(let t) = e.value else { throw fail(e, "expected a table of command = \"key\"") }
                var entries: [Command: TOMLTable.Entry] = [:]
                for k in t.entries {
                    guard let command = Command(rawValue: k.key) else {
                        throw fail(k, "unknown command; known: " + Command.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    let name = try string(k)
                    guard let key = Key(configName: name) else { throw fail(k, "unknown key \(name.debugDescription)") }
                    c.keys[command] = key
                    entries[command] = k
                }
                if let clash = KeyMap.standard.conflict(c.keys), let at = entries[clash.second] ?? entries[clash.first] {
                    throw fail(at, "key \(clash.key.label) is bound to both \(clash.first.rawValue) and \(clash.second.rawValue)")
                }
            default:
                throw fail(e, "unknown setting")
            }
        }
        return c
    }
}
