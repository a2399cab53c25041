import Foundation
import Testing
@testable import PacetopCore

/// crm_simulate outputs recorded with Pacemaker 2.0.5, 2.1.5 and 3.0.0 (Tests/Fixtures/whatif) and the
/// in-memory CIB edits that feed it.
@Suite struct WhatIfTests {
    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: OwnFixture.root.appendingPathComponent("whatif/\(name)"), encoding: .utf8)
    }

    static func labCIB() throws -> Data {
        try Data(contentsOf: OwnFixture.root.appendingPathComponent("whatif/lab-cib.xml"))
    }

    func changes(_ name: String) throws -> [PlannedChange] {
        try WhatIf.changes(stdout: Self.fixture(name), stderr: "", exitCode: 0)
    }

    /// The Pacemaker versions recorded (Tests/Fixtures/README.md): 2.0.5 (Debian 11), 2.1.5 on
    /// the lab (Debian 12), 3.0.0 (Debian 13). 2.0 indents by one space and pads lines.
    static let versions = ["2.0.5", "2.1.5", "3.0.0"]

    @Test(arguments: versions) func moveListsTheSevenChainResourcesWithTheirTarget(version: String) throws {
        let c = try changes("crm_simulate-\(version)-move.txt")
        #expect(c.map(\.resource) == chain)
        #expect(c.allSatisfy { $0.kind == .move && $0.node == n1 && $0.target == n3 && $0.reason == nil })
        #expect(c.allSatisfy { $0.endsOn == n3 })
    }

    @Test(arguments: versions) func standbyMovesEverythingOffTheNode(version: String) throws {
        let c = try changes("crm_simulate-\(version)-standby.txt")
        #expect(c.map(\.resource) == chain)
        #expect(c.allSatisfy { $0.kind == .move && $0.node == n1 && $0.target == n2 })
    }

    @Test(arguments: versions) func targetRoleStoppedStopsTheResourceAndItsDependents(version: String) throws {
        let c = try changes("crm_simulate-\(version)-restart-vip.txt")
        #expect(c.map(\.resource) == ["vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"])
        #expect(c.allSatisfy { $0.kind == .stop && $0.node == n1 && $0.target == nil })
        #expect(c.first?.reason == "due to node availability")
    }

    @Test(arguments: versions) func anEmptySummaryMeansNothingChanges(version: String) throws {
        #expect(try changes("crm_simulate-\(version)-nothing.txt").isEmpty)
    }

    @Test(arguments: versions) func releaseAfterAMoveCanMoveTheChainBack(version: String) throws {
        let c = try changes("crm_simulate-\(version)-release-moves-back.txt")
        #expect(c.map(\.resource) == chain)
        #expect(c.allSatisfy { $0.kind == .move && $0.node == n3 && $0.target == n1 })
    }

    /// 2.0 and 2.1 exit 0 and print an empty cluster when their input fails validation: the
    /// errors on stderr make it a failed preview, not "nothing will change".
    @Test(arguments: ["2.0.5", "2.1.5"]) func invalidInputIsAFailureNotAnEmptyTransition(version: String) throws {
        let stdout = try Self.fixture("crm_simulate-\(version)-bad-input.txt")
        let stderr = try Self.fixture("crm_simulate-\(version)-bad-input.stderr.txt")
        #expect(TransitionSummary.parse(stdout) == [], "the summary itself is empty")
        do {
            _ = try WhatIf.changes(stdout: stdout, stderr: stderr, exitCode: 0)
            Issue.record("invalid input taken as a preview")
        } catch {
            #expect(error.description.contains("Relax-NG validity error"), "\(error)")
        }
    }

    /// 3.0 refuses it outright (exit 65, CRM_EX_DATAERR) and says why on stderr.
    @Test func pacemaker3RefusesInvalidInputWithItsReason() throws {
        let stdout = try Self.fixture("crm_simulate-3.0.0-bad-input.txt")
        let stderr = try Self.fixture("crm_simulate-3.0.0-bad-input.stderr.txt")
        #expect(throws: WhatIfError.simulation("crm_simulate failed (exit 65): crm_simulate: Could not read input XML: Bad input value provided")) {
            try WhatIf.changes(stdout: stdout, stderr: stderr, exitCode: 65)
        }
    }

    @Test func failuresWithoutARecording() {
        #expect(throws: WhatIfError.simulation("crm_simulate failed (exit 2): boom")) {
            try WhatIf.changes(stdout: "", stderr: "boom\n", exitCode: 2)
        }
        #expect(throws: WhatIfError.simulation("crm_simulate printed no transition summary")) {
            try WhatIf.changes(stdout: "Current cluster status:\n", stderr: "", exitCode: 0)
        }
    }

    /// Summary lines of kinds the lab does not produce (promotable clones, failures), written
    /// in the format Pacemaker 2.1's LogActions prints.
    @Test func otherKindsOfLines() {
        let text = """
        Transition Summary:
          * Promote    db:0     ( Unpromoted -> Promoted node-a )
          * Demote     db:1     ( Promoted -> Unpromoted node-b )
          * Recover    web      ( node-a )
          * Migrate    vm       ( node-a -> node-b )
          * Start      ip       ( node-c )
          * Restart    fs       ( node-a )  due to required ip start

        Executing Cluster Transition:
          * Resource action: ip start on node-c
        """
        let c = TransitionSummary.parse(text) ?? []
        #expect(c.map(\.kind) == [.promote, .demote, .recover, .migrate, .start, .restart])
        #expect(c[0].node == "node-a" && c[0].target == nil)
        #expect(c[1].node == "node-b")
        #expect(c[3].node == "node-a" && c[3].target == "node-b")
        #expect(c[4].endsOn == "node-c")
        #expect(c[5].reason == "due to required ip start")
    }

    // MARK: Edits

    @Test func moveAddsTheCliPreferConstraintTheRealCommandWouldAdd() throws {
        let edited = try WhatIf.edit(Self.labCIB(), for: .move(resource: "pbx", node: n3))
        let config = try CIBConfiguration.parse(edited)
        #expect(config.cliConstraints.count == 1)
        let c = try #require(config.cliConstraints.first)
        #expect(c.id == "cli-prefer-pbx" && c.kind == .prefer && c.resource == "pbx" && c.node == n3)
        #expect(c.score == "INFINITY")
        #expect(config.clusterName == "portsip-lab", "the rest of the CIB is intact")
        // Moving again replaces the constraint, as crm_resource --move does.
        let twice = try WhatIf.edit(edited, for: .moveFor(resource: "pbx", node: n2, minutes: 10))
        #expect(try CIBConfiguration.parse(twice).cliConstraints.map(\.node) == [n2])
        // And clearing removes it.
        let cleared = try WhatIf.edit(twice, for: .clear(resource: "pbx", node: nil))
        #expect(try CIBConfiguration.parse(cleared).cliConstraints.isEmpty)
        let status = String(decoding: cleared, as: UTF8.self)
        #expect(status.contains("<status>") && status.contains("lrm_rsc_op"), "the status section is kept")
    }

    @Test func standbySetsTheNodeAttribute() throws {
        let on = String(decoding: try WhatIf.edit(Self.labCIB(), for: .standby(node: n1)), as: UTF8.self)
        #expect(on.contains(#"<node id="1" uname="ip-172-31-16-133"><instance_attributes id="nodes-1"><nvpair id="nodes-1-standby" name="standby" value="on"/></instance_attributes></node>"#))
        let off = String(decoding: try WhatIf.edit(Data(on.utf8), for: .unstandby(node: n1)), as: UTF8.self)
        #expect(off.contains(#"<nvpair id="nodes-1-standby" name="standby" value="off"/>"#))
        #expect(!off.contains(#"value="on""#))
        #expect(throws: WhatIfError.notInCIB("node nosuch")) {
            try WhatIf.edit(Self.labCIB(), for: .standby(node: "nosuch"))
        }
    }

    @Test func restartStopsTheResourceInTheCopy() throws {
        let s = String(decoding: try WhatIf.edit(Self.labCIB(), for: .restart(resource: "vip")), as: UTF8.self)
        #expect(s.contains(#"<meta_attributes id="vip-meta_attributes"><nvpair id="vip-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes>"#))
        #expect(throws: WhatIfError.notInCIB("resource nosuch")) {
            try WhatIf.edit(Self.labCIB(), for: .restart(resource: "nosuch"))
        }
    }

    @Test func cleanupForgetsFailuresOnly() throws {
        let cib = """
        <cib><configuration><nodes/><resources/><constraints/></configuration><status>
        <node_state uname="a"><transient_attributes id="1"><instance_attributes id="s-1">
        <nvpair id="x" name="fail-count-pbx#monitor_5000" value="1"/><nvpair id="y" name="last-failure-pbx#monitor_5000" value="9"/>
        <nvpair id="z" name="fail-count-vip#monitor_5000" value="1"/></instance_attributes></transient_attributes>
        <lrm><lrm_resources><lrm_resource id="pbx"><lrm_rsc_op id="pbx_last_0" operation_key="pbx_start_0"/>
        <lrm_rsc_op id="pbx_last_failure_0" operation_key="pbx_monitor_5000"/></lrm_resource></lrm_resources></lrm>
        </node_state></status></cib>
        """
        let s = String(decoding: try WhatIf.edit(Data(cib.utf8), for: .cleanup(resource: "pbx", node: nil)), as: UTF8.self)
        #expect(!s.contains("fail-count-pbx") && !s.contains("last-failure-pbx") && !s.contains("pbx_last_failure_0"))
        #expect(s.contains("fail-count-vip") && s.contains("pbx_last_0"), "other resources and the state stay")
    }

    @Test func notACIBIsAClearError() {
        #expect(throws: WhatIfError.self) { try WhatIf.edit(Data("<crm_mon/>".utf8), for: .standby(node: "a")) }
        #expect(throws: WhatIfError.self) { try WhatIf.edit(Data("not xml".utf8), for: .standby(node: "a")) }
    }
}
