import Foundation
import Testing
@testable import PacetopCore

@Suite("Parser details")
struct ParserDetailTests {
    @Test("Role folds the pre-2.1 names into the new ones, case-insensitively",
          arguments: [("Master", ResourceRole.promoted), ("Slave", .unpromoted), ("Promoted", .promoted),
                      ("Unpromoted", .unpromoted), ("master", .promoted), ("SLAVE", .unpromoted),
                      ("Started", .started), ("Stopped", .stopped), ("Starting", .starting),
                      ("Stopping", .stopping), ("Migrating", .migrating), ("Promoting", .promoting),
                      ("Demoting", .demoting)])
    func roleNormalisation(_ text: String, _ role: ResourceRole) {
        #expect(ResourceRole(text) == role)
    }

    @Test("Role: description, activity, pending, unknown words kept verbatim")
    func roleProperties() throws {
        #expect(ResourceRole("Master").description == "Promoted")
        #expect(ResourceRole("Slave").description == "Unpromoted")
        #expect(ResourceRole("Frobbing") == .unknown("Frobbing") && ResourceRole("Frobbing").description == "Frobbing")
        #expect(ResourceRole.promoted.isActive && ResourceRole.unpromoted.isActive && ResourceRole.migrating.isActive)
        #expect(!ResourceRole.stopped.isActive && !ResourceRole.starting.isActive && !ResourceRole.unknown("x").isActive)
        #expect(ResourceRole.starting.isPending && ResourceRole.demoting.isPending && !ResourceRole.started.isPending)
        // Codable writes the 2.1 word, reads either.
        let json = try JSONEncoder().encode([ResourceRole("Master"), .started])
        #expect(String(decoding: json, as: UTF8.self) == #"["Promoted","Started"]"#)
        #expect(try JSONDecoder().decode([ResourceRole].self, from: Data(#"["Slave","Stopping"]"#.utf8)) == [.unpromoted, .stopping])
    }

    @Test("agents: ocf::provider:type (1.1/2.0) becomes ocf:provider:type; others unchanged",
          arguments: [("ocf::heartbeat:IPaddr2", "ocf:heartbeat:IPaddr2"),
                      ("ocf:heartbeat:IPaddr2", "ocf:heartbeat:IPaddr2"),
                      ("ocf::portsip:awseip", "ocf:portsip:awseip"),
                      ("stonith:fence_xvm", "stonith:fence_xvm"), ("lsb:exim", "lsb:exim"),
                      ("systemd:corosync-qnetd", "systemd:corosync-qnetd")])
    func agentNormalisation(_ raw: String, _ normal: String) throws {
        #expect(CrmMonParser.normaliseAgent(raw) == normal)
        // And through the parser, as a 2.0 document spells it.
        let doc = "<pacemaker-result api-version=\"2.3\"><summary/><resources><resource id=\"r\" resource_agent=\"\(raw)\" role=\"Started\"/></resources></pacemaker-result>"
        #expect(try CrmMonParser.parse(doc).resources.first?.agent == normal)
    }

    @Test("splitOpKey: resource ids with underscores, migrate_to/migrate_from, clone instances, junk")
    func opKeys() {
        func split(_ k: String) -> [String] {
            let p = CrmMonParser.splitOpKey(k)
            return [p.resource, p.task ?? "nil", p.interval.map(String.init) ?? "nil"]
        }
        #expect(split("pbx_monitor_10000") == ["pbx", "monitor", "10000"])
        #expect(split("dummy-2_monitor_0") == ["dummy-2", "monitor", "0"])
        #expect(split("src_pkt_ip_start_0") == ["src_pkt_ip", "start", "0"])
        #expect(split("vm_idcc_devel_migrate_to_0") == ["vm_idcc_devel", "migrate_to", "0"])
        #expect(split("sle12-kvm_migrate_from_0") == ["sle12-kvm", "migrate_from", "0"])
        #expect(split("db_to_monitor_30000") == ["db_to", "monitor", "30000"])
        #expect(split("ping:1_stop_0") == ["ping:1", "stop", "0"])
        #expect(split("A_asyncmon_0") == ["A", "asyncmon", "0"])
        #expect(split("rsc_monitor_often") == ["rsc_monitor_often", "nil", "nil"])
        #expect(split("pbx") == ["pbx", "nil", "nil"])
        #expect(split("") == ["", "nil", "nil"])
    }

