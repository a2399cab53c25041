import Foundation
import PacetopCore
import Testing
@testable import PacetopApp

/// The verdict and rows are computed when a status arrives, and the panes read them.
@Suite struct DigestTests {
    @Test func verdictAndRowsComeWithEachPoll() throws {
        var s = makeState()
        #expect(s.digest == nil)
        let moved = try Fixture.status("moved")
        _ = poll(&s, moved)
        #expect(s.digest?.health == moved.health())
        #expect(s.digest?.master == moved.master())
        _ = poll(&s, try Fixture.status("healthy"), at: t0.addingTimeInterval(2))
        #expect(s.digest?.health.level == .ok)
        #expect(Rows.problems(s).isEmpty)
    }

    /// Constraints, failed actions and fail counts have their own rows: the verdict's reasons
    /// for them are not listed a second time, the others are (decided by type, not by text).
    @Test func problemsListEachThingOnce() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.movedAndPinned())
        let rows = Rows.problems(s)
        #expect(rows.count == 1)
        guard case .constraint(let c) = rows.first else { Issue.record("no constraint row: \(rows)"); return }
        #expect(c.id == "cli-prefer-pbx")

        var f = makeState()
        let failed = try Fixture.status("failed-pbx")
        _ = poll(&f, failed)
        let reasons = Rows.problems(f).compactMap { row -> HealthReason? in
            if case .reason(let r) = row { return r }
            return nil
        }
        #expect(reasons == [.failed(resource: "pbx")])
        #expect(Rows.problems(f).contains { if case .failedAction = $0 { true } else { false } })
    }

    /// A filter keeps a matching resource and the groups and clones above it.
    @Test func filterKeepsAncestorsOfMatches() throws {
        let doc = """
        <pacemaker-result api-version="2.25"><summary><current_dc present="true" name="n1"/><quorum with_quorum="true"/></summary>
        <nodes><node name="n1" online="true" type="member"/></nodes><resources>
          <group id="g1" number_resources="2"><resource id="a1" resource_agent="ocf:p:t" role="Started" active="true"><node name="n1"/></resource>
            <resource id="b1" resource_agent="ocf:p:t" role="Started" active="true"><node name="n1"/></resource></group>
          <clone id="c1"><group id="g2" number_resources="1"><resource id="x2" resource_agent="ocf:p:t" role="Started" active="true"><node name="n1"/></resource></group></clone>
          <resource id="solo" resource_agent="ocf:p:t" role="Started" active="true"><node name="n1"/></resource>
        </resources></pacemaker-result>
        """
        var s = makeState()
        _ = poll(&s, try CrmMonParser.parse(doc))
        #expect(Rows.resources(s).map(\.resource.id) == ["g1", "a1", "b1", "c1", "g2", "x2", "solo"])
        s.filter = "x2"
        #expect(Rows.resources(s).map(\.resource.id) == ["c1", "g2", "x2"])
        #expect(Rows.resources(s).last?.actionTarget == "c1")
        s.filter = "1"
        #expect(Rows.resources(s).map(\.resource.id) == ["g1", "a1", "b1", "c1"])
        s.filter = "nothing"
        #expect(Rows.resources(s).isEmpty)
    }
}
