import FoundationEssentials
import Glibc
import PacetopBase

/// Writes `--json` output directly into bytes: the same text JSONEncoder gives with
/// `.prettyPrinted, .sortedKeys, .withoutEscapingSlashes` and ISO 8601 dates, at a fraction of
/// its cost (JSONEncoder was 40 % of `--once --json` on 2,000 resources, scripts/bench once).
/// Keys are written in sorted order by each `write` below; a test compares the output with
/// JSONEncoder's on every corpus document, so a field added to the model and forgotten here fails.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Whether the current container has a member yet (one entry per open container).
    private var hasMember: [Bool] = []

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    // MARK: Containers

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    mutating func array<S: Sequence>(_ items: S, _ element: (inout JSONWriter, S.Element) -> Void) {
        open(UInt8(ascii: "["))
        for item in items {
            member()
            element(&self, item)
        }
        close(UInt8(ascii: "]"))
    }

    private mutating func open(_ c: UInt8) {
        bytes.append(c)
        depth += 1
        hasMember.append(false)
    }

    private mutating func close(_ c: UInt8) {
        let had = hasMember.removeLast()
        depth -= 1
        // JSONEncoder prints an empty container as an empty line between the brackets.
        if !had { bytes.append(0x0A) }
        newline()
        bytes.append(c)
    }

    private mutating func member() {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        newline()
    }

    private mutating func newline() {
        bytes.append(0x0A)
        for _ in 0..<depth { bytes.append(0x20); bytes.append(0x20) }
    }

    /// Starts a member of the current object: `"key" : `.
    mutating func key(_ k: StaticString) {
        member()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        // One byte at a time: an array literal here would be allocated for every key.
        bytes.append(UInt8(ascii: "\""))
        bytes.append(0x20)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(0x20)
    }

    // MARK: Members (nil optionals are left out, as Codable's synthesized encoding does)

    mutating func field(_ k: StaticString, _ v: String?) {
        guard let v else { return }
        key(k)
        string(v)
    }

    mutating func field(_ k: StaticString, _ v: Int?) {
        guard let v else { return }
        key(k)
        int(v)
    }

    mutating func field(_ k: StaticString, _ v: Bool?) {
        guard let v else { return }
        key(k)
        raw(v ? "true" : "false")
    }

    mutating func field(_ k: StaticString, _ v: Double?) {
        guard let v else { return }
        key(k)
        double(v)
    }

    mutating func field(_ k: StaticString, _ v: FailCount?) {
        guard let v else { return }
        key(k)
        switch v {
        case .count(let n): int(n)
        case .infinity: string("INFINITY")
        }
    }

    mutating func field<R: RawRepresentable>(_ k: StaticString, _ v: R?) where R.RawValue == String {
        field(k, v?.rawValue)
    }

    mutating func field(_ k: StaticString, strings: [String]?) {
        guard let strings else { return }
        key(k)
        array(strings) { w, s in w.string(s) }
    }

    mutating func field(_ k: StaticString, date: Date) {
        key(k)
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tm = tm()
        gmtime_r(&t, &tm)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        string("\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))Z")
    }

    // MARK: Values

    mutating func int(_ n: Int) {
        if n >= 0 && n < 10 { bytes.append(UInt8(ascii: "0") + UInt8(n)); return }
        raw(String(n))
    }

    private mutating func raw(_ s: StaticString) { s.withUTF8Buffer { bytes.append(contentsOf: $0) } }
    private mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func double(_ d: Double) {
        if d == d.rounded(), abs(d) < 1e15 { int(Int(d)) } else { raw("\(d)") }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: s.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

// MARK: - The report and the model, keys in sorted order

extension JSONReport {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            if let error {
                w.key("error")
                w.object { w in
                    w.field("kind", error.kind)
                    w.field("message", error.message)
                }
            }
            w.field("generatedAt", date: generatedAt)
            w.key("health")
            w.object { w in
                // An error document keeps `health`, with level "unknown" (JSONReport.encode).
                if let health {
                    w.field("level", health.level)
                    w.field("reasons", strings: health.texts)
                } else {
                    w.field("level", "unknown")
                    w.field("reasons", strings: unknownReasons)
                }
            }
            w.key("layout")
            w.object { w in
                w.field("anchor", layout.anchor)
                w.field("chain", strings: layout.chain)
            }
            w.field("master", master)
            w.field("schema", schema)
            w.field("source", source)
            if let status {
                w.key("status")
                status.write(&w)
            }
            w.field("via", via)
        }
    }
}

