import Foundation
import Testing
import PacetopTestSupport
import PacetopCore
@testable import PacetopDemo

private let n1 = "ip-172-31-16-133"
private let n2 = "ip-172-31-16-134"
private let n3 = "ip-172-31-16-135"
private let chainIDs = ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"]

/// Sum of the chain's start times: how long a full start takes once it begins.
private let chainStart = DemoSource.resources.map(\.startSeconds).reduce(0, +)
private let chainStop = DemoSource.resources.map(\.stopSeconds).reduce(0, +)

private func makeDemo(_ scenario: DemoScenario = .steady) -> (DemoSource, ManualDemoClock) {
    let clock = ManualDemoClock()
    return (DemoSource(clock: clock, scenario: scenario), clock)
}

private func status(_ demo: DemoSource) throws -> ClusterStatus {
    try demo.poll().result.get()
}

private func resource(_ s: ClusterStatus, _ id: String) throws -> Resource {
    try #require(s.resources.first { $0.id == id })
}

private func node(_ s: ClusterStatus, _ name: String) throws -> Node {
    try #require(s.nodes.first { $0.name == name })
}

/// Where each chain member runs, `nil` when stopped.
private func placement(_ s: ClusterStatus) -> [String?] {
    chainIDs.map { id in s.resources.first { $0.id == id }?.nodes.first }
}

private func allStarted(_ s: ClusterStatus, on node: String) -> Bool {
    chainIDs.allSatisfy { id in
        guard let r = s.resources.first(where: { $0.id == id }) else { return false }
        return r.role == .started && r.nodes == [node]
    }
}

@Suite struct DemoTests {
    // MARK: initial state