    @Test("FailCount: numbers, INFINITY in its spellings, the 1000000 cap, junk")
    func failCounts() throws {
        #expect(FailCount("INFINITY") == .infinity)
        #expect(FailCount("+INFINITY") == .infinity)
        #expect(FailCount("infinity") == .infinity)
        #expect(FailCount("1000000") == .infinity)
        #expect(FailCount("999999") == .count(999_999))
        #expect(FailCount("3") == .count(3))
        #expect(FailCount(" 2 ") == .count(2))
        #expect(FailCount("0")?.isZero == true)
        #expect(FailCount("-1") == nil && FailCount("") == nil && FailCount("many") == nil && FailCount("-INFINITY") == nil)
        #expect(FailCount.count(5) < .infinity && FailCount.count(1) < .count(2) && !(FailCount.infinity < .count(9)))
        #expect(FailCount.infinity.description == "INFINITY" && FailCount.count(4).description == "4")
        let json = try JSONEncoder().encode([FailCount.count(2), .infinity])
        #expect(String(decoding: json, as: UTF8.self) == #"[2,"INFINITY"]"#)
        #expect(try JSONDecoder().decode([FailCount].self, from: json) == [.count(2), .infinity])
        // Through the parser: the history attribute.
        let doc = """
        <pacemaker-result api-version="2.25"><summary/><node_history><node name="n1">
          <resource_history id="a" orphan="false" migration-threshold="3" fail-count="INFINITY" last-failure="Tue May  5 12:04:36 2020"/>
          <resource_history id="b" orphan="false" migration-threshold="3" fail-count="2"/>
          <resource_history id="c" orphan="false" migration-threshold="3"/>
        </node></node_history></pacemaker-result>
        """
        let h = try CrmMonParser.parse(doc).history
        #expect(h.first?.resources.map(\.failCount) == [.infinity, .count(2), nil])
        #expect(h.first?.resources.first?.lastFailure == "Tue May  5 12:04:36 2020")
    }

    @Test("attribute values: entity and character references decode to the full value")
    func escapedAttributes() throws {
        let doc = """
        <pacemaker-result api-version="2.25"><summary/>
          <failures><failure op_key="a_start_0" node="n1" exitstatus="error" exitreason="bad &lt;param&gt; &amp; &quot;quoted&quot; &#233;t&#xE9;" exitcode="1" call="3" status="complete"/></failures>
        </pacemaker-result>
        """
        #expect(try CrmMonParser.parse(doc).failures.first?.exitReason == "bad <param> & \"quoted\" été")
    }

    @Test("crm_mon's error lines: text split by references, CDATA and comments is read whole")
    func errorTextInPieces() throws {
        let doc = """
        <pacemaker-result api-version="2.25"><status code="102" message="Not connected"><errors>
          <error>  a &amp; b &lt;c&gt;<!-- not text --> <![CDATA[d & e]]>&#x41;
          </error><error>second</error></errors></status></pacemaker-result>
        """
        #expect(throws: CrmMonError.crmMonFailed(code: 102, message: "Not connected", errors: ["a & b <c> d & eA", "second"])) {
            try CrmMonParser.parse(doc)
        }
    }
}

