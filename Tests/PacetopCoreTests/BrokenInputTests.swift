import Foundation
import Testing
@testable import PacetopCore

/// Outcome of one parse, for tallies.
private enum Outcome { case model(ClusterStatus), error(CrmMonError) }

private func outcome(_ bytes: [UInt8]) -> Outcome {
    do { return .model(try CrmMonParser.parse(Data(bytes))) } catch { return .error(error) }
}

/// An error is *specific* when it says what was wrong and, for XML errors, where.
private func isSpecific(_ e: CrmMonError) -> Bool {
    switch e {
    case .empty, .noSummary: true
    case .malformedXML(let line, let column, let message): line >= 1 && column >= 0 && !message.isEmpty
    case .notCrmMon(let root): !root.isEmpty
    case .crmMonFailed: true
    case .disconnected(let d): !d.isEmpty
    case .invalid(let element, let attribute, _): !element.isEmpty && !attribute.isEmpty
    }
}

private func caseName(_ e: CrmMonError) -> String {
    switch e {
    case .empty: "empty"
    case .malformedXML: "malformedXML"
    case .notCrmMon: "notCrmMon"
    case .crmMonFailed: "crmMonFailed"
    case .disconnected: "disconnected"
    case .noSummary: "noSummary"
    case .invalid: "invalid"
    }
}

private func isMalformed(_ e: CrmMonError?) -> Bool {
    if case .malformedXML? = e { return true }
    return false
}

@Suite("Broken input: truncated and mutated real documents", .corpus)
struct CorpusFuzzTests {
    /// A real 2.1.5 rendering of 16.6 KB: guests, clones, failures, history.
    static let sample = ("crm_mon", "sched-priority-fencing-delay.xml")

    @Test("a real document cut at every byte offset is malformed or empty until its root closes",
          arguments: [("crm_mon", "sched-priority-fencing-delay.xml", "</pacemaker-result>"),
                      ("crm_mon-pcmk2.0.5", "sched-guest-host-not-fenceable.xml", "</pacemaker-result>"),
                      ("crm_mon-legacy", "sched-bug-suse-707150.pcmk2.0.5-as-xml.xml", "</crm_mon>")])
    func truncatedAtEveryOffset(_ folder: String, _ name: String, _ end: String) throws {
        let bytes = [UInt8](try Corpus.data(folder, name))
        #expect((10_000...20_000).contains(bytes.count))
        let full = try CrmMonParser.parse(Data(bytes))
        // The root element closes at its end tag: every shorter prefix leaves it open, so
        // none can be well-formed. Longer prefixes only drop trailing whitespace.
        let close = Array(end.utf8)
        let rootEnd = try #require((0...(bytes.count - close.count)).last { Array(bytes[$0..<($0 + close.count)]) == close }) + close.count
        var empty = 0, malformed = 0, complete = 0
        for cut in 0...bytes.count {
            switch outcome(Array(bytes[..<cut])) {
            case .model(let m):
                #expect(cut >= rootEnd, "prefix of \(cut) bytes parsed as a model")
                #expect(m == full, "prefix of \(cut) bytes differs from the whole document")
                complete += 1
            case .error(.empty):
                #expect(cut == 0, "prefix of \(cut) bytes reported as empty")
                empty += 1
            case .error(let e):
                #expect(isMalformed(e) && isSpecific(e), "prefix of \(cut) bytes: \(e)")
                #expect(cut < rootEnd, "whole document with \(cut) bytes rejected: \(e)")
                malformed += 1
            }
        }
        #expect(empty == 1)
        #expect(malformed == rootEnd - 1)
        #expect(complete == bytes.count - rootEnd + 1)
    }

