import Foundation
import Testing

/// `--once` prints remote text (crm_mon's <error> text, names) to a terminal or a log: no
/// control character from the cluster may reach it (a CR rewrites the line, CSI clears it).
@Suite struct OnceTextTests {
    func once(_ xml: String) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-once-\(UUID().uuidString.prefix(8)).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try Tmux.run(["XDG_CONFIG_HOME=/nonexistent", Tmux.pacetop, "--once", "--xml-file", file.path])
    }

    static func hasControls(_ s: String) -> Bool {
        s.unicodeScalars.contains { c in
            (c.value < 0x20 && c != "\n" && c != "\t") || (0x7F...0x9F).contains(c.value)
        }
    }

    @Test func errorTextFromCrmMonIsStrippedOfControlCharacters() throws {
        let r = try once("""
            <pacemaker-result api-version="2.25"><status code="102" message="Not connected&#13;">\
            <errors><error>real error&#13;FAKE: cluster healthy&#x9B;2K</error></errors></status></pacemaker-result>
            """)
        #expect(r.status == 3, "\(r.output)")
        #expect(r.output.contains("real error"), "\(r.output)")
        #expect(r.output.contains("FAKE: cluster healthy"), "the text stays, only the controls go")
        #expect(!Self.hasControls(r.output), "\(r.output.debugDescription)")
    }

    @Test func namesInTheTextReportAreStrippedToo() throws {
        let r = try once("""
            <pacemaker-result api-version="2.25"><summary><stack type="corosync"/>\
            <current_dc present="true" name="n1&#13;" with_quorum="true"/></summary>\
            <nodes><node name="n1&#13;&#x85;" id="1" online="true" standby="false" maintenance="false" \
            pending="false" unclean="false" shutdown="false" expected_up="true" is_dc="true" resources_running="0" type="member"/></nodes>\
            <resources/></pacemaker-result>
            """)
        #expect(r.output.contains("n1"), "\(r.output)")
        #expect(!Self.hasControls(r.output), "\(r.output.debugDescription)")
    }
}