/// Details checked on real documents of the corpus.
@Suite("Parser details on corpus documents", .corpus)
struct CorpusDetailTests {
    @Test("failed actions: Pacemaker 3.0 renamed the strings, the exit code did not change")
    func failuresAcrossVersions() throws {
        let new = try #require(try Corpus.parse("crm_mon", "cts-2.x-0025.xml").failures.first)
        let old = try #require(try Corpus.parse("crm_mon", "cts-2.1.5-0025.xml").failures.first)
        #expect(new.exitStatus == "Unimplemented" && old.exitStatus == "unimplemented feature")
        #expect(new.status == "Done" && old.status == "complete")
        for f in [new, old] {
            #expect(f.exitCode == 3)                       // OCF_ERR_UNIMPLEMENTED
            #expect(f.opKey == "dummy-2_monitor_0" && f.resource == "dummy-2")
            #expect(f.task == "monitor" && f.intervalMs == 0 && f.node == "cluster02" && f.call == 2)
            #expect(f.exitReason == nil)                   // exitreason=""
        }
        // 2.1.5 and 3.0 documents of the same CIB give equal failures but for the strings.
        var a = new, b = old
        (a.exitStatus, a.status, b.exitStatus, b.status) = (nil, nil, nil, nil)
        #expect(a == b)
    }

