import FoundationEssentials
import PacetopBase

/// What pacetop reads from the CIB's configuration that crm_mon does not show: the move/ban
/// constraints left by `crm_resource --move/--ban`, and the cluster's name.
public struct CIBConfiguration: Sendable, Equatable {
    /// The `cli-prefer-*` and `cli-ban-*` location constraints, including expired lifetime ones.
    public var cliConstraints: [LocationConstraint]
    /// The `cluster-name` cluster property; nil when it is not set.
    public var clusterName: String?

    /// A configuration with the given constraints and name.
    public init(cliConstraints: [LocationConstraint] = [], clusterName: String? = nil) {
        self.cliConstraints = cliConstraints
        self.clusterName = clusterName
    }

    /// Parses `cibadmin --query --scope constraints` (or a configuration section, or a whole
    /// CIB, as in tests and files). A `--lifetime` constraint names its node in a `#uname eq NODE` rule expression and
    /// its end in a `date_expression`.
    public static func parse(_ data: Data) throws(CrmMonError) -> CIBConfiguration {
        let doc: XMLDocument
        do { doc = try data.withUnsafeBytes { try XMLDocument(bytes: $0) } }
        catch let e as CrmMonError { throw e }
        catch { throw .malformedXML(line: 0, column: 0, "\(error)") }
        var out = CIBConfiguration()
        guard let root = doc.root else { return out }
        var stack = [root]
        while let el = stack.popLast() {
            if el.isNamed("rsc_location") {
                if let c = constraint(el) { out.cliConstraints.append(c) }
                continue
            }
            if el.isNamed("nvpair"), el["name"] == "cluster-name", let v = el["value"], !v.isEmpty {
                out.clusterName = v
            }
            stack.append(contentsOf: el.children.reversed())
        }
        return out
    }

    /// `crm_attribute --query --quiet` prints the value alone; nil when there is none.
    public static func clusterName(fromQuiet text: String) -> String? {
        let v = text.trimmingWhitespaceAndNewlines()
        return v.isEmpty || v.contains("\n") ? nil : v
    }

    private static func constraint(_ el: XMLElement) -> LocationConstraint? {
        guard let id = el["id"], id.hasPrefix("cli-"), let rsc = el["rsc"] else { return nil }
        var c = LocationConstraint(id: id, kind: id.hasPrefix("cli-ban-") ? .ban : .prefer, resource: rsc,
                                   node: el["node"], score: el["score"], role: el["role"])
        var stack = Array(el.children)
        while let e = stack.popLast() {
            if e.isNamed("rule") {
                if c.score == nil { c.score = e["score"] }
            } else if e.isNamed("expression"), e["attribute"] == "#uname", e["operation"] == "eq" {
                c.node = e["value"]
            } else if e.isNamed("date_expression"), let end = e["end"] {
                c.expires = end
            }
            stack.append(contentsOf: e.children)
        }
        if c.score?.hasPrefix("-") == true { c.kind = .ban }
        return c
    }
}

/// What pacetop reads from `/etc/corosync/corosync.conf`: the failure-detection timeouts,
/// the cluster's name, and the nodelist (how to reach the other nodes). One reader serves all.
public enum CorosyncConfig {
    /// One `key: value` line, with the sections it is in (["nodelist", "node"]) and the
    /// number of the innermost section occurrence (two `node {}` blocks differ in `block`).
    public struct Setting: Sendable, Equatable {
        /// Enclosing sections, outermost first.
        public var sections: [String]
        /// Which occurrence of the innermost section this line is in.
        public var block: Int
        /// The key, as written.
        public var key: String
        /// The value, trimmed.
        public var value: String
    }

