import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopCore

/// The project's own fixtures (scripts/make-fixtures: real crm_simulate + crm_mon 2.1.5 on
/// CIBs we wrote) and the lab film (scripts/lab film: a real three-node cluster).
enum OwnFixture {
    static let root = TestData.fixtures

    static func portsip(_ name: String) throws -> ClusterStatus {
        try CrmMonParser.parse(Data(contentsOf: root.appendingPathComponent("portsip/\(name).xml")))
    }

    static func film() throws -> [(name: String, status: ClusterStatus)] {
        let dir = root.appendingPathComponent("film")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".xml") }.sorted()
            .map { ($0, try CrmMonParser.parse(Data(contentsOf: dir.appendingPathComponent($0)))) }
    }
}

let n1 = "ip-172-31-16-133", n2 = "ip-172-31-16-134", n3 = "ip-172-31-16-135"
let chain = MasterLayout.portSIP.chain

/// Where each primitive runs, as "id@node".
func placement(_ s: ClusterStatus) -> [String] {
    s.primitives().map { "\($0.resource.id)@\($0.resource.nodes.joined(separator: "+"))" }
}

func allOn(_ node: String) -> [String] { chain.map { "\($0)@\(node)" } }

@Suite struct PortSIPFixtureTests {
    @Test func healthy() throws {
        let s = try OwnFixture.portsip("healthy")
        #expect(s.format == .pacemakerResult && s.apiVersion == "2.25")
        #expect(s.summary.stack == "corosync")
        #expect(s.summary.dc == n1 && s.summary.quorum == true)
        #expect(s.summary.nodesConfigured == 3 && s.summary.resourcesConfigured == 7)
        #expect(s.summary.stonithEnabled == false && !s.summary.maintenanceMode && !s.summary.stopAllResources)
        #expect(s.summary.noQuorumPolicy == "stop")
        #expect(s.nodes.map(\.name) == [n1, n2, n3])
        #expect(s.nodes.map(\.state) == [.online, .online, .online])
        #expect(s.nodes.map(\.isDC) == [true, false, false])
        #expect(s.nodes.map(\.resourcesRunning) == [7, 0, 0])
        #expect(s.resources.map(\.id) == chain)
        #expect(s.resources.allSatisfy { $0.kind == .primitive && $0.agent == "ocf:pacemaker:Dummy" && $0.role == .started && $0.managed && !$0.failed })
        #expect(placement(s) == allOn(n1))
        #expect(s.failures.isEmpty && s.bans.isEmpty && s.failCounts().isEmpty)
        #expect(s.master() == n1)
        #expect(s.health() == HealthVerdict(level: .ok, reasons: []))
        let pbx = try #require(s.history.first { $0.node == n1 }?.resources.first { $0.id == "pbx" })
        #expect(pbx.operations.map(\.task).contains("start"))
        #expect(pbx.operations.contains { $0.task == "monitor" && $0.intervalMs == 5000 && $0.rc == 0 })
    }

    @Test func legacyRenderingOfTheSameCIBGivesTheSameModel() throws {
        var legacy = try OwnFixture.portsip("healthy.legacy")
        var modern = try OwnFixture.portsip("healthy")
        #expect(legacy.format == .legacy && legacy.apiVersion == "2.1.5")
        legacy.format = modern.format
        legacy.apiVersion = modern.apiVersion
        legacy.summary.lastUpdate = nil
        modern.summary.lastUpdate = nil
        #expect(legacy.nodes == modern.nodes && legacy.resources == modern.resources)
        #expect(legacy.summary == modern.summary)
    }

    @Test func standby() throws {
        let s = try OwnFixture.portsip("standby")
        #expect(s.nodes.map(\.state) == [.standby, .online, .online])
        #expect(placement(s) == allOn(n2))
        #expect(s.master() == n2)
        #expect(s.health().level == .degraded && s.health().texts == ["\(n1) is in standby"])
    }

    @Test func offline() throws {
        let s = try OwnFixture.portsip("offline")
        #expect(s.nodes.map(\.state) == [.online, .online, .offline])
        #expect(placement(s) == allOn(n1))
        #expect(s.health().level == .degraded && s.health().texts == ["\(n3) is offline"])
    }

