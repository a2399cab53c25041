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

    /// A failed action as 2.1.5 prints it: `dummy-2 probe on cluster02 returned '…' …`,
    /// `A 20s-interval monitor on n1 returned …`, `rsc1 stop on node2 could not be executed`.
    /// Gives resource, task, interval (ms) and node.
    static func failedAction215(_ text: String) -> (resource: String, task: String, intervalMs: Int, node: String)? {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard words.count >= 4, let on = words.firstIndex(of: "on"), on >= 2, on + 1 < words.count else { return nil }
        let resource = words[0]
        var task = words[1..<on].joined(separator: " ")
        var interval = 0
        if task == "probe" { task = "monitor" }
        else if task.hasSuffix(" monitor"), let dash = task.range(of: "-interval ") {
            guard let ms = readableInterval(String(task[..<dash.lowerBound])) else { return nil }
            interval = ms
            task = "monitor"
        }
        return (resource, task, interval, words[on + 1])
    }

    /// `20s`, `1m30s`, `500ms`, `2h` → milliseconds.
    static func readableInterval(_ s: String) -> Int? {
        var total = 0, number = 0, digits = 0
        var rest = Substring(s)
        while let c = rest.first {
            if let d = c.wholeNumberValue { number = number * 10 + d; digits += 1; rest = rest.dropFirst(); continue }
            guard digits > 0 else { return nil }
            let unit: Int
            if rest.hasPrefix("ms") { unit = 1; rest = rest.dropFirst(2) }
            else if rest.hasPrefix("s") { unit = 1_000; rest = rest.dropFirst() }
            else if rest.hasPrefix("m") { unit = 60_000; rest = rest.dropFirst() }
            else if rest.hasPrefix("h") { unit = 3_600_000; rest = rest.dropFirst() }
            else { return nil }
            total += number * unit
            number = 0
            digits = 0
        }
        return digits == 0 && total > 0 ? total : nil
    }

    /// 2.0.5: `A_asyncmon_0 on fc16-builder 'error' (1): call=9, status=complete, …`
    /// Gives the op key, node, exit code and call.
    static func failedAction205(_ text: String) -> (opKey: String, node: String, exitCode: Int, call: Int)? {
        let words = text.split(separator: " ").map(String.init)
        guard words.count >= 5, words[1] == "on",
              let open = text.range(of: "' ("), let close = text.range(of: "): call=", range: open.upperBound..<text.endIndex),
              let rc = Int(text[open.upperBound..<close.lowerBound]),
              let call = Int(text[close.upperBound...].prefix { $0.isNumber }) else { return nil }
        return (words[0], words[2], rc, call)
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
    /// `Failed Resource Actions:` items (the text after `  * `).
    var failedActions: [String] = []
    var summary: [String] = []
    var summaryNotes: [String] = []
    var sawNodeList = false
    var sawInactive = false

    init(_ text: String) {
        enum Section { case other, summary, nodes, inactive, failures }
        var section = Section.other
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.isEmpty { continue }
            if line.first != " " {
                // A section header at column 0.
                switch line {
                case "Cluster Summary:": section = .summary
                case "Failed Resource Actions:": section = .failures
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
            case .failures:
                if line.hasPrefix("  * ") { failedActions.append(String(line.dropFirst(4))) }
                else { unknownLines.append(line) }
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
