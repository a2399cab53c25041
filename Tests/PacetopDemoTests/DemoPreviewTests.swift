import Foundation
import Testing
import PacetopCore
@testable import PacetopDemo

/// The demo's what-if: computed on a copy of its model, never on the running simulation.
@Suite struct DemoPreviewTests {
    let n1 = "ip-172-31-16-133", n2 = "ip-172-31-16-134", n3 = "ip-172-31-16-135"
    let chain = ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"]

    func ready(_ demo: DemoSource, _ action: ClusterAction) throws -> Preview {
        let command = try PreparedAction(action, remote: demo.remote, node: n1)
        guard case .ready(let p) = demo.preview(command) else { throw DemoPreviewError(demo.preview(command)) }
        return p
    }

    struct DemoPreviewError: Error { var outcome: PreviewOutcome; init(_ o: PreviewOutcome) { outcome = o } }

    @Test func moveListsTheChainMovingToTheTargetAndChangesNothing() throws {
        let demo = DemoSource(clock: ManualDemoClock())
        let before = demo.crmMonXML()
        let p = try ready(demo, .move(resource: "pbx", node: n3))
        #expect(p.changes.map(\.resource) == chain)
        #expect(p.changes.allSatisfy { $0.kind == .move && $0.node == n1 && $0.target == n3 })
        #expect(p.afterRelease == [], "stickiness: clearing moves nothing back in the demo")
        #expect(p.computedBy == "the demo's own simulation")
        #expect(demo.crmMonXML() == before, "the running simulation is untouched")
        #expect(try demo.poll().result.get().master() == n1)
    }

    @Test func standbyRestartAndErrors() throws {
        let demo = DemoSource(clock: ManualDemoClock())
        let standby = try ready(demo, .standby(node: n1))
        #expect(standby.changes.filter { $0.kind == .move }.map(\.resource) == chain)
        #expect(standby.changes.contains { $0.kind == .stop && $0.resource == "ping-clone" && $0.node == n1 })
        let restart = try ready(demo, .restart(resource: "ebs"))
        #expect(restart.changes.map(\.resource) == ["ebs", "datapath_fs", "pbx"])
        #expect(restart.changes.allSatisfy { $0.kind == .restart && $0.node == n1 })
        #expect(try ready(demo, .unstandby(node: n2)).changes.isEmpty, "nothing will change")
        let command = try PreparedAction(.restart(resource: "nosuch"), remote: demo.remote, node: n1)
        guard case .failed(let why) = demo.preview(command) else { Issue.record("no failure"); return }
        #expect(why.contains("nosuch"))
    }
}
