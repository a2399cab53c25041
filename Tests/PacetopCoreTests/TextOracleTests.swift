import Foundation
import Testing
@testable import PacetopCore

/// Pacemaker's own text rendering of the same CIB is the oracle for the XML parser: for
/// every document, the Cluster Summary (DC, version, quorum, counts, last change, banners),
/// each node's state and kind, the resources listed under each node, Inactive Resources
/// and Failed Resource Actions
/// must agree with the model built from the XML.
///
/// One rule, found by comparing all 306 pairs: the text never lists the *implicit*
/// connection resource of a guest node (the `ocf:pacemaker:remote` resource whose id is the
/// guest node's name — bundle replicas `httpd-bundle-0` and `remote-node` guests like `lxc1`),
/// neither under its host node nor under Inactive Resources, unless it is orphaned
/// (sched-whitebox-orphaned, -orphan-ms: "ORPHANED Started"). The XML always lists it. Bare
/// remote nodes' connection resources (`remote1`, no `id_as_resource`) are listed as usual.
/// No document had to be excluded.
@Suite("Oracle: crm_mon's own text rendering", .corpus)
struct TextOracleTests {
    @Test("Pacemaker 2.1.5: crm_mon-text/*.txt against crm_mon/*.xml (sched-* and cib-*)")
    func pacemaker215() throws {
        let texts = try Corpus.names(in: "crm_mon-text", suffix: ".txt")
        var compared = 0, lines = 0, failures = 0
        for t in texts {
            let xml = String(t.dropLast(4)) + ".xml"
            let n = try Self.compare(textFolder: "crm_mon-text", text: t, xmlFolder: "crm_mon", xml: xml)
            (lines, failures, compared) = (lines + n.lines, failures + n.failures, compared + 1)
        }
        #expect(compared == 156)
        #expect(lines == 742)
        #expect(failures == 47)
        #expect(texts.filter { $0.hasPrefix("sched-") }.count == 150)
    }

    @Test("Pacemaker 2.0.5: crm_mon-pcmk2.0.5/sched-*.txt against the same folder's XML")
    func pacemaker205() throws {
        let texts = try Corpus.names(in: "crm_mon-pcmk2.0.5", suffix: ".txt")
        var compared = 0, lines = 0, failures = 0
        for t in texts {
            let xml = String(t.dropLast(4)) + ".xml"
            let n = try Self.compare(textFolder: "crm_mon-pcmk2.0.5", text: t, xmlFolder: "crm_mon-pcmk2.0.5", xml: xml)
            (lines, failures, compared) = (lines + n.lines, failures + n.failures, compared + 1)
        }
        #expect(compared == 150)
        #expect(lines == 689)
        #expect(failures == 46)
    }

    /// Compares one pair; returns the numbers of resource lines and failed actions compared.
    static func compare(textFolder: String, text: String, xmlFolder: String, xml: String) throws -> (lines: Int, failures: Int) {
        let where_ = "\(textFolder)/\(text)"
        let rendering = CrmMonText(try Corpus.text(textFolder, text))
        let s = try Corpus.parse(xmlFolder, xml)
        #expect(rendering.sawNodeList && rendering.sawInactive, "\(where_): sections missing")
        #expect(rendering.unknownLines.isEmpty, "\(where_): lines the text reader does not understand: \(rendering.unknownLines)")

        checkSummary(rendering, s.summary, where_)
        checkFailures(rendering, s.failures, pacemaker205: textFolder == "crm_mon-pcmk2.0.5", where_)

        // Same nodes, in the same order.
        #expect(rendering.nodes.map(\.name) == s.nodes.map(\.name), "\(where_): node lists differ")

        // Implicit guest connections are hidden; an orphaned one (its container's
        // remote-node meta is gone) is a real leftover and is listed ("ORPHANED Started").
        let guests = Set(s.nodes.filter { $0.kind == .guest }.map(\.name))
        let hidden = Set(s.primitives.filter { guests.contains($0.id) && !$0.orphaned }.map(\.id))
        var modelOnNode: [String: [String]] = [:]
        var hostsChecked = 0
        var lines = 0
        for p in s.primitives where !hidden.contains(p.id) {
            for n in p.nodes { modelOnNode[n, default: []].append(p.id) }
        }

        for entry in rendering.nodes {
            guard let node = s.node(named: entry.name) else {
                Issue.record("\(where_): text node \(entry.name) is not in the model")
                continue
            }
            let kind: Node.Kind = switch entry.kind {
            case "RemoteNode": .remote
            case "GuestNode": .guest
            default: .member
            }
            #expect(node.kind == kind, "\(where_): \(entry.name) is \(entry.kind) in the text, \(node.kind) in the model")
            #expect(Self.stateAgrees(entry.state, node, listed: entry.resources),
                    "\(where_): \(entry.name) is '\(entry.state)' in the text; model state \(node.state), online \(node.online), standby \(node.standby), maintenance \(node.maintenance), pending \(node.pending), unclean \(node.unclean), shutdown \(node.shutdown), health \(String(describing: node.health))")
            // 2.0.5 prints a guest as `name@host`, host being where the guest's connection
            // resource runs (empty when it runs nowhere); the model must agree.
            if let host = entry.host {
                hostsChecked += 1
                let connection = s.primitives.first { $0.id == node.name }
                #expect(node.container != nil, "\(where_): guest \(node.name) without container")
                #expect((connection?.nodes.first ?? "") == host,
                        "\(where_): \(node.name)@\(host) but its connection is on \(connection?.nodes ?? [])")
            }
            let want = entry.resources.sorted()
            let got = modelOnNode[entry.name, default: []].sorted()
            #expect(got == want, "\(where_): resources on \(entry.name): model \(got), text \(want)")