    @Test func initialPollShowsThePortSIPClusterOnNode1() throws {
        let (demo, _) = makeDemo()
        #expect(demo.label == "DEMO")
        #expect(demo.isDemo && demo.canPerformActions)
        let poll = demo.poll()
        #expect(poll.via == n1)
        #expect(poll.notes.isEmpty)
        #expect(poll.at == ManualDemoClock.defaultStart)
        let s = try poll.result.get()
        #expect(s.format == .pacemakerResult && s.apiVersion == "2.25")
        #expect(s.nodes.map(\.name) == [n1, n2, n3])
        #expect(s.nodes.allSatisfy { $0.state == .online })
        #expect(s.summary.dc == n1 && s.summary.quorum == true)
        #expect(try node(s, n1).isDC && !(try node(s, n2).isDC))
        #expect(s.summary.dcVersion == "2.1.5-a3f44794f94")
        #expect(s.summary.lastUpdate == "Wed Nov 25 04:12:24 2026")
        #expect(s.summary.nodesConfigured == 3 && s.summary.resourcesConfigured == 10)
        #expect(s.summary.stonithEnabled == false)
        // The chain, in order, with its agents, all started on node 1.
        let primitives = s.resources.filter { $0.kind == .primitive }
        #expect(primitives.map(\.id) == chainIDs)
        #expect(primitives.map(\.agent) == [
            "ocf:portsip:awseip", "ocf:heartbeat:awsvip", "ocf:heartbeat:IPaddr2", "ocf:portsip:awsipsrcaddr",
            "ocf:portsip:awsebs", "ocf:heartbeat:Filesystem", "ocf:portsip:pbx",
        ])
        #expect(allStarted(s, on: n1))
        // The ping clone runs everywhere.
        let clone = try resource(s, "ping-clone")
        #expect(clone.kind == .clone && clone.children.count == 3)
        #expect(Set(clone.children.flatMap(\.nodes)) == [n1, n2, n3])
        #expect(try node(s, n1).resourcesRunning == 8 && (try node(s, n2).resourcesRunning) == 1)
        // History: start + monitor for each resource, nothing failed, no constraints.
        let h1 = try #require(s.history.first { $0.node == n1 })
        let pbx = try #require(h1.resources.first { $0.id == "pbx" })
        #expect(pbx.operations.map(\.task) == ["start", "monitor"])
        #expect(pbx.operations[1].intervalMs == 10_000 && pbx.operations[1].rc == 0)
        #expect(pbx.failCount == nil)
        #expect(s.failures.isEmpty && s.bans.isEmpty)
        #expect(s.cliConstraints == [])
        #expect(s.nodeAttributes.map(\.node) == [n1, n2, n3])
    }

    @Test func xmlHasCrmMon215Shape() throws {
        let (demo, _) = makeDemo()
        let xml = demo.crmMonXML()
        let lines = xml.split(separator: "\n").map(String.init)
        #expect(lines.first == #"<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">"#)
        #expect(lines.last == "</pacemaker-result>")
        #expect(lines.contains(#"    <current_dc present="true" version="2.1.5-a3f44794f94" name="ip-172-31-16-133" id="1" with_quorum="true" mixed_version="false"/>"#))
        #expect(lines.contains(#"    <node name="ip-172-31-16-134" id="2" online="true" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="false" health="green" feature_set="3.16.1" shutdown="false" expected_up="true" is_dc="false" resources_running="1" type="member"/>"#))
        #expect(lines.contains(#"    <resource id="pbx" resource_agent="ocf:portsip:pbx" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">"#))
        #expect(lines.contains(#"      <node name="ip-172-31-16-133" id="1" cached="true"/>"#))
        #expect(lines.contains(#"  <status code="0" message="OK"/>"#))
        // History times are ctime, in UTC, with the day padded.
        #expect(lines.contains { $0.contains(#"task="monitor" rc="0" rc_text="ok" interval="10000ms" last-rc-change="Wed Nov 25 01:59:"#) })
        // Empty sections are left out, as crm_mon does.
        #expect(!xml.contains("<failures>") && !xml.contains("<bans>"))
    }

    @Test func xmlEscapesAttributeValues() {
        #expect(XMLOut.escape(#"a<b>&"c"'d"#) == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d")
        var x = XMLOut()
        x.element(0, "e", [("v", "<x&y>")])
        #expect(x.text == "<e v=\"&lt;x&amp;y&gt;\"/>\n")
    }

    @Test func timeFormatsMatchCrmMon() {
        let d = Date(timeIntervalSince1970: 1_775_012_745) // 2026-04-01 03:05:45Z, a Wednesday
        #expect(DemoTime.ctime(d) == "Wed Apr  1 03:05:45 2026")
        #expect(DemoTime.iso(d) == "2026-04-01 03:05:45Z")
    }

    // MARK: restart

    @Test func commandLineIsTheRealOne() throws {
        let (demo, _) = makeDemo()
        #expect(try demo.commandLine(for: .restart(resource: "pbx"))
            == "TZ=UTC LC_ALL=C /usr/sbin/crm_resource --restart -r pbx --timeout 120s")
        #expect(try demo.commandLine(for: .standby(node: n1)).hasSuffix("crm_attribute --node \(n1) --name standby --update on"))
    }

    @Test func restartPbxStopsAndStartsItWithCrmResourceOutput() throws {
        let (demo, clock) = makeDemo()
        let before = try status(demo).summary.lastChange
        let job = demo.submit(.restart(resource: "pbx"))
        #expect(demo.outcome(of: job) == nil)
        // target-role=stopped is written at once; the stop begins after the scheduler ran.
        var s = try status(demo)
        #expect(try resource(s, "pbx").targetRole == "stopped")
        #expect(s.summary.resourcesDisabled == 1)
        #expect(s.summary.lastChange != before)
        clock.advance(by: 0.3) // t = 0.3
        s = try status(demo)
        #expect(try resource(s, "pbx").role == .stopping)
        #expect(try resource(s, "pbx").nodes == [n1])
        #expect(try resource(s, "datapath_fs").role == .started)
        clock.advance(by: 1.5) // t = 1.8: the stop took 1.5 s
        s = try status(demo)
        #expect(try resource(s, "pbx").role == .stopped)
        #expect(try resource(s, "pbx").nodes.isEmpty)
        #expect(try resource(s, "pbx").targetRole == "stopped") // crm_resource looks at t = 2 only
        clock.advance(by: 0.3) // t = 2.1
        s = try status(demo)
        #expect(try resource(s, "pbx").role == .stopped)
        #expect(try resource(s, "pbx").targetRole == nil)
        #expect(demo.outcome(of: job) == nil)
        clock.advance(by: 0.2) // t = 2.3
        s = try status(demo)
        #expect(try resource(s, "pbx").role == .starting)
        #expect(demo.outcome(of: job) == nil)
        clock.advance(by: 2.0) // t = 4.3: the start took 2 s
        s = try status(demo)
        #expect(allStarted(s, on: n1))
        #expect(demo.outcome(of: job) == nil) // its next look is at t = 6
        clock.advance(by: 1.7)
        let out = try #require(demo.outcome(of: job))
        #expect(out.exitCode == 0 && out.succeeded)
        #expect(out.via == n1)
        #expect(out.commandLine.hasSuffix("crm_resource --restart -r pbx --timeout 120s"))
        #expect(out.stdout == """
            Set 'pbx' option: id=pbx-meta_attributes-target-role set=pbx-meta_attributes name=target-role value=stopped
            Waiting for 1 resources to stop:
             * pbx
            Deleted 'pbx' option: id=pbx-meta_attributes-target-role name=target-role
            Waiting for 1 resources to start again:
             * pbx

            """)
        #expect(out.finished.timeIntervalSince(out.started) == 6)
        // The history now ends with stop, start, monitor.
        let h = try #require(s.history.first { $0.node == n1 }?.resources.first { $0.id == "pbx" })
        #expect(h.operations.map(\.task) == ["start", "monitor"])
        #expect(h.operations[0].execTimeMs == 2000)
        #expect((h.operations[0].call ?? 0) > 20)
    }

    @Test func restartOfAnEarlyMemberTakesItsDependentsAlong() throws {
        let (demo, _) = makeDemo()
        let out = demo.perform(.restart(resource: "ebs")) // manual clock: perform jumps time
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("Waiting for 3 resources to stop:\n * ebs\n * datapath_fs\n * pbx\n"))
        #expect(out.stdout.contains("Waiting for 3 resources to start again:\n"))
        // Stopped after 0.2 + 1.5 + 0.4 + 0.9 = 3.0 s, noticed at 4; started by 4.2 + 3.5 = 7.7
        // s, noticed at 8.
        #expect(out.finished.timeIntervalSince(out.started) == 8)
        #expect(allStarted(try status(demo), on: n1))
    }

    @Test func restartOfAStoppedOrUnknownResourceFails105() throws {
        let (demo, clock) = makeDemo()
        let unknown = demo.perform(.restart(resource: "nope"))
        #expect(unknown.exitCode == 105)
        #expect(unknown.stderr.contains("Resource 'nope' not found"))
        // Every node in standby: the chain has nowhere to run and stops.
        for n in [n1, n2, n3] { #expect(demo.perform(.standby(node: n)).exitCode == 0) }
        clock.advance(by: 30)
        let s = try status(demo)
        #expect(placement(s).allSatisfy { $0 == nil })
        let stopped = demo.perform(.restart(resource: "pbx"))
        #expect(stopped.exitCode == 105)
        #expect(stopped.stderr == "pbx is not running anywhere and so cannot be restarted\n")
        #expect(stopped.summary.contains("no such object"))
    }

    @Test func restartOfTheCloneStopsEveryInstance() throws {
        let (demo, clock) = makeDemo()
        let job = demo.submit(.restart(resource: "ping-clone"))
        var s = try status(demo)
        #expect(s.summary.resourcesDisabled == 3) // every instance counts
        #expect(try resource(s, "ping-clone").targetRole == "stopped")
        // One transition: the three stops run back to back.
        clock.advance(by: DemoTiming.schedulerDelay + 3 * DemoTiming.pingStop + 0.05)
        s = try status(demo)
        #expect(try resource(s, "ping-clone").children.allSatisfy { $0.nodes.isEmpty })
        #expect(allStarted(s, on: n1)) // the chain does not depend on ping
        clock.advance(by: 6 - clock.now().timeIntervalSince(ManualDemoClock.defaultStart))
        let out = try #require(demo.outcome(of: job))
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("Waiting for 3 resources to stop:\n * ping:0\n * ping:1\n * ping:2\n"))
        #expect(out.stdout.contains("Waiting for 3 resources to start again:\n"))
        #expect(Set(try resource(try status(demo), "ping-clone").children.flatMap(\.nodes)) == [n1, n2, n3])
    }

    // MARK: standby, move, clear

    @Test func standbyMovesTheChainAwayAndUnstandbyDoesNotMoveItBack() throws {
        let (demo, clock) = makeDemo()
        let out = demo.perform(.standby(node: n1))
        #expect(out.exitCode == 0 && out.stdout.isEmpty && out.stderr.isEmpty)
        var s = try status(demo)
        #expect(try node(s, n1).standby)
        #expect(try node(s, n1).state == .standby)
        #expect(allStarted(s, on: n1)) // nothing has moved yet
        clock.advance(by: 2.0)
        s = try status(demo)
        #expect(placement(s).contains(nil)) // stopping in reverse order: pbx first
        #expect(try resource(s, "eip").nodes == [n1])
        clock.advance(by: 0.2 + DemoTiming.pingStop + chainStop + chainStart)
        s = try status(demo)
        #expect(allStarted(s, on: n2))
        #expect(try node(s, n1).standby && (try node(s, n1).resourcesRunning) == 0)
        // Stop order was pbx … eip on node 1: the history shows stops there.
        let h1 = try #require(s.history.first { $0.node == n1 })
        #expect(h1.resources.first { $0.id == "eip" }?.operations.map(\.task) == ["stop"])

        #expect(demo.perform(.unstandby(node: n1)).exitCode == 0)
        clock.advance(by: 30)
        s = try status(demo)
        #expect(try node(s, n1).state == .online)
        #expect(allStarted(s, on: n2)) // stickiness: no move back
        #expect(try resource(s, "ping-clone").children.flatMap(\.nodes).contains(n1))
    }

    @Test func standbyOfAnUnknownNodeFails105() {
        let (demo, _) = makeDemo()
        let out = demo.perform(.standby(node: "ip-10-0-0-1"))
        #expect(out.exitCode == 105)
        #expect(out.stderr == "Could not map name=ip-10-0-0-1 to a UUID\n")
    }

    @Test func moveClearAndMoveAgain() throws {
        let (demo, clock) = makeDemo()
        let move = demo.perform(.move(resource: "pbx", node: n3))
        #expect(move.exitCode == 0 && move.stdout.isEmpty)
        var s = try status(demo)
        #expect(s.cliConstraints == [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx",
                                                        node: n3, score: "INFINITY", role: "Started")])
        #expect(s.bans.isEmpty) // crm_mon never shows a cli-prefer
        clock.advance(by: 0.2 + chainStop + chainStart + 0.1)
        s = try status(demo)
        #expect(allStarted(s, on: n3))
        #expect(try node(s, n3).resourcesRunning == 8)

        let again = demo.perform(.move(resource: "pbx", node: n3))
        #expect(again.exitCode == 108)
        #expect(again.stderr.contains("Error performing operation: Requested item already exists"))
        #expect(again.summary.contains("already there"))

        let clear = demo.perform(.clear(resource: "pbx", node: nil))
        #expect(clear.exitCode == 0)
        #expect(clear.stdout == "Removing constraint: cli-prefer-pbx\n")
        clock.advance(by: 20)
        s = try status(demo)
        #expect(s.cliConstraints == [])
        #expect(allStarted(s, on: n3)) // nothing pulls it back to node 1

        // Clearing again has nothing to remove: silent success.
        let none = demo.perform(.clear(resource: "pbx", node: nil))
        #expect(none.exitCode == 0 && none.stdout.isEmpty)
    }

    @Test func moveToUnknownNodeOrResourceFails105() {
        let (demo, _) = makeDemo()
        #expect(demo.perform(.move(resource: "pbx", node: "nosuchnode")).exitCode == 105)
        #expect(demo.perform(.move(resource: "nosuch", node: n2)).exitCode == 105)
    }

    @Test func bansShowInCrmMonAndKeepTheChainAway() throws {
        let (demo, clock) = makeDemo()
        demo.inject(.ban(resource: "vip", node: n1))
        clock.advance(by: 15)
        let s = try status(demo)
        #expect(s.bans == [Ban(id: "cli-ban-vip-on-\(n1)", resource: "vip", node: n1, weight: -1_000_000)])
        #expect(allStarted(s, on: n2))
        let clear = demo.perform(.clear(resource: "vip", node: n1))
        #expect(clear.stdout == "Removing constraint: cli-ban-vip-on-\(n1)\n")
        #expect(try status(demo).bans.isEmpty)
    }

    // MARK: failures and cleanup

    @Test func monitorFailureIsRecoveredInPlaceAndCleanupForgetsIt() throws {
        let (demo, clock) = makeDemo()
        demo.inject(.monitorFailure(resource: "pbx"))
        var s = try status(demo)
        let f = try #require(s.failures.first)
        #expect(s.failures.count == 1)
        #expect(f.opKey == "pbx_monitor_10000" && f.node == n1 && f.exitCode == 7)
        #expect(f.exitStatus == "not running" && f.task == "monitor" && f.intervalMs == 10_000)
        #expect(f.lastRCChange == "2026-11-25 04:12:24Z")
        #expect(try resource(s, "pbx").failed)
        var h = try #require(s.history.first { $0.node == n1 }?.resources.first { $0.id == "pbx" })
        #expect(h.failCount == .count(1))
        #expect(h.lastFailure == "Wed Nov 25 04:12:24 2026")
        clock.advance(by: 0.2 + 1.5 + 2.0 + 0.1)
        s = try status(demo)
        #expect(allStarted(s, on: n1))
        #expect(!(try resource(s, "pbx").failed))
        #expect(s.failures.count == 1) // recovered, but remembered

        let out = demo.perform(.cleanup(resource: "pbx", node: nil))
        #expect(out.exitCode == 0)
        #expect(out.stdout == """
            Cleaned up pbx on \(n1)
            Cleaned up pbx on \(n2)
            Cleaned up pbx on \(n3)
            Waiting for 1 reply from the controller
            ... got reply (done)

            """)
        s = try status(demo)
        #expect(s.failures.isEmpty)
        h = try #require(s.history.first { $0.node == n1 }?.resources.first { $0.id == "pbx" })
        #expect(h.failCount == nil && h.lastFailure == nil)
        #expect(h.operations.map(\.task) == ["probe", "monitor"]) // re-probed, found running
        #expect(allStarted(s, on: n1))
    }

    @Test func steadyScenarioHasAHiccupEveryThreeMinutes() throws {
        let (demo, clock) = makeDemo(.steady)
        clock.advance(by: DemoTiming.hiccupEvery - 1)
        #expect(try status(demo).failures.isEmpty)
        clock.advance(by: 1)
        #expect(try status(demo).failures.map(\.opKey) == ["pbx_monitor_10000"])
        clock.advance(by: 10)
        #expect(allStarted(try status(demo), on: n1))
    }

    // MARK: failover

    @Test func failoverScenarioMovesTheChainAndTheNodeRejoins() throws {
        let (demo, clock) = makeDemo(.failover)
        clock.advance(by: DemoTiming.failoverFirst - 0.1)
        var poll = demo.poll()
        #expect(poll.via == n1)
        #expect(allStarted(try poll.result.get(), on: n1))

        // The node hangs: pbx's monitor fails first, and node 1 stops answering.
        clock.advance(by: 0.1)
        poll = demo.poll()
        #expect(poll.via == n2)
        #expect(poll.notes == ["\(n1) not answering, now reading from \(n2) (simulated)"])
        #expect(demo.poll().notes.isEmpty) // said once, not on every poll
        var s = try poll.result.get()
        #expect(s.failures.map(\.opKey) == ["pbx_monitor_10000"])
        #expect(s.failures.first?.node == n1)
        clock.advance(by: 0.5)
        s = try status(demo)
        #expect(try resource(s, "pbx").role == .stopping) // and it hangs there
        #expect(try node(s, n1).state == .online) // the others have not noticed yet

        // Corosync notices: UNCLEAN (offline), and a new DC.
        clock.advance(by: DemoTiming.detection - 0.5)
        s = try status(demo)
        #expect(try node(s, n1).state == .unclean)
        #expect(!(try node(s, n1).online))
        #expect(s.summary.dc == n2 && s.summary.quorum == true)
        #expect(try resource(s, "eip").nodes == [n1]) // still counted there until it is down

        // Without fencing the node counts as down a moment later; the chain starts on node 2.
        clock.advance(by: DemoTiming.assumedDown - DemoTiming.detection)
        s = try status(demo)
        #expect(try node(s, n1).state == .offline)
        #expect(placement(s).allSatisfy { $0 == nil })
        clock.advance(by: DemoTiming.schedulerDelay + 0.1)
        s = try status(demo)
        #expect(try resource(s, "eip").role == .starting && (try resource(s, "eip").nodes) == [n2])
        // Fully up on node 2 within detection + schedule + starts ≈ 10.5 s of the failure.
        clock.advance(by: chainStart)
        s = try status(demo)
        #expect(allStarted(s, on: n2))
        #expect(s.failures.first?.node == n1) // the failure stays on record

        // Node 1 rejoins ~20 s after it died: online, running nothing; nothing moves back.
        let sinceFailure = DemoTiming.assumedDown + DemoTiming.schedulerDelay + 0.1 + chainStart
        clock.advance(by: DemoTiming.rejoin - sinceFailure + 0.1)
        poll = demo.poll()
        #expect(poll.via == n1)
        #expect(poll.notes == ["\(n1) answers again, reading from it (simulated)"])
        s = try poll.result.get()
        #expect(try node(s, n1).state == .online)
        #expect(try node(s, n1).resourcesRunning == 0)
        #expect(allStarted(s, on: n2))
        clock.advance(by: DemoTiming.pingStart + DemoTiming.schedulerDelay)
        s = try status(demo)
        #expect(try node(s, n1).resourcesRunning == 1) // its ping instance

        // The next failure hits the new master, node 2.
        clock.advance(by: DemoTiming.failoverEvery - DemoTiming.rejoin - DemoTiming.pingStart
                      - DemoTiming.schedulerDelay - 0.1 + DemoTiming.assumedDown + 0.5 + chainStart)
        s = try status(demo)
        #expect(try node(s, n2).state == .offline)
        #expect(allStarted(s, on: n1))
        #expect(Set(s.failures.map(\.node)) == [n1, n2])
    }

    @Test func speedDividesEverySimulatedDuration() throws {
        let clock = ManualDemoClock()
        let demo = DemoSource(clock: clock, scenario: .steady, speed: 10)
        let out = demo.perform(.restart(resource: "pbx"))
        #expect(out.exitCode == 0)
        // At speed 1 this takes 6 s (see the pbx restart above).
        #expect(abs(out.finished.timeIntervalSince(out.started) - 0.6) < 0.001)
        // Timestamps stay real: the clock itself is not scaled.
        #expect(demo.poll().at == clock.now())
    }

    @Test func whenNoNodeAnswersPollsFailToConnect() throws {
        let (demo, clock) = makeDemo()
        for n in [n1, n2, n3] { demo.inject(.nodeFailure(node: n)) }
        clock.advance(by: 1)
        let poll = demo.poll()
        #expect(throws: SourceError(.connect, "no node answers (simulated)")) { try poll.result.get() }
        let out = demo.perform(.cleanup(resource: "pbx", node: nil))
        #expect(out.error == "no node answers (simulated)")
        // They come back, and with them the cluster (without quorum nothing ran meanwhile).
        clock.advance(by: DemoTiming.rejoin + DemoTiming.schedulerDelay + chainStart + 3 * DemoTiming.pingStart)
        let back = demo.poll()
        #expect(back.via == n1)
        let s = try back.result.get()
        #expect(s.summary.dc == n1 && s.summary.quorum == true)
        #expect(allStarted(s, on: n1))
    }

    // MARK: refused ids

    @Test func invalidIdsAreRefusedBeforeAnythingRuns() throws {
        let (demo, _) = makeDemo()
        #expect(throws: ActionError.invalidResourceID("pbx; reboot")) {
            try demo.commandLine(for: .restart(resource: "pbx; reboot"))
        }
        #expect(throws: ActionError.invalidNodeName("-rf")) {
            try demo.commandLine(for: .standby(node: "-rf"))
        }
        let before = demo.crmMonXML()
        let out = demo.perform(.move(resource: "pbx", node: "$(reboot)"))
        #expect(out.error?.contains("refusing to act on node") == true)
        #expect(out.exitCode == nil && !out.succeeded)
        #expect(out.commandLine.isEmpty)
        #expect(demo.crmMonXML() == before)
    }

    @Test func closedSourceFailsFast() {
        let (demo, _) = makeDemo()
        demo.close()
        #expect(throws: SourceError.self) { try demo.poll().result.get() }
        #expect(demo.perform(.cleanup(resource: "pbx", node: nil)).error != nil)
    }

    // MARK: schema

    /// Pacemaker's own crm_mon api-2.25 RelaxNG schema, from the shared corpus (not in the repo).
    static let schemaDir = TestData.corpus.appendingPathComponent("schemas/pacemaker-main/xml/api")
    static let xmllint = "/usr/bin/xmllint"
    static let canValidate = FileManager.default.fileExists(atPath: schemaDir.appendingPathComponent("crm_mon-2.25.rng").path)
        && FileManager.default.isExecutableFile(atPath: xmllint)

    /// Runs xmllint with a wrapper grammar: `<pacemaker-result>` holding crm_mon-2.25 and status.
    private func validate(_ xml: String) throws -> String? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wrapper = """
            <?xml version="1.0" encoding="UTF-8"?>
            <grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
              <start><element name="pacemaker-result">
                <attribute name="api-version"><text/></attribute><attribute name="request"><text/></attribute>
                <externalRef href="\(Self.schemaDir.appendingPathComponent("crm_mon-2.25.rng").path)"/>
                <externalRef href="\(Self.schemaDir.appendingPathComponent("status-2.0.rng").path)"/>
              </element></start>
            </grammar>
            """
        let rng = dir.appendingPathComponent("wrap.rng")
        let doc = dir.appendingPathComponent("demo.xml")
        try wrapper.write(to: rng, atomically: true, encoding: .utf8)
        try xml.write(to: doc, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.xmllint)
        p.arguments = ["--noout", "--relaxng", rng.path, doc.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : text
    }

    /// Skips on a laptop without the corpus or xmllint; under CI=true their absence fails.
    @Test(.enabled(if: DemoTests.canValidate || TestEnv.isCI, "needs ../shared/corpus/schemas and xmllint"))
    func everyStateValidatesAgainstPacemakersSchema() throws {
        try #require(Self.canValidate, "CI=true, but \(Self.schemaDir.path)/crm_mon-2.25.rng or \(Self.xmllint) is missing")
        let (demo, clock) = makeDemo(.failover)
        var documents = [demo.crmMonXML()]
        demo.inject(.ban(resource: "pbx", node: n3))
        _ = demo.submit(.restart(resource: "ebs"))
        clock.advance(by: 0.3)
        documents.append(demo.crmMonXML()) // Stopping, target_role, a ban
        // Through a failover: failure, UNCLEAN node, no node answering node 1, rejoin.
        for _ in 0..<90 {
            clock.advance(by: 0.5)
            documents.append(demo.crmMonXML())
        }
        #expect(documents.contains { $0.contains(#"unclean="true""#) })
        #expect(documents.contains { $0.contains("<failures>") })
        for (i, xml) in documents.enumerated() {
            let problem = try validate(xml)
            #expect(problem == nil, "document \(i): \(problem ?? "")")
            if problem != nil { break }
        }
    }

    // MARK: threads

    @Test func performOnOneThreadWhilePollingOnAnother() throws {
        // Real threads and the wall clock, 50× faster: a full chain restart takes ~0.3 s.
        let demo = DemoSource(clock: WallDemoClock(), scenario: .steady, speed: 50)
        let done = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        Thread.detachNewThread {
            box.set(demo.perform(.restart(resource: "eip")))
            done.signal()
        }
        var polls = 0
        var sawStopped = false
        let giveUp = Date() + 30
        while box.get() == nil, Date() < giveUp {
            let s = try demo.poll().result.get()
            if placement(s).contains(nil) { sawStopped = true }
            polls += 1
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        let out = try #require(box.get())
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("Waiting for 7 resources to start again:"))
        #expect(polls > 0 && sawStopped)
        #expect(allStarted(try status(demo), on: n1))
    }
}

/// Carries the worker thread's outcome to the test.
private final class OutcomeBox: @unchecked Sendable {
    // @unchecked: `value` is only touched while holding `lock`.
    private let lock = NSLock()
    private var value: ActionOutcome?
    func set(_ v: ActionOutcome) { lock.lock(); value = v; lock.unlock() }
    func get() -> ActionOutcome? { lock.lock(); defer { lock.unlock() }; return value }
}