extension ClusterStatus {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("apiVersion", apiVersion)
            w.key("bans")
            w.array(bans) { w, b in
                w.object { w in
                    w.field("id", b.id)
                    w.field("node", b.node)
                    w.field("promotedOnly", b.promotedOnly)
                    w.field("resource", b.resource)
                    w.field("weight", b.weight)
                }
            }
            if let cliConstraints {
                w.key("cliConstraints")
                w.array(cliConstraints) { w, c in
                    w.object { w in
                        w.field("expires", c.expires)
                        w.field("id", c.id)
                        w.field("kind", c.kind)
                        w.field("node", c.node)
                        w.field("resource", c.resource)
                        w.field("role", c.role)
                        w.field("score", c.score)
                    }
                }
            }
            w.field("clusterName", clusterName)
            w.key("failures")
            w.array(failures) { w, f in
                w.object { w in
                    w.field("call", f.call)
                    w.field("exitCode", f.exitCode)
                    w.field("exitReason", f.exitReason)
                    w.field("exitStatus", f.exitStatus)
                    w.field("intervalMs", f.intervalMs)
                    w.field("lastRCChange", f.lastRCChange)
                    w.field("node", f.node)
                    w.field("opKey", f.opKey)
                    w.field("resource", f.resource)
                    w.field("status", f.status)
                    w.field("task", f.task)
                }
            }
            w.field("format", format)
            w.key("history")
            w.array(history) { w, h in
                w.object { w in
                    w.field("node", h.node)
                    w.key("resources")
                    w.array(h.resources) { w, r in
                        w.object { w in
                            w.field("failCount", r.failCount)
                            w.field("id", r.id)
                            w.field("lastFailure", r.lastFailure)
                            w.field("migrationThreshold", r.migrationThreshold)
                            w.key("operations")
                            w.array(r.operations) { w, o in
                                w.object { w in
                                    w.field("call", o.call)
                                    w.field("execTimeMs", o.execTimeMs)
                                    w.field("intervalMs", o.intervalMs)
                                    w.field("lastRCChange", o.lastRCChange)
                                    w.field("lastRun", o.lastRun)
                                    w.field("queueTimeMs", o.queueTimeMs)
                                    w.field("rc", o.rc)
                                    w.field("rcText", o.rcText)
                                    w.field("task", o.task)
                                }
                            }
                            w.field("orphan", r.orphan)
                        }
                    }
                }
            }
            w.key("nodeAttributes")
            w.array(nodeAttributes) { w, a in
                w.object { w in
                    w.key("attributes")
                    w.array(a.attributes) { w, x in
                        w.object { w in
                            w.field("expected", x.expected)
                            w.field("name", x.name)
                            w.field("value", x.value)
                        }
                    }
                    w.field("node", a.node)
                }
            }
            w.field("nodeLossDetectionSeconds", nodeLossDetectionSeconds)
            w.key("nodes")
            w.array(nodes) { w, n in
                w.object { w in
                    w.field("container", n.container)
                    w.field("expectedUp", n.expectedUp)
                    w.field("health", n.health)
                    w.field("id", n.id)
                    w.field("isDC", n.isDC)
                    w.field("kind", n.kind)
                    w.field("maintenance", n.maintenance)
                    w.field("name", n.name)
                    w.field("online", n.online)
                    w.field("pending", n.pending)
                    w.field("resourcesRunning", n.resourcesRunning)
                    w.field("shutdown", n.shutdown)
                    w.field("standby", n.standby)
                    w.field("standbyOnFail", n.standbyOnFail)
                    w.field("unclean", n.unclean)
                }
            }
            w.key("resources")
            w.array(resources) { w, r in r.write(&w) }
            w.key("summary")
            summary.write(&w)
            w.key("tickets")
            w.array(tickets) { w, t in
                w.object { w in
                    w.field("granted", t.granted)
                    w.field("id", t.id)
                    w.field("lastGranted", t.lastGranted)
                    w.field("standby", t.standby)
                }
            }
        }
    }
}

extension ClusterSummary {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("dc", dc)
            w.field("dcVersion", dcVersion)
            w.field("lastChange", lastChange)
            w.field("lastChangeClient", lastChangeClient)
            w.field("lastChangeOrigin", lastChangeOrigin)
            w.field("lastChangeUser", lastChangeUser)
            w.field("lastUpdate", lastUpdate)
            w.field("maintenanceMode", maintenanceMode)
            w.field("noQuorumPolicy", noQuorumPolicy)
            w.field("nodesConfigured", nodesConfigured)
            w.field("pacemakerdState", pacemakerdState)
            w.field("quorum", quorum)
            w.field("resourcesBlocked", resourcesBlocked)
            w.field("resourcesConfigured", resourcesConfigured)
            w.field("resourcesDisabled", resourcesDisabled)
            w.field("stack", stack)
            w.field("stonithEnabled", stonithEnabled)
            w.field("stopAllResources", stopAllResources)
            w.field("symmetricCluster", symmetricCluster)
        }
    }
}

extension Resource {
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("active", active)
            w.field("agent", agent)
            w.field("blocked", blocked)
            w.field("bundleType", bundleType)
            w.key("children")
            w.array(children) { w, c in c.write(&w) }
            w.field("description", description)
            w.field("disabled", disabled)
            w.field("failed", failed)
            w.field("failureIgnored", failureIgnored)
            w.field("id", id)
            w.field("image", image)
            w.field("kind", kind)
            w.field("lockedTo", lockedTo)
            w.field("maintenance", maintenance)
            w.field("managed", managed)
            w.key("nodes")
            w.array(nodes) { w, n in w.string(n) }
            w.field("orphaned", orphaned)
            w.field("pending", pending)
            w.field("role", role?.description)
            w.field("targetRole", targetRole)
            w.field("unique", unique)
        }
    }
}
