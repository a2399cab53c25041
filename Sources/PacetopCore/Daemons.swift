import FoundationEssentials

/// corosync, pacemaker and pcsd on a node, as `systemctl is-active` / `is-enabled` say —
/// what `pcs status` prints under "Daemon Status".
public struct DaemonState: Sendable, Equatable, Codable {
    public static let names = ["corosync", "pacemaker", "pcsd"]

    public var name: String
    /// `active`, `inactive`, `failed`, `activating`…, or `unknown` where there is no systemd.
    public var active: String
    /// `enabled`, `disabled`, `masked`…, `not-found` when the unit is not installed, or `unknown`.
    public var enabled: String

    public init(name: String, active: String, enabled: String) {
        self.name = name
        self.active = active
        self.enabled = enabled
    }

    /// Why this is a problem on `node`, or nil. An uninstalled pcsd is no problem (pcs is optional).
    public func problem(on node: String) -> String? {
        if active == "unknown" || enabled == "not-found" { return nil }
        if active != "active" { return "\(name) is \(active) on \(node)" }
        if enabled != "enabled" && enabled != "static" {
            return "\(name) is \(enabled) on \(node): it will not start after a reboot"
        }
        return nil
    }

    /// A shell script that prints `NAME ACTIVE ENABLED` per daemon, or `no-systemd`.
    public static var checkScript: String {
        "[ -d /run/systemd/system ] || { echo no-systemd; exit 0; }; for d in " + names.joined(separator: " ")
            + #"; do a=$(systemctl is-active "$d" 2>/dev/null); e=$(systemctl is-enabled "$d" 2>/dev/null); "#
            + #"echo "$d ${a:-unknown} ${e:-not-found}"; done"#
    }

    /// The check's output; every daemon `unknown` without systemd (or for lines missing).
    public static func parse(_ output: String) -> [DaemonState] {
        var found: [String: DaemonState] = [:]
        for line in output.split(separator: "\n") {
            let w = line.split(separator: " ").map(String.init)
            if w.count == 3, names.contains(w[0]) { found[w[0]] = DaemonState(name: w[0], active: w[1], enabled: w[2]) }
        }
        return names.map { found[$0] ?? DaemonState(name: $0, active: "unknown", enabled: "unknown") }
    }
}
