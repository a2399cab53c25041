import Foundation
import Testing
@testable import PacetopCore

/// XML that crm_mon and cibadmin never produce, built to exhaust memory: refused outright.
@Suite("Hostile XML")
struct HostileXMLTests {
    /// Entities that nest `fanout` deep, `levels` times: a few hundred bytes that expand to
    /// fanout^levels copies of a 100-byte string if anything expands them.
    static func laughs(levels: Int = 6, fanout: Int = 10) -> String {
        var dtd = "<!ENTITY l0 \"\(String(repeating: "ha", count: 50))\">\n"
        for i in 1...levels {
            dtd += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: fanout) + "\">\n"
        }
        return "<?xml version=\"1.0\"?>\n<!DOCTYPE pacemaker-result [\n\(dtd)]>\n"
    }

    static let body = """
        <summary><stack type="corosync"/><current_dc present="true" name="n1"/></summary>
        <nodes/><resources/>
        """

    func expectRefused(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try CrmMonParser.parse(xml)
            Issue.record("a document with a DTD was accepted", sourceLocation: sourceLocation)
        } catch {
            guard case .malformedXML(let line, _, let message) = error else {
                Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(line >= 1, sourceLocation: sourceLocation)
            #expect(message.contains("DTD"), "\(message)", sourceLocation: sourceLocation)
        }
    }

    @Test func entityAmplificationInTextIsRefused() {
        expectRefused(Self.laughs() + "<pacemaker-result api-version=\"2.25\">\(Self.body)<x>&l6;</x></pacemaker-result>")
    }

    @Test func entityAmplificationInAttributesIsRefused() {
        expectRefused(Self.laughs() + "<pacemaker-result api-version=\"&l6;\">\(Self.body)</pacemaker-result>")
        // Below libxml2's own loop detection: a modest 100 × 1 KB, still never concatenated.
        expectRefused(Self.laughs(levels: 2) + "<pacemaker-result api-version=\"2.25\">\(Self.body)"
                      + "<nodes><node name=\"&l2;\" id=\"1\"/></nodes></pacemaker-result>")
    }

    @Test func externalDTDsAndEntitiesAreRefusedWithoutFetchingThem() {
        expectRefused("<!DOCTYPE pacemaker-result SYSTEM \"file:///etc/passwd\">\n<pacemaker-result/>")
        expectRefused("<!DOCTYPE r [<!ENTITY x \"evil\">]>\n<pacemaker-result api-version=\"&x;\"/>")
        expectRefused("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>\n<pacemaker-result a=\"&x;\"/>")
    }

    @Test func undeclaredEntitiesAreMalformedButCharacterReferencesWork() throws {
        #expect(throws: CrmMonError.self) { try CrmMonParser.parse("<pacemaker-result api-version=\"&x;\"/>") }
        let cib = try CIBConfiguration.parse(Data("""
            <configuration><crm_config><cluster_property_set id="p">
            <nvpair id="n" name="cluster-name" value="a&amp;b&#65;"/></cluster_property_set></crm_config></configuration>
            """.utf8))
        #expect(cib.clusterName == "a&bA")
    }

    @Test func theCIBReaderRefusesDTDsToo() {
        let xml = Self.laughs() + "<configuration><crm_config><cluster_property_set id=\"p\">"
            + "<nvpair id=\"n\" name=\"cluster-name\" value=\"&l6;\"/></cluster_property_set></crm_config></configuration>"
        #expect { try CIBConfiguration.parse(Data(xml.utf8)) } throws: { e in
            if case CrmMonError.malformedXML(_, _, let m) = e { return m.contains("DTD") }
            return false
        }
    }
}
