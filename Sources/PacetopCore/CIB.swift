import FoundationEssentials
import PacetopBase

/// What pacetop reads from the CIB's configuration that crm_mon does not show: the move/ban
/// constraints left by `crm_resource --move/--ban`, and the cluster's name.
public struct CIBConfiguration: Sendable, Equatable {
    public var cliConstraints: [LocationConstraint]
    public var clusterName: String?

    public init(cliConstraints: [LocationConstraint] = [], clusterName: String? = nil) {
        self.cliConstraints = cliConstraints
        self.clusterName = clusterName
    }

    /// Parses `cibadmin --query --scope configuration` (or `--scope constraints`, or a whole
    /// CIB). A `--lifetime` constraint names its node in a `#uname eq NODE` rule expression and
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

/// The failure-detection timeouts of `/etc/corosync/corosync.conf`.
public enum CorosyncConfig {
    /// token + consensus in seconds, with Corosync 3's defaults for what the file leaves out
    /// (token 3000 ms plus token_coefficient 650 ms per node beyond two; consensus 1.2 × token).
    public static func detectionSeconds(_ text: String, nodes: Int) -> Double {
        var token: Double?, coefficient: Double?, consensus: Double?
        var inTotem = false, depth = 0
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingWhitespace() } ?? ""
            if line.hasSuffix("{") {
                depth += 1
                if depth == 1 { inTotem = line.hasPrefix("totem") }
                continue
            }
            if line == "}" { depth -= 1; if depth == 0 { inTotem = false }; continue }
            guard inTotem, depth == 1 else { continue }
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard kv.count == 2, let v = Double(kv[1]) else { continue }
            switch kv[0] {
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
}
