import FoundationEssentials
import PacetopBase

/// Why a crm_mon document could not become a ClusterStatus. Each case names what was wrong.
public enum CrmMonError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case malformedXML(line: Int, column: Int, String)
    /// Well-formed XML, but not a crm_mon document (the root element's name).
    case notCrmMon(root: String)
    /// crm_mon reported an error (`<status code>` with `<errors>`); rc 102 = not connected.
    case crmMonFailed(code: Int?, message: String?, errors: [String])
    /// crm_mon 2.1.6+ `<crm-mon-disconnected>`.
    case disconnected(String)
    /// A document with no `<summary>`: crm_mon could not read the CIB.
    case noSummary
    /// A required attribute is missing or unusable.
    case invalid(element: String, attribute: String, value: String?)

    /// What was wrong with the document, in words for the user.
    public var description: String {
        switch self {
        case .empty:
            "crm_mon printed nothing"
        case .malformedXML(let line, let column, let msg):
            line > 0 ? "malformed crm_mon XML at line \(line), column \(column): \(msg)"
                : "malformed crm_mon XML: \(msg)"
        case .notCrmMon(let root):
            "not crm_mon output: the document's root is <\(root)>, expected <pacemaker-result> or <crm_mon>"
        case .crmMonFailed(let code, let message, let errors):
            "crm_mon failed" + (code.flatMap { $0 == 0 ? nil : " (code \($0)\(message.map { " \($0)" } ?? ""))" } ?? "")
                + (errors.isEmpty ? "" : ": " + errors.joined(separator: "; "))
        case .disconnected(let d):
            "crm_mon is not connected to the cluster: \(d)"
        case .noSummary:
            "crm_mon output has no <summary>: the cluster status could not be read"
        case .invalid(let element, let attribute, let value):
            "crm_mon output has <\(element)> with " + (value.map { "a bad \(attribute)=\($0.debugDescription)" }
                ?? "no \(attribute)")
        }
    }
}

/// crm_mon XML → ClusterStatus, for `<pacemaker-result>` (api 2.0–2.42) and legacy `<crm_mon>`.
/// Unknown elements and attributes are ignored; missing required ones are errors.
public enum CrmMonParser {
    /// Parses a crm_mon XML document held in memory.
    public static func parse(_ data: Data) throws(CrmMonError) -> ClusterStatus {
        do {
            return try data.withUnsafeBytes { buf in try parse(bytes: buf) }
        } catch let e as CrmMonError {
            throw e
        } catch {
            throw .malformedXML(line: 0, column: 0, "\(error)")
        }
    }

    /// Parses crm_mon XML given as text (tests and demo documents).
    public static func parse(_ text: String) throws(CrmMonError) -> ClusterStatus {
        try parse(Data(text.utf8))
    }

    /// Parses crm_mon XML straight from a buffer; whitespace-only input is `.empty`.
    public static func parse(bytes: UnsafeRawBufferPointer) throws(CrmMonError) -> ClusterStatus {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { throw .empty }
        let doc = try XMLTree(bytes: bytes)
        // Elements point into the tree: keep it until the model is built.
        defer { withExtendedLifetime(doc) {} }
        guard let root = doc.root else { throw .empty }
        let format: DocumentFormat
        let version: String
        if root.isNamed("pacemaker-result") {
            format = .pacemakerResult
            version = root["api-version"] ?? ""
        } else if root.isNamed("crm_mon") {
            format = .legacy
            version = root["version"] ?? ""
        } else {
            throw .notCrmMon(root: root.name)
        }
        return try build(root, format: format, version: version)
    }