    @Test func failedPbx() throws {
        let s = try OwnFixture.portsip("failed-pbx")
        let pbx = try #require(s.resources.first { $0.id == "pbx" })
        #expect(pbx.failed && pbx.nodes == [n1])
        #expect(s.failures.count == 1)
        let f = s.failures[0]
        #expect(f.opKey == "pbx_monitor_5000" && f.resource == "pbx" && f.task == "monitor" && f.intervalMs == 5000)
        #expect(f.node == n1 && f.exitCode == 7)
        #expect(s.failCount(resource: "pbx", node: n1) == .count(1))
        #expect(s.failCounts().count == 1)
        let h = s.health()
        #expect(h.level == .degraded)
        #expect(h.texts == ["pbx has failed", "1 failed action", "fail count on pbx@\(n1)"])
    }

    @Test func failedPbxRecovered() throws {
        let s = try OwnFixture.portsip("failed-pbx-recovered")
        #expect(placement(s) == allOn(n1))
        #expect(s.resources.allSatisfy { !$0.failed })
        #expect(s.failures.count == 1 && s.failCount(resource: "pbx", node: n1) == .count(1))
    }

    @Test func moved() throws {
        var s = try OwnFixture.portsip("moved")
        #expect(placement(s) == allOn(n3))
        #expect(s.bans.isEmpty, "crm_mon never shows cli-prefer")
        #expect(s.lingeringConstraints().isEmpty, "unknown until a source reads the CIB")
        s.cliConstraints = [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx", node: n3, score: "INFINITY")]
        #expect(s.health().texts == ["pbx pinned to \(n3) by cli-prefer-pbx"])
    }

    @Test func noQuorum() throws {
        let s = try OwnFixture.portsip("no-quorum")
        #expect(s.summary.quorum == false && s.summary.dc == n1)
        #expect(s.nodes.map(\.state) == [.online, .offline, .offline])
        #expect(placement(s) == chain.map { "\($0)@" })
        #expect(s.master() == nil)
        let h = s.health()
        #expect(h.level == .critical)
        #expect(Array(h.texts.prefix(2)) == ["partition has no quorum", "pbx is not running"])
        #expect(h.texts.contains("eip is not running"))
    }

    @Test func maintenance() throws {
        let s = try OwnFixture.portsip("maintenance")
        #expect(s.summary.maintenanceMode)
        #expect(placement(s) == allOn(n1))
        #expect(s.resources.allSatisfy { !$0.managed })
        #expect(s.health().level == .degraded)
        #expect(s.health().texts.first == "cluster is in maintenance mode")
    }

    @Test func unmanaged() throws {
        let s = try OwnFixture.portsip("unmanaged")
        #expect(s.resources.filter { !$0.managed }.map(\.id) == ["pbx"])
        #expect(s.health().level == .degraded && s.health().texts == ["pbx is unmanaged"])
    }

    @Test func failover() throws {
        let before = try OwnFixture.portsip("failover-before")
        let after = try OwnFixture.portsip("failover-after")
        #expect(after.nodes.map(\.state) == [.offline, .online, .online])
        #expect(after.summary.dc == n2)
        #expect(placement(after) == allOn(n2))
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let kinds = ClusterDiff.events(from: before, to: after, at: t).map(\.kind)
        #expect(kinds.first == .dcChanged(from: n1, to: n2))
        #expect(kinds.contains(.nodeOffline(node: n1)))
        #expect(kinds.contains(.masterMoved(from: n1, to: n2)))
        for id in chain { #expect(kinds.contains(.resourceMoved(resource: id, from: n1, to: n2))) }
        #expect(kinds.count == 3 + chain.count)
    }
}

@Suite struct DiffTests {
    @Test func identicalStatusesHaveNoEvents() throws {
        let s = try OwnFixture.portsip("healthy")
        #expect(ClusterDiff.events(from: s, to: s, at: Date()).isEmpty)
    }

    @Test func eachEventCarriesTheTimeItWasSeen() throws {
        let t = Date(timeIntervalSince1970: 1_800_000_123)
        let events = ClusterDiff.events(from: try OwnFixture.portsip("healthy"), to: try OwnFixture.portsip("standby"), at: t)
        #expect(!events.isEmpty && events.allSatisfy { $0.time == t })
        #expect(events.map(\.text).contains("\(n1) standby"))
        #expect(events.map(\.text).contains("master moved \(n1) → \(n2)"))
    }

    @Test func failureAndCleanupRoundTrip() throws {
        let t = Date()
        let failed = ClusterDiff.events(from: try OwnFixture.portsip("healthy"), to: try OwnFixture.portsip("failed-pbx"), at: t).map(\.kind)
        #expect(failed == [.resourceFailed(resource: "pbx"),
                           .failCountChanged(resource: "pbx", node: n1, from: nil, to: .count(1)),
                           .failedActionAdded(opKey: "pbx_monitor_5000", node: n1, exitCode: 7)])
        let cleaned = ClusterDiff.events(from: try OwnFixture.portsip("failed-pbx-recovered"), to: try OwnFixture.portsip("healthy"), at: t).map(\.kind)
        #expect(cleaned == [.failCountChanged(resource: "pbx", node: n1, from: .count(1), to: nil),
                            .failedActionCleared(opKey: "pbx_monitor_5000", node: n1)])
    }

    @Test func constraintsAppearAndDisappear() throws {
        var a = try OwnFixture.portsip("healthy")
        var b = try OwnFixture.portsip("moved")
        a.cliConstraints = []
        b.cliConstraints = [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx", node: n3)]
        #expect(ClusterDiff.events(from: a, to: b, at: Date()).map(\.kind).contains(.constraintAdded(id: "cli-prefer-pbx")))
        #expect(ClusterDiff.events(from: b, to: a, at: Date()).map(\.kind).contains(.constraintRemoved(id: "cli-prefer-pbx")))
        // A poll that could not read constraints says nothing about them.
        a.cliConstraints = nil
        #expect(!ClusterDiff.events(from: b, to: a, at: Date()).map(\.kind).contains(.constraintRemoved(id: "cli-prefer-pbx")))
    }

    @Test func quorumLossAndReturn() throws {
        let ok = try OwnFixture.portsip("healthy"), lost = try OwnFixture.portsip("no-quorum")
        let down = ClusterDiff.events(from: ok, to: lost, at: Date()).map(\.kind)
        #expect(down.first == .quorumLost)
        #expect(down.contains(.masterLost(from: n1)))
        #expect(down.contains(.nodeOffline(node: n2)) && down.contains(.nodeOffline(node: n3)))
        #expect(down.contains(.resourceStopped(resource: "pbx", node: n1)))
        let up = ClusterDiff.events(from: lost, to: ok, at: Date()).map(\.kind)
        #expect(up.first == .quorumRegained)
        #expect(up.contains(.masterElected(node: n1)))
    }

    /// The lab film: a real cluster through restart, standby, move, failure, cleanup and a
    /// killed master. Every step's events say what the scripted action did.
    @Test func filmOfARealCluster() throws {
        let film = try OwnFixture.film()
        #expect(film.count == 20)
        var all: [(String, [ClusterEvent.Kind])] = []
        for (a, b) in zip(film, film.dropFirst()) {
            all.append((b.name, ClusterDiff.events(from: a.status, to: b.status, at: Date()).map(\.kind)))
        }
        func events(_ step: String) -> [ClusterEvent.Kind] { all.filter { $0.0.contains(step) }.flatMap(\.1) }
        #expect(events("restart-pbx").contains(.resourceStopped(resource: "pbx", node: n1)))
        #expect(events("restart-pbx").contains(.resourceStarted(resource: "pbx", node: n1)))
        #expect(events("-standby").contains(.standbyOn(node: n1)))
        #expect(events("-standby").contains(.masterMoved(from: n1, to: n2)) || events("-standby").contains(.masterElected(node: n2)))
        #expect(events("unstandby").contains(.standbyOff(node: n1)))
        #expect(events("move").contains(.masterElected(node: n3)) || events("move").contains(.masterMoved(from: n1, to: n3)))
        #expect(events("fail").contains(.failedActionAdded(opKey: "pbx_monitor_5000", node: n1, exitCode: 7))
                || events("fail").contains { if case .failedActionAdded(_, n1, _) = $0 { true } else { false } })
        #expect(events("cleanup").contains { if case .failedActionCleared = $0 { true } else { false } })
        #expect(events("kill-master").contains(.nodeOffline(node: n1)))
        #expect(events("start-node").contains(.nodeOnline(node: n1)))

        // The failover tracker sees the killed master and measures it.
        var tracker = FailoverTracker()
        var t = Date(timeIntervalSince1970: 1_800_000_000)
        var failovers: [FailoverTracker.Failover] = []
        for (_, s) in film {
            if let f = tracker.observe(s, at: t) { failovers.append(f) }
            t = t.addingTimeInterval(1)
        }
        #expect(failovers.contains { $0.from == n1 && $0.to == n2 }, "standby or kill: node 1 → node 2")
        #expect(failovers.contains { $0.from == n1 && $0.to == n3 }, "move to node 3")
    }

    @Test func corosyncDetectionTime() {
        #expect(CorosyncConfig.detectionSeconds("totem {\n version: 2\n}\n", nodes: 3) == (3.65 + 4.38))
        #expect(CorosyncConfig.detectionSeconds("totem {\n  token: 1000 # fast\n  consensus: 2000\n interface {\n token: 9\n }\n}\nquorum {\n token: 5\n}", nodes: 2) == 3.0)
        #expect(CorosyncConfig.detectionSeconds("", nodes: 5) == (4.95 + 1.2 * 4.95))
    }

    /// A killed master: crm_mon shows the loss only after Corosync noticed; the failover is
    /// dated from the death, which was the detection time before recovery began.
    @Test func failoverIncludesDetectionWhenTheNodeDied() throws {
        var before = try OwnFixture.portsip("failover-before")
        var after = try OwnFixture.portsip("failover-after")
        let startedAt = try #require(FailoverTracker.chainStarts(after, on: n2, .portSIP))
        before.nodeLossDetectionSeconds = 8
        after.nodeLossDetectionSeconds = 8
        var tracker = FailoverTracker()
        #expect(tracker.observe(before, at: startedAt.first.addingTimeInterval(-1)) == nil)
        let observed = tracker.observe(after, at: startedAt.last.addingTimeInterval(0.4))
        let f = try #require(observed)
        #expect(f.nodeLost && !f.upperBound && f.detectionSeconds == 8)
        #expect(f.lostAt == startedAt.first.addingTimeInterval(-8))
        #expect(f.restoredAt == startedAt.last)
        #expect(f.text == String(format: "FAILOVER \(n1) → \(n2) in %.1f s (8.0 s to detect)", f.seconds))
        // Without the detection time, only what was seen: an upper bound between two polls.
        after.nodeLossDetectionSeconds = nil
        before.nodeLossDetectionSeconds = nil
        var plain = FailoverTracker()
        _ = plain.observe(before, at: startedAt.first.addingTimeInterval(-1))
        let plainObserved = plain.observe(after, at: startedAt.last.addingTimeInterval(0.4))
        let g = try #require(plainObserved)
        #expect(g.upperBound && g.detectionSeconds == nil)
    }

    @Test func aPlannedMoveIsASwitchover() throws {
        var tracker = FailoverTracker()
        _ = tracker.observe(try OwnFixture.portsip("healthy"), at: Date(timeIntervalSince1970: 0))
        let switched = tracker.observe(try OwnFixture.portsip("standby"), at: Date(timeIntervalSince1970: 2))
        let f = try #require(switched)
        #expect(!f.nodeLost)
        #expect(f.text.hasPrefix("SWITCHOVER \(n1) → \(n2) in "))
    }

    /// How the failover span reads history times: zone-less ones as UTC.
    @Test func pacemakerTimes() {
        let utc = CrmTime.date("Wed Nov 25 04:12:24 2026", nodeOffset: 0)
        #expect(utc == CrmTime.date("2026-11-25 04:12:24Z", nodeOffset: 0))
        #expect(CrmTime.date("2026-11-25 00:12:24 -04:00", nodeOffset: 0) == utc)
        #expect(utc.map { Int($0.timeIntervalSince1970) } == 1_795_579_944)
        #expect(CrmTime.date("yesterday", nodeOffset: 0) == nil)
    }
}
