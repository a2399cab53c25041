import FoundationEssentials
import PacetopBase

/// One thing the scheduler says it will do, from crm_simulate's "Transition Summary".
public struct PlannedChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case move, migrate, start, stop, restart, recover, promote, demote, reload, other
    }

    public var kind: Kind
    public var resource: String
    /// Where it happens (for a move or migration: where it leaves).
    public var node: String?
    /// Where a move or migration goes.
    public var target: String?
    /// Pacemaker's own reason ("due to node availability"), when it gives one.
    public var reason: String?

    public init(kind: Kind, resource: String, node: String? = nil, target: String? = nil, reason: String? = nil) {
        self.kind = kind
        self.resource = resource
        self.node = node
        self.target = target
        self.reason = reason
    }

    /// Where it is when this is done: the target of a move, the node otherwise (nil for a stop).
    public var endsOn: String? {
        switch kind {
        case .move, .migrate: target
        case .stop: nil
        default: node
        }
    }

    /// "ip-…-133 → ip-…-135" for a move, the node otherwise.
    public var placement: String {
        switch kind {
        case .move, .migrate: "\(node ?? "?") → \(target ?? "?")"
        default: node ?? ""
        }
    }
}

/// What the cluster would do if the action ran, as its own scheduler computed it.
public struct Preview: Sendable, Equatable {
    public var changes: [PlannedChange]
    /// For a move: what clearing its constraint afterwards would do (empty: nothing moves back).
    public var afterRelease: [PlannedChange]?
    /// Why the release check could not be made, when it could not.
    public var releaseProblem: String?
    /// The node whose CIB and crm_simulate computed it.
    public var via: String
    /// Who computed it, for the pane: "crm_simulate on NODE" unless a source says otherwise.
    public var computedBy: String

    public init(changes: [PlannedChange], afterRelease: [PlannedChange]? = nil, releaseProblem: String? = nil,
                via: String, computedBy: String? = nil) {
        self.changes = changes
        self.afterRelease = afterRelease
        self.releaseProblem = releaseProblem
        self.via = via
        self.computedBy = computedBy ?? "crm_simulate on \(via)"
    }

    /// Clearing the move constraint afterwards would move something again.
    public var releaseMovesBack: Bool { afterRelease.map { !$0.isEmpty } ?? false }
}

public enum PreviewOutcome: Sendable, Equatable {
    case ready(Preview)
    /// Why there is no preview; the action can still be confirmed or cancelled.
    case failed(String)
}

extension RemoteCommand {
    /// A shell script for the node, for what needs no privilege (crm_simulate on stdin,
    /// systemctl is-active): never through sudo.
    public func shellLine(_ script: String) -> String {
        ShellQuote.join(["TZ=UTC", "LC_ALL=C", "/bin/sh", "-c", script])
    }
}

extension ClusterSource {
    /// Sources that cannot compute a preview say so; the confirmation pane still works.
    public func preview(_ command: PreparedAction) -> PreviewOutcome {
        .failed("\(label) cannot compute previews")
    }
}

public enum WhatIfError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableCIB(String)
    case notInCIB(String)
    case simulation(String)

    public var description: String {
        switch self {
        case .unreadableCIB(let why): "the CIB could not be read: \(why)"
        case .notInCIB(let what): "\(what) is not in the CIB"
        case .simulation(let why): why
        }
    }
}

/// A what-if: the live CIB, fetched read-only, is changed in memory the way the action would
/// change it, and crm_simulate (Pacemaker's scheduler, run as the login user) says what the
/// cluster would then do. Nothing is written to the cluster; crm_shadow is never used.
public enum WhatIf {
    /// The whole CIB, status included (the scheduler needs where things run now).
    public static let queryArgv = ["cibadmin", "--query"]
    /// Reads the CIB on stdin, prints the transition it leads to.
    public static let simulateArgv = ["crm_simulate", "--xml-pipe", "--simulate"]
    /// Reads the CIB on stdin and prints the CIB as it would be once the transition has run
    /// (crm_simulate saves it to a private temporary file; it cannot write to a pipe).
    public static let simulateResultScript = #"t=$(mktemp) || exit 70; trap 'rm -f "$t"' EXIT; "#
        + #"\#(RemoteCommand.sbin)crm_simulate --xml-pipe --simulate --quiet --save-output="$t" >/dev/null && cat "$t""#

