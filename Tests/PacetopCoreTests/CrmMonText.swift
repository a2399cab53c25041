import Foundation

/// A deliberately small, strict reader of crm_mon's *text* output (`crm_mon -1 -r -n`,
/// grouped by node) as printed by Pacemaker 2.0.5 and 2.1.5. It reads only the
/// `Node List:` and `Inactive Resources:` sections and records every line it does not
/// understand, so a format it was not written for shows up as a test failure rather than
/// as silently missing data.
///
/// ```
/// Node List:
///   * Node node1: UNCLEAN (offline):          ← 2.0.5 may print it without "* "
///     * Resources:
///       * rsc2	(ocf:pacemaker:Stateful):	 Promoted
///   * GuestNode pgsr01@bl460g8n3: online:    ← 2.0.5 appends "@<host of the container>"
/// Inactive Resources:
///   * Clone Set: rsc2-master [rsc2] (promotable):
///   * Resource Group: grp (disabled):
///   * Container bundle set: httpd-bundle [pcmktest:http] (unique):   ← "Container bundle:" if not unique
///   * rsc3	(ocf:pacemaker:Dummy):	 Stopped
///   * No inactive resources
/// ```
struct CrmMonText {
    struct NodeEntry: Equatable {
        /// `Node`, `RemoteNode` or `GuestNode`.
        var kind: String
        var name: String
        /// 2.0.5 only: the host after `@` in `GuestNode name@host`.
        var host: String?
        /// The state words between the name and the final colon, e.g. `UNCLEAN (offline)`.
        var state: String
        /// Resource ids listed under the node, in order.
        var resources: [String] = []
        /// The same lines in full: id, agent and the state words.
        var lines: [ResourceLine] = []
    }

    /// `      * rsc1\t(ocf:pacemaker:Dummy):\t ORPHANED FAILED Promoted (unmanaged, blocked) descr`
    struct ResourceLine: Equatable {
        var id: String
        var agent: String
        var orphaned = false
        var failed = false
        /// The role word as printed (Master/Slave in 2.0.5), nil after a bare `FAILED`.
        var role: String?
        var flags: [String] = []
        /// Whatever follows (the resource's description).
        var rest = ""
    }

    static let roleWords: Set<Substring> = ["Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave",
                                            "Starting", "Stopping", "Migrating", "Promoting", "Demoting"]

    /// Parses one resource line's body (after `* `); nil when it is not one.
    static func resourceLine(_ body: Substring) -> ResourceLine? {
        guard let tab = body.firstIndex(of: "\t"), body[tab...].hasPrefix("\t("),
              let close = body[tab...].range(of: "):\t") else { return nil }
        var line = ResourceLine(id: String(body[..<tab]),
                                agent: String(body[body.index(tab, offsetBy: 2)..<close.lowerBound]))
        var st = body[close.upperBound...].drop { $0 == " " }
        if st.hasPrefix("ORPHANED ") { line.orphaned = true; st = st.dropFirst(9) }
        if st.hasPrefix("FAILED") { line.failed = true; st = st.dropFirst(6).drop { $0 == " " } }
        let word = st.prefix { $0 != " " }
        if roleWords.contains(word) { line.role = String(word); st = st.dropFirst(word.count).drop { $0 == " " } }
        if st.hasPrefix("("), let end = st.firstIndex(of: ")") {
            line.flags = st[st.index(after: st.startIndex)..<end].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            st = st[st.index(after: end)...].drop { $0 == " " }
        }
        line.rest = String(st)
        return line
    }

    var nodes: [NodeEntry] = []
    /// Ids of the top-level entries of `Inactive Resources:` (primitive, group, clone or bundle).
    var inactive: [String] = []
    /// Whether the section said `No inactive resources`.
    var saidNoInactive = false
    /// Lines inside the two sections that this reader did not understand.
    var unknownLines: [String] = []
    /// `Cluster Summary:` items (the text after `  * `), and any other line of that section
    /// (the maintenance and stop-all banners), trimmed.
    var summary: [String] = []
    var summaryNotes: [String] = []
    var sawNodeList = false
    var sawInactive = false

    init(_ text: String) {
        enum Section { case other, summary, nodes, inactive }
        var section = Section.other
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.isEmpty { continue }
            if line.first != " " {
                // A section header at column 0.
                switch line {
                case "Cluster Summary:": section = .summary
                case "Node List:": section = .nodes; sawNodeList = true
                case "Inactive Resources:": section = .inactive; sawInactive = true
                default: section = .other
                }
                continue
            }
            switch section {
            case .other: continue
            case .summary:
                if line.hasPrefix("  * ") { summary.append(String(line.dropFirst(4))) }
                else { summaryNotes.append(line.trimmingCharacters(in: .whitespaces)) }
            case .nodes: readNodeListLine(line)
            case .inactive: readInactiveLine(line)
            }
        }
    }

    static let nodeKinds = ["Node", "RemoteNode", "GuestNode"]

    private mutating func readNodeListLine(_ line: String) {
        let indent = line.prefix { $0 == " " }.count
        var body = Substring(line.dropFirst(indent))
        let bulleted = body.hasPrefix("* ")
        if bulleted { body = body.dropFirst(2) }
        // A node header: indent 2, "<Kind> <name>: <state>:".
        if indent == 2, let kind = Self.nodeKinds.first(where: { body.hasPrefix($0 + " ") }),
           body.hasSuffix(":") {
            let rest = body.dropFirst(kind.count + 1).dropLast()
            guard let colon = rest.range(of: ": ") else { unknownLines.append(line); return }
            var name = String(rest[..<colon.lowerBound])
            var host: String?
            if kind == "GuestNode", let at = name.firstIndex(of: "@") {
                host = String(name[name.index(after: at)...])
                name = String(name[..<at])
            }
            nodes.append(NodeEntry(kind: kind, name: name, host: host, state: String(rest[colon.upperBound...])))
            return
        }
        if indent == 4, body == "Resources:", !nodes.isEmpty { return }
        // A resource under the node: indent 6, "<id>\t(<agent>):\t <state>".
        if indent == 6, bulleted, !nodes.isEmpty, let r = Self.resourceLine(body) {
            nodes[nodes.count - 1].resources.append(r.id)
            nodes[nodes.count - 1].lines.append(r)
            return
        }
        unknownLines.append(line)
    }

    private mutating func readInactiveLine(_ line: String) {
        let indent = line.prefix { $0 == " " }.count
        // Members of collections (deeper lines) do not matter here.
        guard indent == 2 else { return }
        guard line.dropFirst(2).hasPrefix("* ") else { unknownLines.append(line); return }
        let body = line.dropFirst(4)
        if body == "No inactive resources" { saidNoInactive = true; return }
        for header in ["Clone Set: ", "Container bundle set: ", "Container bundle: ", "Resource Group: "] where body.hasPrefix(header) {
            // "<id> [...] (...):", "<id> (...):" or "<id>:"
            var id = body.dropFirst(header.count).prefix { $0 != " " }
            if id.hasSuffix(":") && body.hasSuffix(id) { id = id.dropLast() }
            inactive.append(String(id))
            return
        }
        if let tab = body.firstIndex(of: "\t"), body[tab...].hasPrefix("\t(") {
            inactive.append(String(body[..<tab]))
            return
        }
        unknownLines.append(line)
    }
}
