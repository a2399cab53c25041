import FoundationEssentials
import Glibc
import PacetopCore

/// Renders the simulated cluster as Pacemaker 2.1.5's `crm_mon --output-as=xml` (api 2.25)
/// prints it on a live cluster run with `TZ=UTC`: same elements, attribute order and time
/// formats, and the same omissions (empty sections left out, history only for online nodes,
/// no `cli-prefer` constraints).
extension DemoCluster {
    static let pacemakerVersion = "2.1.5-a3f44794f94"
    static let featureSet = "3.16.1"

    func crmMonXML() -> String {
        var x = XMLOut()
        x.line(0, #"<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">"#)
        summary(&x)
        nodesSection(&x)
        resourcesSection(&x)
        attributesSection(&x)
        historySection(&x)
        failuresSection(&x)
        bansSection(&x)
        x.line(1, #"<status code="0" message="OK"/>"#)
        x.line(0, "</pacemaker-result>")
        return x.text
    }

    /// The `cli-prefer`/`cli-ban` constraints, as a source reads them from `cibadmin`.
    var cliConstraints: [LocationConstraint] { constraints }

    // MARK: sections

    private func summary(_ x: inout XMLOut) {
        x.line(1, "<summary>")
        x.line(2, #"<stack type="corosync"/>"#)
        if let dc, let n = nodes.first(where: { $0.name == dc }) {
            x.element(2, "current_dc", [("present", "true"), ("version", Self.pacemakerVersion),
                                        ("name", dc), ("id", "\(n.id)"), ("with_quorum", bool(hasQuorum)),
                                        ("mixed_version", "false")])
        } else {
            x.line(2, #"<current_dc present="false"/>"#)
        }
        x.element(2, "last_update", [("time", DemoTime.ctime(now))])
        x.element(2, "last_change", [("time", DemoTime.ctime(lastChange.at)), ("user", lastChange.user),
                                     ("client", lastChange.client), ("origin", lastChange.origin)])
        x.element(2, "nodes_configured", [("number", "\(nodes.count)")])
        // Every ping-clone instance counts, like crm_mon counts them.
        let disabled = (targetStopped.contains(Self.pingCloneID) ? nodes.count : 0)
            + Self.chain.filter { targetStopped.contains($0.id) }.count
        x.element(2, "resources_configured", [("number", "\(Self.chain.count + nodes.count)"),
                                              ("disabled", "\(disabled)"), ("blocked", "0")])
        x.line(2, #"<cluster_options stonith-enabled="false" symmetric-cluster="true" no-quorum-policy="stop" maintenance-mode="false" stop-all-resources="false" stonith-timeout-ms="60000" priority-fencing-delay-ms="0"/>"#)
        x.line(1, "</summary>")
    }

    private func running(on node: String) -> Int {
        chain.filter { $0.node == node }.count + (ping[node] == nil ? 0 : 1)
    }

    private func nodesSection(_ x: inout XMLOut) {
        x.line(1, "<nodes>")
        for n in nodes {
            var a: [(String, String)] = [
                ("name", n.name), ("id", "\(n.id)"), ("online", bool(n.online)), ("standby", bool(n.standby)),
                ("standby_onfail", "false"), ("maintenance", "false"), ("pending", "false"),
                ("unclean", bool(n.unclean)), ("health", "green"),
            ]
            // The feature set comes from the node's controller: unknown while it is away.
            if n.online { a.append(("feature_set", Self.featureSet)) }
            a += [("shutdown", "false"), ("expected_up", "true"), ("is_dc", bool(n.name == dc)),
                  ("resources_running", "\(running(on: n.name))"), ("type", "member")]
            x.element(2, "node", a)
        }
        x.line(1, "</nodes>")
    }

    private func role(_ p: Phase) -> String {
        switch p {
        case .stopped: "Stopped"
        case .starting: "Starting"
        case .started: "Started"
        case .stopping: "Stopping"
        }
    }

    private func primitive(_ x: inout XMLOut, level: Int, id: String, agent: String, phase: Phase,
                           node: String?, failed: Bool, targetRole: String?) {
        var a: [(String, String)] = [("id", id), ("resource_agent", agent), ("role", role(phase))]
        if let targetRole { a.append(("target_role", targetRole)) }
        a += [("active", bool(node != nil)), ("orphaned", "false"), ("blocked", "false"),
              ("managed", "true"), ("failed", bool(failed)), ("failure_ignored", "false"),
              ("nodes_running_on", node == nil ? "0" : "1")]
        guard let node, let n = nodes.first(where: { $0.name == node }) else {
            x.element(level, "resource", a)
            return
        }
        x.element(level, "resource", a, close: false)
        // In 2.x `cached` means "the node is online" (an UNCLEAN node's resources say false).
        x.element(level + 1, "node", [("name", node), ("id", "\(n.id)"), ("cached", bool(n.online))])
        x.line(level, "</resource>")
    }

    private func resourcesSection(_ x: inout XMLOut) {
        x.line(1, "<resources>")
        for (spec, inst) in zip(Self.chain, chain) {
            primitive(&x, level: 2, id: spec.id, agent: spec.agent, phase: inst.phase, node: inst.node,
                      failed: inst.failed, targetRole: targetStopped.contains(spec.id) ? "stopped" : nil)
        }
        let cloneStopped = targetStopped.contains(Self.pingCloneID)
        var clone: [(String, String)] = [("id", Self.pingCloneID), ("multi_state", "false"), ("unique", "false"),
                                         ("managed", "true"), ("disabled", bool(cloneStopped)),
                                         ("failed", "false"), ("failure_ignored", "false")]
        if cloneStopped { clone.append(("target_role", "stopped")) }
        x.element(2, "clone", clone, close: false)
        // Active instances first, then one stopped instance per missing node, as crm_mon lists them.
        let active = nodes.filter { ping[$0.name] != nil }
        for n in active {
            primitive(&x, level: 3, id: Self.pingID, agent: Self.pingAgent, phase: ping[n.name] ?? .stopped,
                      node: n.name, failed: false, targetRole: cloneStopped ? "stopped" : nil)
        }
        for _ in active.count..<nodes.count {
            primitive(&x, level: 3, id: Self.pingID, agent: Self.pingAgent, phase: .stopped, node: nil,
                      failed: false, targetRole: cloneStopped ? "stopped" : nil)
        }
        x.line(2, "</clone>")
        x.line(1, "</resources>")
    }

    private func attributesSection(_ x: inout XMLOut) {
        // crm_mon lists attributes of online nodes only, and hides standby.
        let withPingd = nodes.filter { $0.online && $0.pingd }
        guard !withPingd.isEmpty else { return }
        x.line(1, "<node_attributes>")
        for n in withPingd {
            x.element(2, "node", [("name", n.name)], close: false)
            x.line(3, #"<attribute name="pingd" value="1000"/>"#)
            x.line(2, "</node>")
        }
        x.line(1, "</node_attributes>")
    }

    /// Resource ids in configuration order, the order crm_mon's history follows.
    private var historyOrder: [String] { Self.chain.map(\.id) + [Self.pingID] }

    private func historySection(_ x: inout XMLOut) {
        let online = nodes.filter { $0.online && !(history[$0.name] ?? [:]).isEmpty }
        guard !online.isEmpty else { return }
        x.line(1, "<node_history>")
        for n in online {
            let byID = history[n.name] ?? [:]
            x.element(2, "node", [("name", n.name)], close: false)
            for rid in historyOrder {
                guard let h = byID[rid], !h.isEmpty else { continue }
                var a: [(String, String)] = [("id", rid), ("orphan", "false"), ("migration-threshold", "1000000")]
                if h.failCount > 0 {
                    a.append(("fail-count", "\(h.failCount)"))
                    if let f = h.lastFailureAt { a.append(("last-failure", DemoTime.ctime(f))) }
                }
                x.element(3, "resource_history", a, close: false)
                // Separate CIB entries (the op itself and its last_failure copy) both show.
                let ops = [h.last, h.monitor, h.lastFailure].compactMap { $0 }.sorted { $0.call < $1.call }
                for op in ops {
                    var o: [(String, String)] = [("call", "\(op.call)"), ("task", op.task), ("rc", "\(op.rc)"),
                                                 ("rc_text", Self.rcText(op.rc))]
                    if op.intervalMs > 0 { o.append(("interval", "\(op.intervalMs)ms")) }
                    o += [("last-rc-change", DemoTime.ctime(op.at)), ("exec-time", "\(op.execMs)ms"),
                          ("queue-time", "0ms")]
                    x.element(4, "operation_history", o)
                }
                x.line(3, "</resource_history>")
            }
            x.line(2, "</node>")
        }
        x.line(1, "</node_history>")
    }

    static func rcText(_ rc: Int) -> String {
        switch rc {
        case 0: "ok"
        case 1: "error"
        case 7: "not running"
        default: "unknown"
        }
    }

    private func failuresSection(_ x: inout XMLOut) {
        var rows: [[(String, String)]] = []
        for n in nodes {
            for rid in historyOrder {
                guard let f = history[n.name]?[rid]?.lastFailure else { continue }
                let key = "\(rid)_\(f.task == "probe" ? "monitor" : f.task)_\(f.intervalMs)"
                rows.append([
                    ("op_key", key), ("node", n.name), ("exitstatus", Self.rcText(f.rc)), ("exitreason", ""),
                    ("exitcode", "\(f.rc)"), ("call", "\(f.call)"), ("status", "complete"),
                    ("last-rc-change", DemoTime.iso(f.at)), ("queued", "0"), ("exec", "\(f.execMs)"),
                    ("interval", "\(f.intervalMs)"), ("task", f.task),
                ])
            }
        }
        guard !rows.isEmpty else { return }
        x.line(1, "<failures>")
        for r in rows { x.element(2, "failure", r) }
        x.line(1, "</failures>")
    }

    private func bansSection(_ x: inout XMLOut) {
        let bans = constraints.filter { $0.kind == .ban }
        guard !bans.isEmpty else { return }
        x.line(1, "<bans>")
        for b in bans {
            x.element(2, "ban", [("id", b.id), ("resource", b.resource), ("node", b.node ?? ""),
                                 ("weight", "-1000000"), ("promoted-only", "false"), ("master_only", "false")])
        }
        x.line(1, "</bans>")
    }

    private func bool(_ b: Bool) -> String { b ? "true" : "false" }
}

/// A tiny XML writer: two-space indentation like crm_mon's, every attribute value escaped.
struct XMLOut {
    var text = ""

    mutating func line(_ level: Int, _ s: String) {
        text += String(repeating: "  ", count: level) + s + "\n"
    }

    /// `<name a="v" …/>`, or the open tag only when `close` is false.
    mutating func element(_ level: Int, _ name: String, _ attributes: [(String, String)], close: Bool = true) {
        var s = "<" + name
        for (k, v) in attributes { s += " \(k)=\"\(Self.escape(v))\"" }
        line(level, s + (close ? "/>" : ">"))
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// The two time formats crm_mon prints (with TZ=UTC).
enum DemoTime {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func parts(_ d: Date) -> tm {
        var t = time_t(d.timeIntervalSince1970.rounded(.down))
        var out = tm()
        gmtime_r(&t, &out)
        return out
    }

    private static func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// ctime style, as in `last_update` and the history: `Wed Nov 25 04:12:24 2026`, with the
    /// day of the month padded by a space.
    static func ctime(_ d: Date) -> String {
        let t = parts(d)
        let day = t.tm_mday < 10 ? " \(t.tm_mday)" : "\(t.tm_mday)"
        return "\(days[Int(t.tm_wday)]) \(months[Int(t.tm_mon)]) \(day) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) \(1900 + Int(t.tm_year))"
    }

    /// The failures' format in UTC: `2026-11-25 04:12:24Z`.
    static func iso(_ d: Date) -> String {
        let t = parts(d)
        return "\(1900 + Int(t.tm_year))-\(two(t.tm_mon + 1))-\(two(t.tm_mday)) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))Z"
    }
}