    @Test("every failure in the corpus: op key split agrees with the task/interval crm_mon printed")
    func failuresEverywhere() throws {
        var checked = 0, withTask = 0
        for folder in CorpusDocumentTests.folders {
            for name in try Corpus.names(in: folder, suffix: ".xml") where !name.hasPrefix("err-") {
                let s = try Corpus.parse(folder, name)
                let ids = Set(s.resources.flatMap { $0.flattened() }.map(\.id)) .union(s.history.flatMap { $0.resources.map(\.id) })
                for f in s.failures {
                    checked += 1
                    let split = CrmMonParser.splitOpKey(f.opKey)
                    #expect(split.task != nil, "\(folder)/\(name): \(f.opKey)")
                    #expect(f.resource == split.resource, "\(folder)/\(name): \(f.opKey)")
                    if let task = f.task { withTask += 1; #expect(task == split.task, "\(folder)/\(name): \(f.opKey) task \(task)") }
                    if let i = f.intervalMs { #expect(i == split.interval, "\(folder)/\(name): \(f.opKey) interval \(i)") }
                    // The resource is one crm_mon knows about: in the tree or in the history.
                    // An anonymous clone's failure names its instance (dummy:0), the tree does not.
                    let base = f.resource.split(separator: ":").first.map(String.init) ?? f.resource
                    #expect(ids.contains(f.resource) || ids.contains(base), "\(folder)/\(name): failure of unknown resource \(f.resource)")
                    #expect((0...255).contains(f.exitCode), "\(folder)/\(name): \(f.exitCode)")
                }
            }
        }
        #expect(checked > 100)
        #expect(withTask > 50)
    }

    /// The seven scheduler CIBs whose failed op has no operation_key.
    static let literalIDFailures = ["sched-bug-lf-2606", "sched-migrate-4", "sched-migrate-fail-2",
                                    "sched-migrate-fail-6", "sched-promoted-demote-block",
                                    "sched-rec-rsc-3", "sched-rec-rsc-4"]

    @Test("2.0.5's <failure id=\"id\"> (no op key) is resolved from the history as 2.1.5 prints it")
    func literalIDFailures() throws {
        for doc in Self.literalIDFailures {
            let raw205 = String(decoding: try Corpus.data("crm_mon-pcmk2.0.5", doc + ".xml"), as: UTF8.self)
            #expect(raw205.contains("<failure id=\"id\""), "\(doc): the 2.0.5 bug is no longer in the corpus")
            let want = try Corpus.parse("crm_mon", doc + ".xml").failures
            #expect(want.count == 1 && want.allSatisfy { $0.opKey != "id" }, "\(doc)")
            // The text rendering of 2.0.5 shows the real key too.
            let text = try Corpus.text("crm_mon-pcmk2.0.5", doc + ".txt")
            for (folder, name) in [("crm_mon-pcmk2.0.5", doc + ".xml"), ("crm_mon-legacy", doc + ".pcmk2.0.5-as-xml.xml")] {
                let got = try Corpus.parse(folder, name).failures
                #expect(got.map(\.opKey) == want.map(\.opKey), "\(folder)/\(name)")
                #expect(got.map(\.resource) == want.map(\.resource), "\(folder)/\(name)")
                #expect(got.map(\.task) == want.map(\.task) && got.map(\.intervalMs) == want.map(\.intervalMs), "\(folder)/\(name)")
                #expect(got.map(\.node) == want.map(\.node) && got.map(\.exitCode) == want.map(\.exitCode), "\(folder)/\(name)")
                for f in got { #expect(text.contains("  * \(f.opKey) on \(f.node) "), "\(doc): \(f.opKey)") }
            }
        }
        // Unresolvable (no matching history): left as crm_mon wrote it.
        let s = try CrmMonParser.parse("""
        <pacemaker-result api-version="2.3"><summary/>
          <node_history><node name="n2"><resource_history id="r1"><operation_history call="9" task="stop" rc="1"/></resource_history></node></node_history>
          <failures><failure id="id" node="n2" exitstatus="error" exitreason="none" exitcode="1" call="1" status="Error"/></failures>
        </pacemaker-result>
        """)
        #expect(s.failures.map(\.opKey) == ["id"])
    }

    @Test("promotable clones: 2.0.5 (Master/Slave) and 2.1.5 (Promoted/Unpromoted) renderings of the same CIB give the same roles")
    func promotableRolesAcrossVersions() throws {
        var documents = 0, instances = 0, rawOld = 0
        for name in try Corpus.names(in: "crm_mon", suffix: ".xml") where name.hasPrefix("sched-") {
            func roles(_ s: ClusterStatus) -> [String] {
                s.resources.flatMap { $0.flattened() }.filter { $0.kind == .promotable }
                    .flatMap { $0.flattened().filter { $0.kind == .primitive } }
                    .map { "\($0.id)@\($0.nodes.joined(separator: ","))=\($0.role?.description ?? "nil")" }.sorted()
            }
            let new = roles(try Corpus.parse("crm_mon", name))
            let old = roles(try Corpus.parse("crm_mon-pcmk2.0.5", name))
            #expect(new == old, "\(name)")
            if !new.isEmpty {
                documents += 1
                instances += new.count
                let raw = String(decoding: try Corpus.data("crm_mon-pcmk2.0.5", name), as: UTF8.self)
                #expect(!raw.contains("role=\"Promoted\"") && !raw.contains("role=\"Unpromoted\""), "\(name)")
                if raw.contains("role=\"Master\"") || raw.contains("role=\"Slave\"") { rawOld += 1 }
            }
        }
        #expect(documents == 45)
        #expect(rawOld == 42)     // the other 3 have only stopped instances
        #expect(instances > 150)
    }

    @Test("bans: promoted-only (2.1) and master_only (1.1/2.0) both set promotedOnly")
    func bans() throws {
        let s = try Corpus.parse("crm_mon", "sched-promoted-stop.xml")
        #expect(s.bans.map(\.id) == ["cli-ban-m-on-node3", "cli-ban-m-on-node2", "cli-ban-m-on-node1"])
        #expect(s.bans.map(\.promotedOnly) == [false, true, true])
        #expect(s.bans.allSatisfy { $0.resource == "m" && $0.weight == -1_000_000 })
        #expect(s.bans.map(\.node) == ["node3", "node2", "node1"])
        // The CIB says role="Promoted" (schema 3.7). 2.0.5 only knows "Master", so its
        // rendering (made with validate-with="none") reports master_only="false" for all three.
        let old = try Corpus.parse("crm_mon-pcmk2.0.5", "sched-promoted-stop.xml")
        #expect(old.bans.map(\.id) == s.bans.map(\.id) && old.bans.allSatisfy { !$0.promotedOnly })
        // Legacy spelling alone.
        let legacy = try CrmMonParser.parse("""
        <crm_mon version="1.1.18"><summary/><bans>
          <ban id="cli-ban-ms-on-n1" resource="ms" node="n1" weight="-1000000" master_only="true"/>
          <ban id="cli-ban-ms-on-n2" resource="ms" node="n2" weight="-1000000" master_only="false"/>
        </bans></crm_mon>
        """)
        #expect(legacy.bans.map(\.promotedOnly) == [true, false])
    }

    @Test("tickets: granted/revoked and standby")
    func tickets() throws {
        #expect(try Corpus.parse("crm_mon", "sched-tags-ticket.xml").tickets == [
            Ticket(id: "ticketA", granted: false, standby: false), Ticket(id: "ticketB", granted: false, standby: false),
        ])
        #expect(try Corpus.parse("crm_mon", "sched-ticket-rsc-sets-11.xml").tickets.first == Ticket(id: "ticketA", granted: true, standby: true))
        #expect(try Corpus.parse("crm_mon-legacy", "thirdparty-pcs-crm1.xml").tickets.isEmpty)
    }

    @Test("node attributes, with expected values")
    func nodeAttributes() throws {
        let s = try Corpus.parse("crm_mon", "cib-crm_mon.xml")
        let c1 = try #require(s.nodeAttributes.first { $0.node == "cluster01" })
        #expect(c1.attributes == [.init(name: "location", value: "office"), .init(name: "pingd", value: "1000", expected: "1000")])
        #expect(s.nodeAttributes.allSatisfy { s.node(named: $0.node) != nil })
    }

    @Test("node health: red and yellow, agreeing with the text rendering's words")
    func health() throws {
        let red = try #require(try Corpus.parse("crm_mon", "sched-systemhealtho3.xml").node(named: "hs21c"))
        #expect(red.health == .red && red.state == .online)
        let yellow = try #require(try Corpus.parse("crm_mon", "sched-systemhealtho2.xml").node(named: "hs21c"))
        #expect(yellow.health == .yellow)
        // 2.0.5 has no health attribute.
        #expect(try Corpus.parse("crm_mon-pcmk2.0.5", "sched-systemhealtho3.xml").nodes.allSatisfy { $0.health == nil })
    }

    @Test("guest and remote nodes: kind and container")
    func nodeKinds() throws {
        let remote = try #require(try Corpus.parse("crm_mon", "sched-remote-connection-unrecoverable.xml").node(named: "remote1"))
        #expect(remote.kind == .remote && remote.container == nil && !remote.expectedUp)
        let bundle = try Corpus.parse("crm_mon", "sched-bundle-replicas-change.xml")
        #expect(bundle.nodes.map(\.kind) == [.guest, .guest, .guest, .member])
        #expect(bundle.nodes.map(\.container) == ["httpd-bundle-docker-0", "httpd-bundle-docker-1", "httpd-bundle-docker-2", nil])
        let b = try #require(bundle.resources.first)
        #expect(b.kind == .bundle && b.bundleType == "docker" && b.image == "pcmktest:http" && b.unique)
        #expect(b.children.map(\.kind) == [.replica, .replica, .replica] && b.children.map(\.id) == ["0", "1", "2"])
        #expect(b.children[0].children.map(\.id) == ["httpd-bundle-ip-192.168.20.188", "httpd:0", "httpd-bundle-docker-0", "httpd-bundle-0"])
        #expect(b.active && !b.fullyActive)
        // 1.1.13's container_id spelling.
        let legacy = try CrmMonParser.parse("""
        <crm_mon version="1.1.13"><summary/><nodes>
          <node name="guest1" id="guest1" online="true" type="remote" container_id="vm1"/>
          <node name="ping1" id="p" online="true" type="ping"/>
          <node name="odd" id="o" online="true" type="martian"/>
        </nodes></crm_mon>
        """)
        #expect(legacy.nodes.map(\.kind) == [.guest, .ping, .unknown] && legacy.nodes[0].container == "vm1")
    }

    @Test("locked_to (shutdown lock) and fail-count 1000000")
    func lockedToAndFailCount() throws {
        let s = try Corpus.parse("crm_mon", "sched-shutdown-lock.xml")
        let rsc2 = try #require(s.primitives.first { $0.id == "rsc2" })
        #expect(rsc2.lockedTo == "node2" && rsc2.role == .stopped && rsc2.nodes.isEmpty)
        #expect(s.primitives.filter { $0.lockedTo != nil }.map(\.id) == ["rsc2"])
        let h = try Corpus.parse("crm_mon", "sched-per-op-failcount.xml").history
        let prm = h.flatMap(\.resources).filter { $0.id == "prmDummy" && $0.failCount != nil }
        #expect(prm.map(\.failCount) == [.infinity] && prm.first?.migrationThreshold == "1000000")
    }

    @Test("summary of a real 2.1.5 document")
    func summary() throws {
        let s = try Corpus.parse("crm_mon", "cib-crm_mon.xml")
        #expect(s.summary.stack == "corosync")
        #expect(s.summary.dc == "cluster02" && s.summary.quorum == true)
        #expect(s.summary.dcVersion == "2.0.4-1.e97f9675f.git.el7-e97f9675f")
        #expect(s.summary.nodesConfigured == 5 && s.summary.resourcesConfigured == 32 && s.summary.resourcesDisabled == 4)
        #expect(s.summary.lastChangeUser == "hacluster" && s.summary.lastChangeClient == "crmd" && s.summary.lastChangeOrigin == "cluster01")
        #expect(s.summary.lastChange == "Tue May  5 12:04:36 2020")
        #expect(s.summary.stonithEnabled == true && !s.summary.maintenanceMode && !s.summary.stopAllResources)
        #expect(s.nodes.first { $0.isDC }?.name == "cluster02")
    }

    @Test("legacy 1.1 documents from the field")
    func legacyThirdParty() throws {
        let s = try Corpus.parse("crm_mon-legacy", "thirdparty-pcs-crm1.xml")
        #expect(s.format == .legacy && s.apiVersion == "1.1.12")
        #expect(s.nodes.map(\.name) == ["node1", "node2", "node3"])
        #expect(s.summary.dc == "node3" && s.summary.dcVersion == "1.1.12-a9c8177" && s.summary.quorum == true)
        #expect(s.summary.resourcesConfigured == 24 && s.summary.resourcesDisabled == nil)
        #expect(s.summary.lastUpdate == "Sun Jul  5 12:52:15 2015")
        let dummy1 = try #require(s.primitives.first { $0.id == "dummy1" })
        #expect(dummy1.agent == "ocf:heartbeat:Dummy" && dummy1.nodes == ["node1"] && dummy1.role == .started)
        let dummy2 = try #require(s.primitives.first { $0.id == "dummy2" })
        #expect(dummy2.role == .stopped && dummy2.blocked && dummy2.nodes.isEmpty && dummy2.targetRole == "Started")
    }
}

/// `crm_mon --as-xml` (legacy `<crm_mon>` root) and `--output-as=xml` (`<pacemaker-result>`)
/// from the same Pacemaker on the same CIB must give the same model.
@Suite("Legacy and current root, same renderer", .corpus)
struct LegacyAgreementTests {
    static func normalised(_ s: ClusterStatus) -> ClusterStatus {
        var s = s
        s.format = .pacemakerResult
        s.apiVersion = ""
        s.summary.lastUpdate = nil          // the time of rendering
        return s
    }

