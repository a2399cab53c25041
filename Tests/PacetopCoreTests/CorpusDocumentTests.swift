import Foundation
import Testing
@testable import PacetopCore

/// Every crm_mon XML document in the corpus either parses into a model that satisfies the
/// invariants below, or (the `err-*` ones) fails with its own specific error.
@Suite("Corpus: every crm_mon document", .corpus)
struct CorpusDocumentTests {
    static let folders = ["crm_mon", "crm_mon-pcmk2.0.5", "crm_mon-legacy"]

    @Test("the corpus holds the documents these tests were written for")
    func corpusIsComplete() throws {
        #expect(try Corpus.names(in: "crm_mon", suffix: ".xml").count == 248)
        #expect(try Corpus.names(in: "crm_mon", suffix: ".xml").filter { $0.hasPrefix("sched-") }.count == 150)
        #expect(try Corpus.names(in: "crm_mon", suffix: ".xml").filter { $0.hasPrefix("err-") }.count == 5)
        #expect(try Corpus.names(in: "crm_mon-pcmk2.0.5", suffix: ".xml").count == 150)
        #expect(try Corpus.names(in: "crm_mon-pcmk2.0.5", suffix: ".txt").count == 150)
        #expect(try Corpus.names(in: "crm_mon-legacy", suffix: ".xml").count == 169)
        #expect(try Corpus.names(in: "crm_mon-text", suffix: ".txt").count == 156)
    }

    /// What each error document must yield: crm_mon's code, message and error lines, verbatim.
    static let expectedErrors: [String: (code: Int, message: String, errors: [String])] = [
        "err-2.0.5-cib-newer-schema.xml": (78, "Invalid configuration", [
            "Could not connect to the CIB: Update does not conform to the configured schema",
            "crm_mon: Connection to cluster failed: Update does not conform to the configured schema",
        ]),
        "err-2.0.5-not-connected.xml": (102, "Not connected", [
            "Could not connect to the CIB: Transport endpoint is not connected",
            "crm_mon: Error: cluster is not available on this node",
        ]),
        "err-2.1.5-cib-file-missing-rc0.xml": (0, "OK", [
            "Could not connect to the CIB: No such device or address",
        ]),
        "err-2.1.5-cib-newer-schema-rc0.xml": (0, "OK", [
            "Could not connect to the CIB: Update does not conform to the configured schema",
        ]),
        "err-2.1.5-not-connected.xml": (102, "Not connected", [
            "error: Could not connect to launcher: Connection refused",
            "crm_mon: Connection to cluster failed: Connection refused",
        ]),
    ]

