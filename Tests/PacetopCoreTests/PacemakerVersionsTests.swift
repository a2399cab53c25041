import Foundation
import Testing
@testable import PacetopCore

/// The same CIB (the lab's, and the lab's with node 1 in standby) rendered by the crm_mon of
/// Pacemaker 2.0.5 (Debian 11), 2.1.5 (Debian 12, the lab) and 3.0.0 (Debian 13): pacetop must
/// read one cluster from all three (Tests/Fixtures/README.md, `versions/`).
@Suite struct PacemakerVersionsTests {
    static let versions = ["2.0.5", "2.1.5", "3.0.0"]

    static func status(_ version: String, _ name: String) throws -> ClusterStatus {
        try CrmMonParser.parse(Data(contentsOf: OwnFixture.root.appendingPathComponent("versions/crm_mon-\(version)-\(name).xml")))
    }

    /// What the versions legitimately differ in: the API version, the time crm_mon ran, the
    /// node `health` and resource `maintenance` attributes that only newer versions print.
    static func comparable(_ s: ClusterStatus) -> ClusterStatus {
        var s = s
        s.apiVersion = ""
        s.summary.lastUpdate = nil
        s.summary.dcVersion = nil
        for i in s.nodes.indices { s.nodes[i].health = nil }
        return s
    }

    @Test(arguments: ["lab", "lab-standby"]) func everyVersionReadsAsTheSameCluster(name: String) throws {
        let reference = try Self.status("2.1.5", name)
        #expect(reference.nodes.count == 3 && placement(reference) == allOn(n1))
        for version in Self.versions {
            let s = try Self.status(version, name)
            let a = Self.comparable(reference), b = Self.comparable(s)
            #expect(b.nodes == a.nodes, "\(version): nodes")
            #expect(b.resources == a.resources, "\(version): resources")
            #expect(b.summary == a.summary, "\(version): summary")
            #expect(s.health() == reference.health(), "\(version): verdict")
            #expect(s.master() == n1, "\(version): master")
        }
        let standby = try Self.status("3.0.0", name).node(named: n1)?.standby
        #expect(standby == (name == "lab-standby"))
    }
}