            // Each line in full: id, agent, ORPHANED/FAILED and role must match a primitive
            // on that node (as a multiset: a node can run an orphan and an instance of the
            // same id), and every flag in parentheses must hold in the model.
            let here = s.primitives.filter { !hidden.contains($0.id) && $0.nodes.contains(entry.name) }
            #expect(here.map(Self.signature).sorted() == entry.lines.map(Self.signature).sorted(),
                    "\(where_): lines on \(entry.name) differ")
            for line in entry.lines {
                lines += 1
                guard let p = here.first(where: { Self.signature($0) == Self.signature(line) }) else { continue }
                for flag in line.flags {
                    let holds: Bool? = switch flag {
                    case "unmanaged": !p.managed
                    case "blocked": p.blocked
                    case "failure ignored": p.failureIgnored
                    case "disabled": p.targetRole?.lowercased() == "stopped"
                    case "Monitoring": p.pending == "Monitoring"
                    default: nil
                    }
                    #expect(holds == true, "\(where_): \(p.id) on \(entry.name) is '(\(flag))' in the text")
                }
                #expect(line.flags.contains("failure ignored") == p.failureIgnored, "\(where_): \(p.id)")
                #expect(line.flags.contains("disabled") == (p.targetRole?.lowercased() == "stopped"), "\(where_): \(p.id)")
                if let d = p.description { #expect(line.rest == d, "\(where_): \(p.id)") }
                else if !line.rest.isEmpty {
                    // Before api 2.29 the XML has no description; the text shows it anyway.
                    #expect(Self.descriptionOnlyInText.contains(String(text.dropLast(4))),
                            "\(where_): \(p.id) has '\(line.rest)' after its state")
                }
            }
        }

        // Inactive Resources (with -n): every top-level resource that is not fully active,
        // except inactive orphans (Pacemaker skips those) and guest connections.
        let expected = s.resources.filter { r in
            !r.fullyActive && !(r.kind == .primitive && r.orphaned) && !hidden.contains(r.id)
        }.map(\.id)
        #expect(expected == rendering.inactive, "\(where_): inactive: model \(expected), text \(rendering.inactive)")
        #expect(rendering.saidNoInactive == expected.isEmpty, "\(where_)")
        if textFolder == "crm_mon-pcmk2.0.5" {
            #expect(hostsChecked == s.nodes.filter { $0.kind == .guest }.count, "\(where_): every 2.0.5 guest has @host")
        }
        return (lines, rendering.failedActions.count)
    }

    /// `Failed Resource Actions:` against the model's failures, as multisets. 2.0.5 prints
    /// the op key, rc and call; 2.1.5 prints resource, task (a probe is monitor 0, a
    /// recurring monitor says its interval) and node.
    static func checkFailures(_ t: CrmMonText, _ failures: [FailedAction], pacemaker205: Bool, _ where_: String) {
        if pacemaker205 {
            let text = t.failedActions.map { line -> String in
                guard let f = CrmMonText.failedAction205(line) else { return "unreadable: \(line)" }
                return "\(f.opKey)@\(f.node) rc=\(f.exitCode) call=\(f.call)"
            }
            let model = failures.map { "\($0.opKey)@\($0.node) rc=\($0.exitCode) call=\($0.call ?? -1)" }
            #expect(text.sorted() == model.sorted(), "\(where_): failed actions")
        } else {
            let text = t.failedActions.map { line -> String in
                guard let f = CrmMonText.failedAction215(line) else { return "unreadable: \(line)" }
                return "\(f.resource) \(f.task) \(f.intervalMs)@\(f.node)"
            }
            let model = failures.map { "\($0.resource) \($0.task ?? "?") \($0.intervalMs ?? -1)@\($0.node)" }
            #expect(text.sorted() == model.sorted(), "\(where_): failed actions")
        }
    }

    /// The `Cluster Summary:` section against the model's summary.
    static func checkSummary(_ t: CrmMonText, _ m: ClusterSummary, _ where_: String) {
        func item(_ prefix: String) -> String? {
            t.summary.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
        #expect(item("Stack: ") == m.stack, "\(where_)")
        if let dc = item("Current DC: ") {
            if dc == "NONE" {
                #expect(m.dc == nil && m.quorum == nil, "\(where_): DC \(m.dc ?? "nil")")
            } else {
                let quorum = dc.hasSuffix(" partition with quorum") ? true
                    : dc.hasSuffix(" partition WITHOUT quorum") ? false : nil
                #expect(quorum != nil && m.quorum == quorum, "\(where_): \(dc)")
                #expect(dc.hasPrefix("\(m.dc ?? "?") (version \(m.dcVersion ?? "unknown")) - "), "\(where_): \(dc)")
            }
        } else {
            Issue.record("\(where_): no Current DC line")
        }
        let nodes = item("\(m.nodesConfigured ?? -1) node")
        #expect(nodes == "s configured" || nodes == " configured", "\(where_): nodes configured")
        // "N resource instance(s) configured[ (A DISABLED[, B BLOCKED from further action due to failure])]"
        var flags: [String] = []
        if (m.resourcesDisabled ?? 0) > 0 { flags.append("\(m.resourcesDisabled!) DISABLED") }
        if (m.resourcesBlocked ?? 0) > 0 { flags.append("\(m.resourcesBlocked!) BLOCKED from further action due to failure") }
        let n = m.resourcesConfigured ?? -1
        let resources = "\(n) resource instance\(n == 1 ? "" : "s") configured" + (flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))")
        #expect(t.summary.contains(resources), "\(where_): want '\(resources)' in \(t.summary)")
        // Empty parts are left out: "Last change:  <time>[ by <user>][ via <client>][ on <origin>]".
        func part(_ word: String, _ v: String?) -> String { (v ?? "").isEmpty ? "" : " \(word) \(v!)" }
        let change = "Last change:  \(m.lastChange ?? "")" + part("by", m.lastChangeUser)
            + part("via", m.lastChangeClient) + part("on", m.lastChangeOrigin)
        #expect(t.summary.contains(change), "\(where_): want '\(change)'")
        // One banner for both; the line after it says which.
        #expect(t.summaryNotes.contains("*** Resource management is DISABLED ***") == (m.maintenanceMode || m.stopAllResources), "\(where_)")
        #expect(t.summaryNotes.contains("The cluster will not attempt to start, stop or recover services") == m.maintenanceMode, "\(where_): maintenance-mode")
        #expect(t.summaryNotes.contains("The cluster will keep all resources stopped") == m.stopAllResources, "\(where_): stop-all-resources")
    }

    /// CIBs whose resources have a description: the text prints it, the 2.0.5/2.1.5 XML
    /// cannot (the attribute came with api 2.29, Pacemaker 2.1.6).
    static let descriptionOnlyInText: Set<String> = ["cib-crm_mon", "sched-migration-ping-pong"]

    /// What a resource line says, normalised: `id|agent|[ORPHANED ][FAILED ]role`. The text
    /// prints a failed instance that is not promoted as a bare `FAILED`.
    static func signature(_ p: Resource) -> String {
        var state = p.orphaned ? "ORPHANED " : ""
        if p.failed { state += p.role == .promoted ? "FAILED Promoted" : "FAILED" }
        else { state += p.role?.description ?? "?" }
        return "\(p.id)|\(p.agent ?? "")|\(state)"
    }

    static func signature(_ l: CrmMonText.ResourceLine) -> String {
        var state = l.orphaned ? "ORPHANED " : ""
        if l.failed { state += "FAILED" }
        if let r = l.role {
            state += (l.failed ? " " : "") + ResourceRole(r).description
        }
        return "\(l.id)|\(CrmMonParser.normaliseAgent(l.agent))|\(state)"
    }

    /// Does the model's node agree with the words crm_mon printed for it? crm_mon's text has
    /// no word for `shutdown`: a node shutting down prints as `online` (or whatever else it
    /// is), while the model's one-word `state` says `shutdown`.
    static func stateAgrees(_ text: String, _ n: Node, listed: [String]) -> Bool {
        let up = n.state == .online || n.state == .shutdown
        switch text {
        case "online": return up && n.online && n.health != .red && n.health != .yellow
        case "online (health is RED)": return up && n.health == .red
        case "online (health is YELLOW)": return up && n.health == .yellow
        case "OFFLINE": return n.state == .offline && !n.standby && !n.maintenance
        case "OFFLINE (standby)": return n.state == .offline && n.standby
        case "OFFLINE (maintenance)": return n.state == .offline && n.maintenance
        case "UNCLEAN (offline)": return n.state == .unclean && !n.online
        case "UNCLEAN (online)": return n.state == .unclean && n.online
        case "pending": return n.state == .pending
        case "standby": return n.state == .standby && n.online && !n.standbyOnFail && n.resourcesRunning == 0
        case "standby (on-fail)": return n.state == .standby && n.standbyOnFail
        case "standby (with active resources)":
            return n.state == .standby && n.resourcesRunning > 0 && !listed.isEmpty
        case "maintenance": return n.state == .maintenance && n.online
        default: return false
        }
    }

    @Test("the text reader reads both dialects and reports what it does not know")
    func textReader() {
        let sample = """
        Cluster Summary:
          * Stack: corosync

        Node List:
          * Node node1: UNCLEAN (offline):
            * Resources:
              * remote1\t(ocf:pacemaker:remote):\t Started
          Node node2: online:
            * Resources:
              * child:0\t(stonith:fence_xvm):\t Started
          * GuestNode pgsr01@bl460g8n3: standby (with active resources):
          * Weird line

        Inactive Resources:
          * Clone Set: rsc2-master [rsc2] (promotable):
            * Stopped: [ remote1 ]
          * Resource Group: grp (disabled):
          * Resource Group: grp2:
          * Container bundle set: httpd-bundle [pcmktest:http] (unique):
          * rsc3\t(ocf:pacemaker:Dummy):\t Stopped (disabled)
        """
        let t = CrmMonText(sample)
        #expect(t.nodes.map { [$0.kind, $0.name, $0.host ?? "-", $0.state] } == [
            ["Node", "node1", "-", "UNCLEAN (offline)"], ["Node", "node2", "-", "online"],
            ["GuestNode", "pgsr01", "bl460g8n3", "standby (with active resources)"],
        ])
        #expect(t.nodes.map(\.resources) == [["remote1"], ["child:0"], []])
        #expect(t.nodes[1].lines == [.init(id: "child:0", agent: "stonith:fence_xvm", role: "Started")])
        #expect(t.inactive == ["rsc2-master", "grp", "grp2", "httpd-bundle", "rsc3"])
        #expect(t.unknownLines == ["  * Weird line"])
        #expect(!t.saidNoInactive)
    }

    @Test("resource lines: every state shape seen in the corpus", arguments: [
        ("r\t(ocf:pacemaker:Dummy):\t Started", CrmMonText.ResourceLine(id: "r", agent: "ocf:pacemaker:Dummy", role: "Started")),
        ("r\t(ocf::pacemaker:Stateful):\t FAILED Master (blocked)",
         .init(id: "r", agent: "ocf::pacemaker:Stateful", failed: true, role: "Master", flags: ["blocked"])),
        ("r\t(lsb:x):\t FAILED", .init(id: "r", agent: "lsb:x", failed: true)),
        ("r\t(lsb:x):\t FAILED (disabled)", .init(id: "r", agent: "lsb:x", failed: true, flags: ["disabled"])),
        ("r:0\t(stonith:fence_xvm):\t ORPHANED Started", .init(id: "r:0", agent: "stonith:fence_xvm", orphaned: true, role: "Started")),
        ("r\t(ocf:p:t):\t Started (disabled, blocked)", .init(id: "r", agent: "ocf:p:t", role: "Started", flags: ["disabled", "blocked"])),
        ("r\t(ocf:p:t):\t Started (failure ignored)", .init(id: "r", agent: "ocf:p:t", role: "Started", flags: ["failure ignored"])),
        ("r\t(stonith:fence_ilo4):\t Started fenct ha-idg-2 mit ILO", .init(id: "r", agent: "stonith:fence_ilo4", role: "Started", rest: "fenct ha-idg-2 mit ILO")),
    ])
    func resourceLines(_ body: String, _ want: CrmMonText.ResourceLine) {
        #expect(CrmMonText.resourceLine(Substring(body)) == want)
    }

    @Test("signatures normalise the 2.0.5 words and agree on a FAILED instance")
    func signatures() throws {
        let line = try #require(CrmMonText.resourceLine("r\t(ocf::pacemaker:Stateful):\t FAILED Master"))
        let model = Resource(id: "r", agent: "ocf:pacemaker:Stateful", role: .promoted, failed: true, nodes: ["n"])
        #expect(Self.signature(line) == "r|ocf:pacemaker:Stateful|FAILED Promoted")
        #expect(Self.signature(model) == Self.signature(line))
        var unpromoted = model
        unpromoted.role = .unpromoted
        #expect(Self.signature(unpromoted) == "r|ocf:pacemaker:Stateful|FAILED")
        #expect(Self.signature(unpromoted) != Self.signature(line))
    }

    @Test("failed-action lines of both versions")
    func failedActionLines() throws {
        let a = try #require(CrmMonText.failedAction215("A 20s-interval monitor on fc16-builder returned 'not running' at Thu Apr 12 14:51:53 2012 after 10ms"))
        #expect([a.resource, a.task, String(a.intervalMs), a.node] == ["A", "monitor", "20000", "fc16-builder"])
        let b = try #require(CrmMonText.failedAction215("dummy-2 probe on cluster02 returned 'unimplemented feature' at Wed Sep  2 16:17:38 2020 after 33ms"))
        #expect([b.resource, b.task, String(b.intervalMs), b.node] == ["dummy-2", "monitor", "0", "cluster02"])
        let c = try #require(CrmMonText.failedAction215("rsc1 stop on node2 could not be executed (Error)"))
        #expect([c.resource, c.task, String(c.intervalMs), c.node] == ["rsc1", "stop", "0", "node2"])
        #expect(CrmMonText.readableInterval("1m30s") == 90_000 && CrmMonText.readableInterval("500ms") == 500)
        #expect(CrmMonText.readableInterval("2h") == 7_200_000 && CrmMonText.readableInterval("10x") == nil && CrmMonText.readableInterval("") == nil)
        #expect(CrmMonText.failedAction215("garbage") == nil)
        let d = try #require(CrmMonText.failedAction205("dummy02_stop_0 on bl460g6a 'error' (1): call=8, status='complete', exitreason='none'"))
        #expect(d.opKey == "dummy02_stop_0" && d.node == "bl460g6a" && d.exitCode == 1 && d.call == 8)
        #expect(CrmMonText.failedAction205("rsc1 stop on node2 could not be executed (Error)") == nil)
    }

    @Test("the state comparison can fail")
    func stateComparisonRejects() {
        let offline = Node(name: "n", online: false)
        #expect(Self.stateAgrees("OFFLINE", offline, listed: []))
        #expect(!Self.stateAgrees("online", offline, listed: []))
        #expect(!Self.stateAgrees("standby", Node(name: "n"), listed: []))
        #expect(Self.stateAgrees("online", Node(name: "n", shutdown: true), listed: []))
        #expect(!Self.stateAgrees("no such state", Node(name: "n"), listed: []))
    }
}