    /// The CIB with `action` applied, as the action's own command would change it.
    public static func edit(_ cib: Data, for action: ClusterAction) throws(WhatIfError) -> Data {
        let doc: XMLDocument
        do { doc = try cib.withUnsafeBytes { try XMLDocument(bytes: $0) } } catch {
            throw .unreadableCIB("\(error)")
        }
        guard let root = doc.root, root.isNamed("cib"), let config = root.child("configuration") else {
            throw .unreadableCIB("no <cib><configuration>")
        }
        switch action {
        case .move(let r, let n), .moveFor(let r, let n, _):
            // crm_resource --move (a lifetime changes nothing now): one cli-prefer-R location constraint, replacing an older one.
            let constraints = config.child("constraints") ?? config.append("constraints", [:])
            for c in constraints.children("rsc_location") where c["id"] == "cli-prefer-\(r)" { c.remove() }
            constraints.append("rsc_location", ["id": "cli-prefer-\(r)", "rsc": r, "role": "Started",
                                                "node": n, "score": "INFINITY"])
        case .clear(let r, let n):
            for c in config.child("constraints")?.children("rsc_location") ?? [] where c["rsc"] == r {
                let id = c["id"] ?? ""
                guard id.hasPrefix("cli-prefer-") || id.hasPrefix("cli-ban-") else { continue }
                if let n, c["node"] != n { continue }
                c.remove()
            }
        case .standby(let n), .unstandby(let n):
            let on = if case .standby = action { "on" } else { "off" }
            guard let node = config.child("nodes")?.children("node").first(where: { $0["uname"] == n }) else {
                throw .notInCIB("node \(n)")
            }
            setNVPair(in: node, "instance_attributes", idBase: "nodes-\(node["id"] ?? n)", name: "standby", value: on)
        case .restart(let r):
            // crm_resource --restart first sets target-role=Stopped: what stops then is what
            // stops and starts again.
            guard let rsc = config.child("resources")?.first(where: { $0["id"] == r }) else {
                throw .notInCIB("resource \(r)")
            }
            setNVPair(in: rsc, "meta_attributes", idBase: "\(r)-meta_attributes", name: "target-role", value: "Stopped")
        case .cleanup(let r, let n):
            // Forgets failures (fail counts, failed operations), not the resource's state.
            for state in root.child("status")?.children("node_state") ?? [] where n == nil || state["uname"] == n {
                for op in state.all(where: { $0.isNamed("lrm_rsc_op") && ($0["id"] ?? "").hasSuffix("_last_failure_0") })
                where op["operation_key"]?.hasPrefix(r + "_") == true {
                    op.remove()
                }
                for a in state.all(where: { $0.isNamed("nvpair") }) {
                    let name = a["name"] ?? ""
                    if name.hasPrefix("fail-count-\(r)#") || name.hasPrefix("last-failure-\(r)#") { a.remove() }
                }
            }
        }
        return doc.serialized()
    }

    private static func setNVPair(in element: XMLElement, _ set: StaticString, idBase: String, name: String,
                                  value: String) {
        let attrs = element.child(set) ?? element.append("\(set)", ["id": idBase])
        if let pair = attrs.children("nvpair").first(where: { $0["name"] == name }) {
            pair.set("value", value)
        } else {
            attrs.append("nvpair", ["id": "\(attrs["id"] ?? idBase)-\(name)", "name": name, "value": value])
        }
    }

    /// The changes crm_simulate printed, or why its run is not a preview (it exits 0 and
    /// prints an empty cluster when its input fails validation, so stderr errors count too).
    public static func changes(stdout: String, stderr: String, exitCode: Int32?) throws(WhatIfError) -> [PlannedChange] {
        let lastErr = stderr.split(separator: "\n").last.map(String.init) ?? ""
        guard exitCode == 0 else {
            let code = exitCode.map { "exit \($0)" } ?? "no exit status"
            throw .simulation("crm_simulate failed (\(code))" + (lastErr.isEmpty ? "" : ": \(lastErr)"))
        }
        if let error = stderr.split(separator: "\n").first(where: { $0.lowercased().contains("error") }) {
            throw .simulation("crm_simulate rejected the CIB: \(error)")
        }
        guard let changes = TransitionSummary.parse(stdout) else {
            throw .simulation("crm_simulate printed no transition summary")
        }
        return changes
    }
}

/// crm_simulate's text "Transition Summary" (the same words in Pacemaker 2.0, 2.1 and 3.0):
///
///     * Move       pbx            ( ip-172-31-16-133 -> ip-172-31-16-135 )
///     * Stop       vip            ( ip-172-31-16-133 )  due to node availability
///     * Promote    db:0           ( Unpromoted -> Promoted ip-172-31-16-134 )
public enum TransitionSummary {
    /// The planned changes, in crm_simulate's order; nil when there is no summary at all.
    public static func parse(_ text: String) -> [PlannedChange]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let start = lines.firstIndex(where: { $0.trimmingWhitespace() == "Transition Summary:" })
        else { return nil }
        lines = lines[(start + 1)...]
        var out: [PlannedChange] = []
        for raw in lines {
            // The section ends at the next heading (a line that is not indented).
            if let first = raw.first, first != " ", first != "\t" { break }
            let line = raw.trimmingWhitespace()
            guard line.hasPrefix("* "), let change = change(String(line.dropFirst(2))) else { continue }
            out.append(change)
        }
        return out
    }

    private static let roles: Set<String> = ["Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"]

    static func change(_ s: String) -> PlannedChange? {
        guard let open = s.firstIndex(of: "("), let close = s[open...].firstIndex(of: ")") else { return nil }
        let head = s[..<open].split(whereSeparator: \.isWhitespace).map(String.init)
        guard head.count >= 2 else { return nil }
        let verb = head[0].lowercased()
        if verb == "leave" { return nil }
        let inside = String(s[s.index(after: open)..<close])
        let reason = s[s.index(after: close)...].trimmingWhitespace()
        let sides = inside.components(separatedBy: "->").map {
            $0.split(whereSeparator: \.isWhitespace).map(String.init).filter { !roles.contains($0) }
        }
        let kind: PlannedChange.Kind = switch verb {
        case "move": .move
        case "migrate": .migrate
        case "start": .start
        case "stop": .stop
        case "restart": .restart
        case "recover": .recover
        case "promote", "re-promote": .promote
        case "demote": .demote
        case "reload": .reload
        default: .other
        }
        var change = PlannedChange(kind: kind, resource: head[1], reason: reason.isEmpty ? nil : reason)
        if sides.count == 2, kind == .move || kind == .migrate {
            change.node = sides[0].last
            change.target = sides[1].last
        } else {
            change.node = sides.last?.last ?? sides.first?.last
        }
        return change
    }
}