    private static func build(_ root: XMLTree.Element, format: DocumentFormat, version: String) throws(CrmMonError) -> ClusterStatus {
        var summaryEl: XMLTree.Element?
        var status = ClusterStatus(format: format, apiVersion: version)
        var statusEl: XMLTree.Element?
        for el in root.children {
            if el.isNamed("summary") { summaryEl = el }
            else if el.isNamed("status") { statusEl = el }
            else if el.isNamed("crm-mon-disconnected") {
                throw .disconnected(el["description"] ?? el["pacemakerd-state"] ?? "no details")
            } else if el.isNamed("pacemakerd") {
                status.summary.pacemakerdState = el["state"]
            }
        }
        // Errors win over content: 2.1.5 exits 0 with only <errors> when the CIB is unreadable.
        if let statusEl {
            let code = statusEl.int("code")
            let errors = statusEl.child("errors")?.children("error").map(\.text) ?? []
            if (code ?? 0) != 0 || !errors.isEmpty {
                throw .crmMonFailed(code: code, message: statusEl["message"], errors: errors)
            }
        }
        guard let summaryEl else { throw .noSummary }
        status.summary = try summary(summaryEl, pacemakerd: status.summary.pacemakerdState)
        var nodesEl: XMLTree.Element?
        for el in root.children {
            if el.isNamed("nodes") {
                status.nodes = try el.children("node").map(node)
                nodesEl = el
            } else if el.isNamed("resources") {
                status.resources = try resources(in: el)
            } else if el.isNamed("node_attributes") {
                status.nodeAttributes = try el.children("node").map(nodeAttributes)
            } else if el.isNamed("node_history") {
                status.history = try el.children("node").map(nodeHistory)
            } else if el.isNamed("failures") {
                status.failures = try el.children("failure").map(failure)
            } else if el.isNamed("bans") {
                status.bans = try el.children("ban").map(ban)
            } else if el.isNamed("tickets") {
                status.tickets = try el.children("ticket").map(ticket)
            }
        }
        if let nodesEl {
            status.resources = try nodeListedResources(nodesEl, missingFrom: status.resources) + status.resources
        }
        for i in status.failures.indices where status.failures[i].opKey == "id" {
            resolveLiteralID(&status.failures[i], history: status.history)
        }
        return status
    }

    /// With `--group-by-node` (2.x `--output-as=xml` and 1.1 `--as-xml` alike) crm_mon lists
    /// fully active resources only under `<nodes><node>`, flat, and leaves them out of
    /// `<resources>`. Keep those the tree lacks, as top-level primitives on that node (their
    /// group or clone parents are not in the output).
    private static func nodeListedResources(_ nodes: XMLTree.Element, missingFrom tree: [Resource]) throws(CrmMonError) -> [Resource] {
        // Built on the first resource listed under a node: without --group-by-node there is none.
        var located: Set<[String]>?
        func locate() -> Set<[String]> {
            var out = Set<[String]>()
            func visit(_ r: Resource) {
                if r.kind == .primitive { for n in r.nodes { out.insert([n, r.id]) } }
                r.children.forEach(visit)
            }
            tree.forEach(visit)
            return out
        }
        var out: [Resource] = []
        for n in nodes.children("node") {
            let name = try required(n, "name")
            for el in n.children("resource") {
                if located == nil { located = locate() }
                guard var r = try resource(el), located?.contains([name, r.id]) != true else { continue }
                r.nodes = [name]
                out.append(r)
            }
        }
        return out
    }

    /// 2.0.x writes `<failure id="id">` (the literal) when the CIB op has no operation_key;
    /// 2.1 writes the real key. The history operation on the same node with the same call
    /// and rc names the resource, so the key can be rebuilt as 2.1 and the text show it.
    private static func resolveLiteralID(_ f: inout FailedAction, history: [NodeHistory]) {
        guard let call = f.call else { return }
        var found: [(resource: String, op: Operation)] = []
        for h in history where h.node == f.node {
            for r in h.resources {
                for op in r.operations where op.call == call && op.rc == f.exitCode
                    && (f.task == nil || f.task == op.task) {
                    found.append((r.id, op))
                }
            }
        }
        guard found.count == 1, let (resource, op) = found.first else { return }
        f.resource = resource
        f.task = op.task
        f.intervalMs = op.intervalMs
        f.opKey = "\(resource)_\(op.task)_\(op.intervalMs)"
    }

    private static func required(_ el: XMLTree.Element, _ attr: StaticString) throws(CrmMonError) -> String {
        guard let v = el[attr], !v.isEmpty else {
            throw .invalid(element: el.name, attribute: "\(attr)", value: nil)
        }
        return v
    }