    @Test("thousands of seeded random mutations give a model or a specific error",
          arguments: [("crm_mon", "sched-priority-fencing-delay.xml", UInt64(0x5EED_CAFE)),
                      ("crm_mon-pcmk2.0.5", "sched-guest-host-not-fenceable.xml", 0xBADC_0FFE),
                      ("crm_mon-legacy", "thirdparty-pcs-crm1.xml", 0x0DDB_A11)])
    func randomMutations(_ folder: String, _ name: String, _ seed: UInt64) throws {
        let original = [UInt8](try Corpus.data(folder, name))
        let interesting = Array("<>\"'&/=:;# \n\0".utf8) + [0xFF, 0xC3, 0xE2, 0x80]
        var rng = SplitMix64(seed: seed)
        var models = 0, errors: [String: Int] = [:]
        for round in 0..<3_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[i] = interesting.randomElement(using: &rng)!
                case 2: bytes.insert(interesting.randomElement(using: &rng)!, at: i)
                default: bytes.remove(at: i)
                }
            }
            switch outcome(bytes) {
            case .model(let m):
                models += 1
                #expect(m.nodes.allSatisfy { !$0.name.isEmpty }, "\(name) round \(round)")
            case .error(let e):
                #expect(isSpecific(e), "\(name) round \(round): \(e)")
                errors[caseName(e), default: 0] += 1
            }
        }
        // Both outcomes occur: a mutation inside an attribute value often leaves a valid doc.
        #expect(models > 100)
        #expect(errors["malformedXML", default: 0] > 1_000)
        #expect(models + errors.values.reduce(0, +) == 3_000)
    }

    @Test("a non-UTF-8 byte in a real document's node name is a malformed-XML error on its line")
    func nonUTF8InRealDocument() throws {
        var bytes = [UInt8](try Corpus.data(Self.sample.0, Self.sample.1))
        let needle = Array("<node name=\"kiff-01\"".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        bytes[at + needle.count - 2] = 0xFF            // kiff-0\xFF
        let line = bytes[..<at].filter { $0 == 0x0A }.count + 1
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(Data(bytes)) }
        guard case .malformedXML(let l, _, let message)? = error else {
            Issue.record("expected malformedXML, got \(String(describing: error))")
            return
        }
        #expect(l == line)
        #expect(message.localizedCaseInsensitiveContains("UTF-8") || message.localizedCaseInsensitiveContains("encoding"), "\(message)")
    }
}

@Suite("Broken input: synthetic documents")
struct SyntheticInputTests {
    static let minimal = """
    <pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">
      <summary><current_dc present="true" name="n1" with_quorum="true"/><nodes_configured number="1"/></summary>
      <nodes><node name="n1" id="1" online="true" is_dc="true" resources_running="0" type="member"/></nodes>
      <status code="0" message="OK"/>
    </pacemaker-result>
    """

    @Test("the minimal document parses (the base the broken variants start from)")
    func minimalParses() throws {
        let s = try CrmMonParser.parse(Self.minimal)
        #expect(s.nodes.map(\.name) == ["n1"])
        #expect(s.summary.dc == "n1" && s.summary.quorum == true)
    }

    @Test("empty and whitespace-only input is .empty", arguments: ["", " ", "\n", " \t\r\n  \n"])
    func emptyInput(_ text: String) {
        #expect(throws: CrmMonError.empty) { try CrmMonParser.parse(Data(text.utf8)) }
    }