    /// The file's settings in order; comments and lines that are not `key: value` are dropped.
    public static func settings(_ text: String) -> [Setting] {
        var out: [Setting] = []
        var path: [(name: String, block: Int)] = []
        var blocks = 0
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingWhitespace() } ?? ""
            if line.hasSuffix("{") {
                blocks += 1
                path.append((String(line.dropLast()).trimmingWhitespace(), blocks))
                continue
            }
            if line == "}" { _ = path.popLast(); continue }
            // The first colon only: an IPv6 ring address has more.
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard kv.count == 2, !kv[0].isEmpty else { continue }
            out.append(Setting(sections: path.map(\.name), block: path.last?.block ?? 0, key: kv[0], value: kv[1]))
        }
        return out
    }

    /// token + consensus in seconds, with Corosync 3's defaults for what the file leaves out
    /// (token 3000 ms plus token_coefficient 650 ms per node beyond two; consensus 1.2 × token).
    public static func detectionSeconds(_ text: String, nodes: Int) -> Double {
        var token: Double?, coefficient: Double?, consensus: Double?
        for s in settings(text) where s.sections == ["totem"] {
            guard let v = Double(s.value) else { continue }
            switch s.key {
            case "token": token = v
            case "token_coefficient": coefficient = v
            case "consensus": consensus = v
            default: break
            }
        }
        // Corosync adds the coefficient per node beyond two, whether or not token is set.
        let t = (token ?? 3000) + (coefficient ?? 650) * Double(max(0, nodes - 2))
        return (t + (consensus ?? 1.2 * t)) / 1000
    }

    /// `totem { cluster_name }`.
    public static func clusterName(_ text: String) -> String? {
        settings(text).first { $0.sections == ["totem"] && $0.key == "cluster_name" && !$0.value.isEmpty }?.value
    }

    /// The `nodelist { node { … } }` entries, in file order.
    public static func nodelist(_ text: String) -> [CorosyncNode] {
        var byBlock: [Int: [String: String]] = [:]
        var order: [Int] = []
        for s in settings(text) where s.sections == ["nodelist", "node"] {
            if byBlock[s.block] == nil { order.append(s.block) }
            byBlock[s.block, default: [:]][s.key] = s.value
        }
        return order.compactMap { byBlock[$0].map(CorosyncNode.init(fields:)) }
    }

    /// `corosync-cmapctl` output: the `nodelist.node.N.*` keys, and for members not in a
    /// nodelist, `runtime.members.ID.ip (str) = r(0) ip(ADDR) r(1) ip(ADDR)`.
    public static func cmapNodes(_ text: String) -> [CorosyncNode] {
        var listed: [String: [String: String]] = [:]
        var runtime: [(id: String, addresses: [String])] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let parts = raw.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            // "nodelist.node.0.ring0_addr (str) " → key path; the value as it is.
            let key = parts[0].split(separator: " ").first.map(String.init) ?? ""
            let value = parts[1].trimmingWhitespace()
            let path = key.split(separator: ".").map(String.init)
            if path.count == 4, path[0] == "nodelist", path[1] == "node" {
                listed[path[2], default: [:]][path[3]] = value
            } else if path.count == 4, path[0] == "runtime", path[1] == "members", path[3] == "ip" {
                let addresses = value.matches(of: /ip\(([^)]*)\)/).map { String($0.1) }
                runtime.append((path[2], addresses))
            }
        }
        var nodes = listed.keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.compactMap { listed[$0].map(CorosyncNode.init(fields:)) }
        for r in runtime where !nodes.contains(where: { $0.nodeid == r.id }) {
            nodes.append(CorosyncNode(name: nil, nodeid: r.id, addresses: r.addresses))
        }
        return nodes
    }

    /// `crm_node -l`: "ID NAME STATE" per line (Pacemaker 1.1 with CMAN, too): names and ids,
    /// no addresses.
    public static func crmNodeList(_ text: String) -> [CorosyncNode] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 2, Int(f[0]) != nil else { return nil }
            return CorosyncNode(name: String(f[1]), nodeid: String(f[0]), addresses: [])
        }
    }
}

/// One node of Corosync's nodelist.
public struct CorosyncNode: Sendable, Equatable, Codable {
    /// Its `name`, which Pacemaker uses as the node name.
    public var name: String?
    /// Its `nodeid`.
    public var nodeid: String?
    /// ring0_addr, ring1_addr, … in ring order.
    public var addresses: [String]

    /// A nodelist entry as read.
    public init(name: String?, nodeid: String?, addresses: [String]) {
        self.name = name
        self.nodeid = nodeid
        self.addresses = addresses
    }

    init(fields: [String: String]) {
        let rings = fields.compactMap { k, v -> (Int, String)? in
            guard let m = k.wholeMatch(of: /ring([0-9]+)_addr/), let n = Int(m.1), !v.isEmpty else { return nil }
            return (n, v)
        }
        self.init(name: fields["name"].flatMap { $0.isEmpty ? nil : $0 }, nodeid: fields["nodeid"],
                  addresses: rings.sorted { $0.0 < $1.0 }.map(\.1))
    }

    /// Whether this entry is crm_mon's node `name` (id `id`): by name, by node id, or — without
    /// a name — by its ring0 address, which Pacemaker then uses as the node's name.
    public func isNode(_ name: String, id: String?) -> Bool {
        if let own = self.name { return own == name }
        if let id, let nodeid, id == nodeid { return true }
        return addresses.first == name
    }
}