    private static func summary(_ el: XMLTree.Element, pacemakerd: String?) throws(CrmMonError) -> ClusterSummary {
        var s = ClusterSummary(pacemakerdState: pacemakerd)
        for c in el.children {
            if c.isNamed("stack") {
                s.stack = c["type"]
                if let st = c["pacemakerd-state"] { s.pacemakerdState = st }
            } else if c.isNamed("current_dc") {
                if c.bool("present") {
                    s.dc = c["name"]
                    s.dcVersion = c["version"].flatMap { $0.isEmpty ? nil : $0 }
                    s.quorum = c.bool("with_quorum")
                }
            } else if c.isNamed("last_update") {
                s.lastUpdate = c["time"]
            } else if c.isNamed("last_change") {
                s.lastChange = c["time"]
                s.lastChangeUser = c["user"]
                s.lastChangeClient = c["client"]
                s.lastChangeOrigin = c["origin"]
            } else if c.isNamed("nodes_configured") {
                s.nodesConfigured = c.int("number")
            } else if c.isNamed("resources_configured") {
                s.resourcesConfigured = c.int("number")
                s.resourcesDisabled = c.int("disabled")
                s.resourcesBlocked = c.int("blocked")
            } else if c.isNamed("cluster_options") {
                s.maintenanceMode = c.bool("maintenance-mode")
                s.stopAllResources = c.bool("stop-all-resources")
                s.noQuorumPolicy = c["no-quorum-policy"]
                if c["fencing-enabled"] != nil { s.stonithEnabled = c.bool("fencing-enabled") }
                else if c["stonith-enabled"] != nil { s.stonithEnabled = c.bool("stonith-enabled") }
                if c["symmetric-cluster"] != nil { s.symmetricCluster = c.bool("symmetric-cluster") }
            }
        }
        return s
    }

    private static func node(_ el: XMLTree.Element) throws(CrmMonError) -> Node {
        let name = try required(el, "name")
        let kind: Node.Kind
        let container = el["id_as_resource"] ?? el["container_id"]
        switch el["type"] {
        case "remote": kind = container == nil ? .remote : .guest
        case "ping": kind = .ping
        case "member", nil: kind = .member
        default: kind = .unknown
        }
        return Node(
            name: name, id: el["id"], kind: kind, online: el.bool("online"),
            standby: el.bool("standby"), standbyOnFail: el.bool("standby_onfail"),
            maintenance: el.bool("maintenance"), pending: el.bool("pending"),
            unclean: el.bool("unclean"), shutdown: el.bool("shutdown"),
            expectedUp: el.bool("expected_up"), isDC: el.bool("is_dc"),
            resourcesRunning: el.int("resources_running") ?? 0,
            health: el["health"].flatMap(Node.Health.init(rawValue:)), container: container)
    }

    private static func resources(in el: XMLTree.Element) throws(CrmMonError) -> [Resource] {
        var out: [Resource] = []
        for c in el.children {
            if let r = try resource(c) { out.append(r) }
        }
        return out
    }

    /// One element of the resource tree; nil for elements this version does not know.
    private static func resource(_ el: XMLTree.Element) throws(CrmMonError) -> Resource? {
        if el.isNamed("resource") {
            let id = try required(el, "id")
            return Resource(
                id: id, kind: .primitive, agent: el["resource_agent"].map(normaliseAgent),
                role: el["role"].map(ResourceRole.init), targetRole: el["target_role"],
                active: el.bool("active"), orphaned: el.bool("orphaned") || el.bool("removed"),
                blocked: el.bool("blocked"), managed: el.bool("managed", default: true),
                failed: el.bool("failed"), failureIgnored: el.bool("failure_ignored"),
                maintenance: el.bool("maintenance"), pending: el["pending"],
                lockedTo: el["locked_to"], description: el["description"],
                nodes: try el.children("node").map { n throws(CrmMonError) in try required(n, "name") })
        }
        let kind: Resource.Kind
        if el.isNamed("group") { kind = .group }
        else if el.isNamed("clone") { kind = el.bool("multi_state") ? .promotable : .clone }
        else if el.isNamed("bundle") { kind = .bundle }
        else if el.isNamed("replica") { kind = .replica }
        else { return nil }
        let id = try required(el, "id")
        let children = try resources(in: el)
        let active = children.contains { $0.active }
        return Resource(
            id: id, kind: kind, targetRole: el["target_role"], active: active,
            managed: el.bool("managed", default: true), failed: el.bool("failed"),
            failureIgnored: el.bool("failure_ignored"), maintenance: el.bool("maintenance"),
            disabled: el.bool("disabled"), description: el["description"], children: children,
            unique: el.bool("unique"), bundleType: el["type"], image: el["image"])
    }