    @Test("XML that is not crm_mon output names its root")
    func notCrmMon() {
        #expect(throws: CrmMonError.notCrmMon(root: "html")) {
            try CrmMonParser.parse("<html><body><pacemaker-result/></body></html>")
        }
        #expect(throws: CrmMonError.notCrmMon(root: "cib")) {
            try CrmMonParser.parse("<?xml version=\"1.0\"?>\n<cib epoch=\"1\"><configuration/></cib>")
        }
    }

    @Test("an XML declaration alone, text, or garbage is malformed XML with a position",
          arguments: ["<?xml version=\"1.0\"?>", "crm_mon: command not found", "<pacemaker-result", "\u{0}\u{1}\u{2}",
                      "<pacemaker-result api-version=\"2.25\"><summary></pacemaker-result>",
                      "<pacemaker-result></pacemaker-result><second/>"])
    func garbage(_ text: String) {
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(text) }
        #expect(isMalformed(error), "\(String(describing: error))")
        if case .malformedXML(let line, _, let message)? = error {
            #expect(line >= 1 && !message.isEmpty)
        }
    }

    @Test("a BOM, UTF-16 and leading blank lines are read; stray output around the document is a specific error")
    func encodingsAndStrayOutput() throws {
        let doc = "<pacemaker-result api-version=\"2.25\"><summary/><nodes><node name=\"nø\"/></nodes></pacemaker-result>"
        for data in [Data([0xEF, 0xBB, 0xBF]) + Data(doc.utf8),
                     Data([0xFF, 0xFE]) + doc.data(using: .utf16LittleEndian)!,
                     Data([0xFE, 0xFF]) + ("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + doc).data(using: .utf16BigEndian)!,
                     Data(("\n\n" + doc + "\n").utf8)] {
            #expect(try CrmMonParser.parse(data).nodes.map(\.name) == ["nø"])
        }
        // A shell that prints something after crm_mon, or a NUL: the line and column say where.
        #expect(throws: CrmMonError.malformedXML(line: 2, column: 1, "Extra content at the end of the document")) {
            try CrmMonParser.parse(doc + "\ncrm_mon: warning")
        }
        #expect(throws: CrmMonError.self) { try CrmMonParser.parse(Data(doc.utf8) + Data([0])) }
        // An XML declaration must come first (a blank line before it is an error).
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse("\n<?xml version=\"1.0\"?>\n" + doc) }
        guard case .malformedXML(2, _, let message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("XML declaration"))
    }

    @Test("<pacemakerd> and stack@pacemakerd-state give the daemon state")
    func pacemakerdState() throws {
        let a = try CrmMonParser.parse("""
        <pacemaker-result api-version="2.25"><pacemakerd sys_from="pacemakerd" state="running" last_updated="Tue May  5 12:04:36 2020"/>
          <summary><stack type="corosync"/></summary></pacemaker-result>
        """)
        #expect(a.summary.pacemakerdState == "running" && a.summary.stack == "corosync")
        let b = try CrmMonParser.parse("""
        <pacemaker-result api-version="2.30"><summary><stack type="corosync" pacemakerd-state="shutting_down"/></summary></pacemaker-result>
        """)
        #expect(b.summary.pacemakerdState == "shutting_down")
        let c = try CrmMonParser.parse("<pacemaker-result api-version=\"2.25\"><summary><current_dc present=\"false\"/></summary></pacemaker-result>")
        #expect(c.summary.dc == nil && c.summary.quorum == nil && c.summary.pacemakerdState == nil)
    }

    @Test("<pacemaker-result> without <summary> is .noSummary")
    func noSummary() {
        #expect(throws: CrmMonError.noSummary) {
            try CrmMonParser.parse("<pacemaker-result api-version=\"2.25\"><status code=\"0\" message=\"OK\"/></pacemaker-result>")
        }
        #expect(throws: CrmMonError.noSummary) { try CrmMonParser.parse("<crm_mon version=\"1.1.18\"/>") }
    }

    @Test("<crm-mon-disconnected> is .disconnected with crm_mon's description")
    func disconnected() {
        #expect(throws: CrmMonError.disconnected("Pacemaker daemons shutting down")) {
            try CrmMonParser.parse("""
            <pacemaker-result api-version="2.30" request="crm_mon --output-as=xml">
              <crm-mon-disconnected description="Pacemaker daemons shutting down" pacemakerd-state="shutting_down"/>
              <status code="102" message="Not connected"/>
            </pacemaker-result>
            """)
        }
        #expect(throws: CrmMonError.disconnected("wait_for_ping")) {
            try CrmMonParser.parse("<pacemaker-result api-version=\"2.30\"><crm-mon-disconnected pacemakerd-state=\"wait_for_ping\"/></pacemaker-result>")
        }
    }

    @Test("a required attribute missing or empty is .invalid naming element and attribute")
    func invalid() {
        let base = Self.minimal
        #expect(throws: CrmMonError.invalid(element: "node", attribute: "name", value: nil)) {
            try CrmMonParser.parse(base.replacingOccurrences(of: "name=\"n1\" id=\"1\"", with: "id=\"1\""))
        }
        #expect(throws: CrmMonError.invalid(element: "node", attribute: "name", value: nil)) {
            try CrmMonParser.parse(base.replacingOccurrences(of: "name=\"n1\" id=\"1\"", with: "name=\"\" id=\"1\""))
        }
        #expect(throws: CrmMonError.invalid(element: "resource", attribute: "id", value: nil)) {
            try CrmMonParser.parse(base.replacingOccurrences(of: "</nodes>", with: "</nodes><resources><group id=\"g\"><resource role=\"Started\"/></group></resources>"))
        }
        #expect(throws: CrmMonError.invalid(element: "failure", attribute: "exitcode", value: "OK")) {
            try CrmMonParser.parse(base.replacingOccurrences(of: "</nodes>", with: "</nodes><failures><failure op_key=\"a_start_0\" node=\"n1\" exitcode=\"OK\"/></failures>"))
        }
        #expect(throws: CrmMonError.invalid(element: "ban", attribute: "node", value: nil)) {
            try CrmMonParser.parse(base.replacingOccurrences(of: "</nodes>", with: "</nodes><bans><ban id=\"b\" resource=\"r\"/></bans>"))
        }
    }

    @Test("non-UTF-8 bytes in an attribute value or in text are malformed XML")
    func nonUTF8() {
        func bytes(_ parts: [UInt8]...) -> Data { Data(parts.joined()) }
        let head = Array("<pacemaker-result api-version=\"2.25\"><summary/><nodes><node name=\"caf".utf8)
        let tail = Array("\"/></nodes></pacemaker-result>".utf8)
        for bad: [UInt8] in [[0xE9], [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF]] {
            let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(bytes(head, bad, tail)) }
            #expect(isMalformed(error), "\(bad): \(String(describing: error))")
        }
        // In text: crm_mon's error lines.
        let textDoc = bytes(Array("<pacemaker-result api-version=\"2.25\"><status code=\"102\" message=\"Not connected\"><errors><error>caf".utf8),
                            [0xE9], Array("</error></errors></status></pacemaker-result>".utf8))
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(textDoc) }
        #expect(isMalformed(error), "\(String(describing: error))")
        // The same byte is fine when the document declares its encoding.
        let latin1 = bytes(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>".utf8), head, [0xE9], tail)
        #expect((try? CrmMonParser.parse(latin1))?.nodes.map(\.name) == ["café"])
    }

    @Test("a DOCTYPE with an external entity is not expanded (no XXE)")
    func externalEntity() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-xxe-\(UInt64.random(in: 0...UInt64.max)).txt")
        try "XXE-SECRET-CONTENT".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        for target in [secret.absoluteString, "file:///etc/passwd", secret.path] {
            let doc = """
            <?xml version="1.0"?>
            <!DOCTYPE pacemaker-result [ <!ENTITY xxe SYSTEM "\(target)"> ]>
            <pacemaker-result api-version="2.25">
              <status code="102" message="Not connected"><errors><error>before &xxe; after</error></errors></status>
            </pacemaker-result>
            """
            do {
                _ = try CrmMonParser.parse(doc)
                Issue.record("\(target): parsed as a model")
            } catch .crmMonFailed(let code, _, let errors) {
                #expect(code == 102)
                #expect(errors.count == 1)
                let text = errors.joined()
                #expect(!text.contains("XXE-SECRET") && !text.contains("root:"), "\(target): entity expanded: \(text)")
                #expect(text.hasPrefix("before"), "\(text)")
            } catch {
                // Refusing the document outright is as good, if the error is specific.
                #expect(isMalformed(error), "\(target): \(error)")
            }
            // In an attribute value an external entity is a well-formedness error.
            let attr = """
            <!DOCTYPE pacemaker-result [ <!ENTITY xxe SYSTEM "\(target)"> ]>
            <pacemaker-result api-version="2.25"><summary/><nodes><node name="&xxe;"/></nodes></pacemaker-result>
            """
            let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(attr) }
            #expect(isMalformed(error), "\(target): \(String(describing: error))")
        }
    }

    @Test("an internal entity is refused with its DTD, never pasted into a value")
    func internalEntityInAttribute() throws {
        let doc = """
        <!DOCTYPE pacemaker-result [ <!ENTITY x "XX"> ]>
        <pacemaker-result api-version="2.25"><summary/><nodes><node name="a&x;b" id="1"/></nodes>
          <resources><resource id="r&x;" role="Started"><node name="a&x;b"/></resource></resources></pacemaker-result>
        """
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(doc) }
        #expect(error.map { isSpecific($0) && $0.description.contains("DTD") } == true, "\(String(describing: error))")
    }

    @Test("nested internal entities (billion laughs) are not expanded")
    func billionLaughs() {
        var dtd = "<!ENTITY lol0 \"lollollollollollollollollollol\">"
        for i in 1...9 { dtd += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">" }
        let doc = """
        <!DOCTYPE pacemaker-result [ \(dtd) ]>
        <pacemaker-result api-version="2.25"><status code="102" message="x"><errors><error>&lol9;</error></errors></status></pacemaker-result>
        """
        do {
            _ = try CrmMonParser.parse(doc)
            Issue.record("parsed as a model")
        } catch .crmMonFailed(_, _, let errors) {
            #expect(errors.joined().utf8.count < 1_000, "entities expanded to \(errors.joined().utf8.count) bytes")
        } catch {
            #expect(isMalformed(error), "\(error)")
        }
        // In an attribute value libxml2 expands internal entities to check them; its
        // amplification guard must refuse this (it would not under XML_PARSE_HUGE: it hangs).
        let attr = """
        <!DOCTYPE pacemaker-result [ \(dtd) ]>
        <pacemaker-result api-version="2.25"><summary/><nodes><node name="&lol9;"/></nodes></pacemaker-result>
        """
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(attr) }
        #expect(isMalformed(error), "\(String(describing: error))")
    }

    @Test("100,000 nested elements are refused by libxml2's depth limit, not a stack overflow")
    func deepNesting() {
        let depth = 100_000
        var doc = "<pacemaker-result api-version=\"2.25\"><summary/><resources>"
        doc += String(repeating: "<group id=\"g\">", count: depth)
        doc += String(repeating: "</group>", count: depth)
        doc += "</resources></pacemaker-result>"
        let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(doc) }
        guard case .malformedXML(_, _, let message)? = error else {
            Issue.record("expected malformedXML, got \(String(describing: error))")
            return
        }
        #expect(message.localizedCaseInsensitiveContains("depth"), "\(message)")
        // The same as bare elements outside <resources>.
        let bare = "<pacemaker-result>" + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) + "</pacemaker-result>"
        #expect(isMalformed(#expect(throws: CrmMonError.self) { try CrmMonParser.parse(bare) }))
    }

    /// `levels` of alternating clone/group around one primitive.
    static func nested(_ levels: Int) -> String {
        var doc = "<pacemaker-result api-version=\"2.25\"><summary/><nodes><node name=\"n1\"/></nodes><resources>"
        for i in 0..<levels { doc += i % 2 == 0 ? "<clone id=\"c\(i)\" multi_state=\"false\">" : "<group id=\"g\(i)\">" }
        doc += "<resource id=\"leaf\" resource_agent=\"ocf:pacemaker:Dummy\" role=\"Started\" active=\"true\"><node name=\"n1\"/></resource>"
        for i in (0..<levels).reversed() { doc += i % 2 == 0 ? "</clone>" : "</group>" }
        return doc + "</resources></pacemaker-result>"
    }

    @Test("collections nested a few hundred deep: the parser's recursion is bounded by libxml2's depth limit")
    func nestedCollections() throws {
        // 250 levels + pacemaker-result + resources + the primitive stay within libxml2's 256.
        let s = try CrmMonParser.parse(Self.nested(250))
        var depth = 0
        var r = try #require(s.resources.first)
        while let c = r.children.first { depth += 1; r = c }
        #expect(depth == 250)
        #expect(r.id == "leaf" && r.nodes == ["n1"] && r.role == .started)
        #expect(s.resources[0].kind == .clone && s.resources[0].active)
        #expect(s.resources[0].flattened().count == 251)
        for levels in [260, 400, 1_000] {
            let error = #expect(throws: CrmMonError.self) { try CrmMonParser.parse(Self.nested(levels)) }
            #expect(isMalformed(error), "\(levels): \(String(describing: error))")
        }
    }

    @Test("a 50 MB document of repeated <resource> elements parses with the right count")
    func fiftyMegabytes() throws {
        let target = 50 * 1024 * 1024
        var doc = [UInt8]()
        doc.reserveCapacity(target + 4096)
        doc += Array("""
        <pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">
          <summary><nodes_configured number="2"/></summary>
          <nodes><node name="node1" online="true" type="member"/><node name="node2" online="true" type="member"/></nodes>
          <resources>

        """.utf8)
        let padding = String(repeating: "x", count: 200)
        var count = 0
        while doc.count < target {
            let node = count % 3 == 0 ? "node2" : "node1"
            doc += Array("""
                <resource id="rsc-\(count)" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1" description="\(padding)"><node name="\(node)" id="1" cached="true"/></resource>

            """.utf8)
            count += 1
        }
        doc += Array("  </resources>\n</pacemaker-result>\n".utf8)
        #expect(doc.count >= target)
        let s = try CrmMonParser.parse(Data(doc))
        #expect(s.resources.count == count)
        #expect(s.resources.first?.id == "rsc-0" && s.resources.last?.id == "rsc-\(count - 1)")
        #expect(s.resources.filter { $0.nodes == ["node2"] }.count == (count + 2) / 3)
        #expect(s.resources.allSatisfy { $0.role == .started && $0.description?.count == 200 })
    }
}