    @Test("2.0.5: crm_mon-legacy/sched-*.pcmk2.0.5-as-xml.xml equals crm_mon-pcmk2.0.5/sched-*.xml")
    func pacemaker205() throws {
        var compared = 0
        for name in try Corpus.names(in: "crm_mon-legacy", suffix: ".pcmk2.0.5-as-xml.xml") {
            let base = String(name.dropLast(".pcmk2.0.5-as-xml.xml".count))
            let legacy = try Corpus.parse("crm_mon-legacy", name)
            let current = try Corpus.parse("crm_mon-pcmk2.0.5", base + ".xml")
            #expect(legacy.format == .legacy && current.format == .pacemakerResult)
            #expect(Self.normalised(legacy) == Self.normalised(current), "\(base)")
            compared += 1
        }
        #expect(compared == 150)
    }

    @Test("2.1.5: crm_mon-legacy/cib-*.pcmk2.1.5-as-xml.xml equals crm_mon/cib-*.xml")
    func pacemaker215() throws {
        var compared = 0
        for name in try Corpus.names(in: "crm_mon-legacy", suffix: ".pcmk2.1.5-as-xml.xml") {
            let base = String(name.dropLast(".pcmk2.1.5-as-xml.xml".count))
            let legacy = try Corpus.parse("crm_mon-legacy", name)
            let current = try Corpus.parse("crm_mon", base + ".xml")
            #expect(Self.normalised(legacy) == Self.normalised(current), "\(base)")
            compared += 1
        }
        #expect(compared == 6)
    }
}

@Suite("XML helpers and model derivations")
struct HelperTests {
    static func element(_ xml: String) throws -> (XMLDocument, XMLElement) {
        let doc = try xml.utf8CString.withUnsafeBytes { buf throws(CrmMonError) in
            try XMLDocument(bytes: UnsafeRawBufferPointer(rebasing: buf.dropLast()))
        }
        return (doc, try #require(doc.root))
    }

    @Test("milliseconds: ms, s, bare numbers; junk is nil")
    func milliseconds() throws {
        let (doc, e) = try Self.element(#"<x a="60000ms" b="10s" c="250" d="1.5s" e="soon" f=" 20ms "/>"#)
        #expect(e.milliseconds("a") == 60_000 && e.milliseconds("b") == 10_000 && e.milliseconds("c") == 250)
        #expect(e.milliseconds("d") == nil && e.milliseconds("e") == nil && e.milliseconds("zz") == nil)
        #expect(e.milliseconds("f") == 20)
        withExtendedLifetime(doc) {}
    }

    @Test("bool and int: the spellings crm_mon and the CIB use; defaults for junk")
    func boolAndInt() throws {
        let (doc, e) = try Self.element(#"<x t="true" y="yes" one="1" on="on" f="false" n="no" z="0" w="maybe" i=" 42 " j="4x"/>"#)
        #expect(e.bool("t") && e.bool("y") && e.bool("one") && e.bool("on"))
        #expect(!e.bool("f") && !e.bool("n") && !e.bool("z"))
        #expect(!e.bool("w") && e.bool("w", default: true) && e.bool("missing", default: true))
        #expect(e.int("i") == 42 && e.int("j") == nil && e.int("missing") == nil)
        withExtendedLifetime(doc) {}
    }

    @Test("Node.state: the most severe condition wins")
    func nodeStatePrecedence() {
        #expect(Node(name: "n", online: false, unclean: true).state == .unclean)
        #expect(Node(name: "n", online: false, standby: true, pending: true).state == .offline)
        #expect(Node(name: "n", standby: true, pending: true).state == .pending)
        #expect(Node(name: "n", maintenance: true, shutdown: true).state == .shutdown)
        #expect(Node(name: "n", standby: true, maintenance: true).state == .maintenance)
        #expect(Node(name: "n", standbyOnFail: true).state == .standby)
        #expect(Node(name: "n").state == .online)
    }

    @Test("Resource: flattened order and meantToBeStopped")
    func resourceDerivations() {
        let tree = Resource(id: "c", kind: .clone, children: [
            Resource(id: "g:0", kind: .group, children: [Resource(id: "a"), Resource(id: "b")]),
            Resource(id: "g:1", kind: .group, disabled: true, children: [Resource(id: "a")]),
        ])
        #expect(tree.flattened().map(\.id) == ["c", "g:0", "a", "b", "g:1", "a"])
        #expect(Resource(id: "x", targetRole: "stopped").meantToBeStopped)
        #expect(Resource(id: "x", targetRole: "Stopped").meantToBeStopped)
        #expect(!Resource(id: "x", targetRole: "Started").meantToBeStopped)
        #expect(tree.children[1].meantToBeStopped && !tree.children[0].meantToBeStopped)
    }
}