    /// `ocf::heartbeat:IPaddr2` (1.1/2.0) → `ocf:heartbeat:IPaddr2` (2.1+).
    static func normaliseAgent(_ a: String) -> String {
        // Most agents have no "::": look for it byte by byte (String's `contains` of a String
        // is a generic search, 3 % of `--json` on 2,000 resources) and skip the replace.
        var previous: UInt8 = 0
        for b in a.utf8 {
            if b == UInt8(ascii: ":") && previous == b { return a.replacing("::", with: ":") }
            previous = b
        }
        return a
    }

    private static func nodeAttributes(_ el: XMLTree.Element) throws(CrmMonError) -> NodeAttributes {
        NodeAttributes(node: try required(el, "name"), attributes: try el.children("attribute").map { a throws(CrmMonError) in
            NodeAttributes.Attribute(name: try required(a, "name"), value: a["value"] ?? "",
                                     expected: a["expected"])
        })
    }

    private static func nodeHistory(_ el: XMLTree.Element) throws(CrmMonError) -> NodeHistory {
        NodeHistory(node: try required(el, "name"), resources: try el.children("resource_history").map { r throws(CrmMonError) in
            ResourceHistory(
                id: try required(r, "id"), orphan: r.bool("orphan") || r.bool("removed"),
                migrationThreshold: r["migration-threshold"],
                failCount: r["fail-count"].flatMap(FailCount.init), lastFailure: r["last-failure"],
                operations: try r.children("operation_history").map { o throws(CrmMonError) in
                    Operation(
                        call: o.int("call"), task: try required(o, "task"),
                        intervalMs: o.milliseconds("interval") ?? 0,
                        lastRCChange: o["last-rc-change"], lastRun: o["last-run"],
                        execTimeMs: o.milliseconds("exec-time"),
                        queueTimeMs: o.milliseconds("queue-time"), rc: o.int("rc"),
                        rcText: o["rc_text"])
                })
        })
    }

    private static func failure(_ el: XMLTree.Element) throws(CrmMonError) -> FailedAction {
        // 2.0.3 wrote id="id" when there was no op key; both spellings exist.
        let key = el["op_key"] ?? el["id"] ?? ""
        guard let code = el.int("exitcode") ?? el.int("rc") else {
            throw .invalid(element: "failure", attribute: "exitcode", value: el["exitcode"])
        }
        let parts = splitOpKey(key)
        let reason = el["exitreason"].flatMap { $0.isEmpty || $0 == "none" ? nil : $0 }
        return FailedAction(
            opKey: key, resource: parts.resource, task: el["task"] ?? parts.task,
            intervalMs: el.int("interval") ?? parts.interval, node: el["node"] ?? "",
            exitCode: code, exitStatus: el["exitstatus"], exitReason: reason,
            call: el.int("call"), status: el["status"], lastRCChange: el["last-rc-change"])
    }

    /// `pbx_monitor_10000` → (pbx, monitor, 10000); ids may themselves contain underscores.
    static func splitOpKey(_ key: String) -> (resource: String, task: String?, interval: Int?) {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count >= 3, let interval = Int(parts[parts.count - 1]) else {
            return (key, nil, nil)
        }
        let task = String(parts[parts.count - 2])
        // Migration ops are migrate_to / migrate_from: their task has an underscore too.
        if parts.count >= 4, parts[parts.count - 3] == "migrate", task == "to" || task == "from" {
            return (parts[..<(parts.count - 3)].joined(separator: "_"), "migrate_\(task)", interval)
        }
        return (parts[..<(parts.count - 2)].joined(separator: "_"), task, interval)
    }

    private static func ban(_ el: XMLTree.Element) throws(CrmMonError) -> Ban {
        Ban(id: try required(el, "id"), resource: try required(el, "resource"),
            node: try required(el, "node"), weight: el.int("weight"),
            promotedOnly: el.bool("promoted-only") || el.bool("master_only"))
    }

    private static func ticket(_ el: XMLTree.Element) throws(CrmMonError) -> Ticket {
        Ticket(id: try required(el, "id"),
               granted: el["status"].map { $0 == "granted" }, standby: el["standby"].map { $0 == "true" },
               lastGranted: el["last-granted"])
    }
}