    @Test("each err-* document yields crmMonFailed with its own code, message and errors")
    func errorDocuments() throws {
        let names = try Corpus.names(in: "crm_mon", suffix: ".xml").filter { $0.hasPrefix("err-") }
        #expect(Set(names) == Set(Self.expectedErrors.keys), "an err-* file without an expectation")
        for name in names {
            guard let want = Self.expectedErrors[name] else { continue }
            let data = try Corpus.data("crm_mon", name)
            let error = #expect(throws: CrmMonError.self, "\(name)") { try CrmMonParser.parse(data) }
            #expect(error == .crmMonFailed(code: want.code, message: want.message, errors: want.errors),
                    "\(name): \(String(describing: error))")
            let text = error?.description ?? ""
            // The one line a user sees: crm_mon's own words; a code only when it is not 0.
            #expect(text.contains(want.errors[0]), "\(name): \(text)")
            if want.code == 0 {
                #expect(!text.contains("code"), "\(name): rc 0 must not be shown as a code: \(text)")
            } else {
                #expect(text.contains("code \(want.code)"), "\(name): \(text)")
            }
        }
    }

    @Test("every other document parses, and its model holds the invariants")
    func everyDocumentParses() throws {
        var parsed = 0
        var perFolder: [String: Int] = [:]
        for folder in Self.folders {
            for name in try Corpus.names(in: folder, suffix: ".xml") where !name.hasPrefix("err-") {
                let data = try Corpus.data(folder, name)
                let status: ClusterStatus
                do { status = try CrmMonParser.parse(data) } catch {
                    Issue.record("\(folder)/\(name) does not parse: \(error)")
                    continue
                }
                Self.checkInvariants(status, folder: folder, name: name, request: Self.request(of: data))
                Self.checkNothingDropped(status, raw: String(decoding: data, as: UTF8.self), where_: "\(folder)/\(name)")
                // The model survives JSON (the report/export path) unchanged.
                let json = try JSONEncoder().encode(status)
                #expect(try JSONDecoder().decode(ClusterStatus.self, from: json) == status, "\(folder)/\(name): JSON round trip")
                parsed += 1
                perFolder[folder, default: 0] += 1
            }
        }
        #expect(parsed == 562)
        #expect(perFolder == ["crm_mon": 243, "crm_mon-pcmk2.0.5": 150, "crm_mon-legacy": 169])
    }

    /// Every element of the sections the model keeps is in the model: counted in the raw text
    /// (crude, but independent of the parser), compared with the model.
    static func checkNothingDropped(_ s: ClusterStatus, raw: String, where_: String) {
        func count(_ needle: String, in text: Substring) -> Int { text.components(separatedBy: needle).count - 1 }
        let all = Substring(raw)
        // The resource tree: from <resources> to its end.
        var tree: Substring = ""
        if let start = raw.range(of: "<resources>")?.lowerBound, let end = raw.range(of: "</resources>", options: .backwards)?.upperBound {
            tree = raw[start..<end]
        }
        let elements = ["<resource ", "<group ", "<clone ", "<bundle ", "<replica "].map { count($0, in: tree) }.reduce(0, +)
        // --group-by-node lists fully active resources only under <nodes><node>; the parser
        // adds those the tree lacks (checked exactly in groupByNode).
        var nodesSection: Substring = ""
        if let start = raw.range(of: "<nodes>")?.lowerBound, let end = raw.range(of: "</nodes>")?.upperBound, start < end {
            nodesSection = raw[start..<end]
        }
        let nodeListed = count("<resource ", in: nodesSection)
        let inModel = s.resources.flatMap { $0.flattened() }.count
        if nodeListed == 0 { #expect(inModel == elements, "\(where_): resource tree") }
        else { #expect(inModel >= elements && inModel <= elements + nodeListed, "\(where_): resource tree \(inModel), \(elements) + \(nodeListed) by node") }
        let ops = s.history.flatMap(\.resources).flatMap(\.operations)
        #expect(s.history.flatMap(\.resources).count == count("<resource_history ", in: all), "\(where_): resource_history")
        #expect(ops.count == count("<operation_history ", in: all), "\(where_): operation_history")
        #expect(ops.filter { $0.execTimeMs != nil }.count == count(" exec-time=\"", in: all), "\(where_): exec-time")
        #expect(ops.filter { $0.queueTimeMs != nil }.count == count(" queue-time=\"", in: all), "\(where_): queue-time")
        #expect(ops.filter { $0.rc != nil }.count == count(" rc=\"", in: all), "\(where_): rc")
        #expect(s.history.flatMap(\.resources).filter { $0.failCount != nil }.count == count(" fail-count=\"", in: all), "\(where_): fail-count")
        #expect(s.failures.count == count("<failure ", in: all), "\(where_): failures")
        #expect(s.bans.count == count("<ban ", in: all), "\(where_): bans")
        #expect(s.tickets.count == count("<ticket ", in: all), "\(where_): tickets")
        #expect(s.nodeAttributes.flatMap(\.attributes).count == count("<attribute ", in: all), "\(where_): node attributes")
        #expect(s.primitives.filter { $0.lockedTo != nil }.count == count(" locked_to=\"", in: tree), "\(where_): locked_to")
    }

    /// The `request=` attribute of the root (the crm_mon command line), if any.
    static func request(of data: Data) -> String {
        let head = String(decoding: data.prefix(400), as: UTF8.self)
        guard let r = head.range(of: "request=\"") else { return "" }
        return String(head[r.upperBound...].prefix { $0 != "\"" })
    }

    /// Hand-edited third-party samples whose `resources_running` disagrees with the `<node>`
    /// children of their resources (README: "some have been edited by hand"): in 09 a
    /// resource `test` was added under hana02, which still says resources_running="2"; in 10
    /// and 11 a resource says nodes_running_on="1" but lists two nodes.
    static let handEditedCounts: Set<String> = ["thirdparty-ha_cluster_exporter-09-", "thirdparty-ha_cluster_exporter-10-",
                                                "thirdparty-ha_cluster_exporter-11-"]

    /// `--group-by-node` moves every fully active resource out of `<resources>` and lists it
    /// flat under its node (cts-*-0003: 2.0.5, 2.1.5 and main; ha_cluster_exporter runs
    /// `crm_mon -X --group-by-node --inactive`: thirdparty 02–09). The model must still
    /// place every resource: the same located instances as the plain rendering.
    @Test("--group-by-node output keeps the resources listed only under nodes")
    func groupByNode() throws {
        func located(_ s: ClusterStatus) -> [String] {
            s.primitives.flatMap { p in p.nodes.map { "\($0)|\(p.id)|\(p.agent ?? "")|\(p.role?.description ?? "")" } }.sorted()
        }
        for v in ["2.x", "2.1.5", "2.0.5"] {
            let grouped = try Corpus.parse("crm_mon", "cts-\(v)-0003.xml")
            let plain = try Corpus.parse("crm_mon", "cts-\(v)-0001.xml")
            #expect(Self.request(of: try Corpus.data("crm_mon", "cts-\(v)-0003.xml")).contains("--group-by-node"))
            #expect(located(grouped) == located(plain), "cts-\(v)-0003 vs -0001")
            #expect(grouped.primitives.count > plain.primitives.count - 20)
            // Resources that were fully active appear once per node they run on.
            #expect(grouped.resources.filter { $0.id == "ping" && $0.kind == .primitive }.flatMap(\.nodes).sorted() == ["cluster01", "cluster02"])
        }
        for n in 2...9 {
            let name = try #require(try Corpus.names(in: "crm_mon-legacy", suffix: ".xml").first { $0.hasPrefix("thirdparty-ha_cluster_exporter-0\(n)-") })
            let s = try Corpus.parse("crm_mon-legacy", name)
            let hana = s.primitives.filter { $0.id == "rsc_SAPHana_PRD_HDB00" }
            #expect(hana.map { "\($0.nodes)=\($0.role?.description ?? "")" }.sorted() == ["[\"hana01\"]=Promoted", "[\"hana02\"]=Unpromoted"], "\(name)")
            for node in s.nodes where !Self.handEditedCounts.contains(where: { name.hasPrefix($0) }) {
                #expect(s.primitives.filter { $0.nodes.contains(node.name) }.count == node.resourcesRunning, "\(name): \(node.name)")
            }
        }
    }

    static func checkInvariants(_ s: ClusterStatus, folder: String, name: String, request: String) {
        let where_ = "\(folder)/\(name)"
        let isCTS = name.hasPrefix("cts-")
        // 1. format and version, per folder.
        switch folder {
        case "crm_mon":
            #expect(s.format == .pacemakerResult, "\(where_)")
            // cts-cli sanitises api-version to "X"; real renderings are 2.1.5's api 2.25.
            #expect(s.apiVersion == (isCTS ? "X" : "2.25"), "\(where_): \(s.apiVersion)")
        case "crm_mon-pcmk2.0.5":
            #expect(s.format == .pacemakerResult, "\(where_)")
            #expect(s.apiVersion == "2.3", "\(where_): \(s.apiVersion)")
        default:
            #expect(s.format == .legacy, "\(where_)")
            if name.hasPrefix("sched-") { #expect(s.apiVersion == "2.0.5", "\(where_)") }
            else if name.hasPrefix("cib-") { #expect(s.apiVersion == "2.1.5", "\(where_)") }
            else { #expect(["1.1.12", "1.1.13", "2.0.0"].contains(s.apiVersion), "\(where_): \(s.apiVersion)") }
        }

        // 2. node names: non-empty and unique.
        let names = s.nodes.map(\.name)
        #expect(names.allSatisfy { !$0.isEmpty }, "\(where_)")
        #expect(Set(names).count == names.count, "\(where_): duplicate node names \(names)")
        let nameSet = Set(names)

        // 3. nodes_configured: equal to the node list, except for cts views filtered by
        //    --exclude=nodes / --node=…, where the list is a subset.
        let filteredNodes = request.contains("--exclude=nodes") || request.contains("--node=")
        if let configured = s.summary.nodesConfigured {
            if filteredNodes { #expect(configured >= s.nodes.count, "\(where_)") }
            else { #expect(configured == s.nodes.count, "\(where_): \(configured) configured, \(s.nodes.count) listed") }
        } else {
            Issue.record("\(where_): no nodes_configured")
        }

        // 4. Every location is a listed node (guest and remote nodes are listed too), except
        //    in node-filtered cts views.
        var located: [String: Int] = [:]
        for p in s.primitives {
            for n in p.nodes {
                located[n, default: 0] += 1
                if !filteredNodes { #expect(nameSet.contains(n), "\(where_): \(p.id) is on unknown node \(n)") }
            }
            // Roles are all known words, agents all in the 2.1 spelling.
            if case .unknown(let r)? = p.role { Issue.record("\(where_): \(p.id) has unknown role \(r)") }
            #expect(p.agent.map { !$0.contains("::") && !$0.isEmpty } ?? false, "\(where_): \(p.id) agent \(p.agent ?? "nil")")
            // An active primitive is somewhere, and a located one is active (crm_mon counts
            // a resource only on unclean/online nodes, or on any node while it is managed).
            if p.nodes.isEmpty { #expect(!p.active, "\(where_): \(p.id) active but nowhere") }
        }

        // 5. resources_running equals the number of primitive instances located on the node
        //    — exactly, in every rendering that shows all resources; in views filtered by
        //    --resource/--node/--include/--exclude crm_mon counts more than it shows, so
        //    there it is an upper bound.
        let filteredResources = ["--resource", "--node", "--include", "--exclude"].contains { request.contains($0) }
        if !handEditedCounts.contains(where: { name.hasPrefix($0) }) {
            for n in s.nodes {
                let here = located[n.name, default: 0]
                if filteredResources { #expect(n.resourcesRunning >= here, "\(where_): \(n.name)") }
                else { #expect(n.resourcesRunning == here, "\(where_): \(n.name) runs \(n.resourcesRunning), located \(here)") }
            }
        }

        // 6. The DC: at most one, named in the summary and flagged on the node.
        let dcs = s.nodes.filter(\.isDC)
        #expect(dcs.count <= 1, "\(where_): several DCs")
        let namelessDC = name.hasPrefix("cts-2.0.5-")
        if let dc = s.summary.dc {
            #expect(!dc.isEmpty, "\(where_)")
            if let node = s.node(named: dc) { #expect(node.isDC, "\(where_): DC \(dc) lacks is_dc") }
            else { #expect(filteredNodes, "\(where_): DC \(dc) not in the node list") }
        } else if let dcNode = dcs.first {
            // Only the cts 2.0.5 extracts have a DC node but a nameless current_dc: their
            // sanitiser dropped name= from <current_dc>.
            #expect(namelessDC, "\(where_): \(dcNode.name) is DC but the summary names none")
        } else if !namelessDC {
            #expect(s.summary.quorum == nil, "\(where_): quorum without a DC")
        }

        // 7. Failed actions: an exit code and a resource always; node unless filtered.
        for f in s.failures {
            #expect(!f.resource.isEmpty && !f.opKey.isEmpty, "\(where_): \(f)")
            #expect(!f.node.isEmpty, "\(where_): failure without node \(f.opKey)")
        }
        // 8. History: fail counts parse wherever crm_mon printed one.
        for h in s.history {
            #expect(nameSet.contains(h.node) || filteredNodes || isCTS, "\(where_): history for unknown node \(h.node)")
            for r in h.resources { #expect(r.failCount.map { !$0.isZero } ?? true, "\(where_): \(r.id) fail-count 0 shown") }
        }
    }
}
