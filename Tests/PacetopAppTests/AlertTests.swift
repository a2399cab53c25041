import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

@Suite struct AlertTests {
    let nodes = ["ip-172-31-16-133", "ip-172-31-16-134", "ip-172-31-16-135"]

    func alertEvents(_ effects: [Effect]) -> [AlertEvent] {
        effects.compactMap { if case .alert(let e) = $0 { e } else { nil } }
    }

    @Test func aSwitchoverAndAQuorumLossRaiseAlerts() throws {
        var s = makeState()
        #expect(alertEvents(poll(&s, try Fixture.status("healthy"))).isEmpty, "the first poll is no event")
        #expect(alertEvents(poll(&s, try Fixture.status("healthy"), at: t0 + 2)).isEmpty)
        let moved = alertEvents(poll(&s, try Fixture.status("standby"), at: t0 + 4))
        let e = try #require(moved.first, "the master moved: \(s.timeline.map(\.text))")
        #expect(e.event == .switchover && e.from == nodes[0] && e.to == nodes[1])
        #expect(e.title(nodes: nodes) == "pacetop test: SWITCHOVER 133 → 134")
        var lost = try Fixture.status("standby")
        lost.summary.quorum = false
        let q = alertEvents(poll(&s, lost, at: t0 + 6))
        #expect(q.map(\.event) == [.quorumLost])
        #expect(q.first?.title(nodes: nodes) == "pacetop test: QUORUM LOST on 133")
    }

    @Test func aLostNodeRaisesAnAlert() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        let e = alertEvents(poll(&s, try Fixture.status("offline"), at: t0 + 2))
        #expect(e.map(\.event) == [.nodeLost])
        #expect(e.first?.node == nodes[2])
        #expect(e.first?.title(nodes: nodes) == "pacetop test: NODE LOST 135")
    }

    /// One poll can show the node gone and the chain already on the new master (a slow
    /// crm_mon during the membership change): the failover comes last, so the title the
    /// terminal is left with is the whole story, and the hook hears them in the order they
    /// happened.
    @Test func aFailoverSeenInOnePollWithItsLostNodeEndsOnTheFailover() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("failover-before"))
        let e = alertEvents(poll(&s, try Fixture.status("failover-after"), at: t0 + 2))
        #expect(e.map(\.event) == [.nodeLost, .failover], "\(s.timeline.map(\.text))")
        #expect(e.last?.title(nodes: nodes).hasPrefix("pacetop test: FAILOVER 133 → ") == true)
    }

    @Test func namesAreShortenedToWhatTellsThemApart() {
        #expect(AlertEvent.shortName("ip-172-31-16-133", among: nodes) == "133")
        #expect(AlertEvent.shortName("db1.example.com", among: ["db1.example.com", "db2.example.com"]) == "db1.example.com")
        #expect(AlertEvent.shortName("alpha", among: ["alpha", "beta"]) == "alpha")
        #expect(AlertEvent.shortName("node-a", among: ["node-a"]) == "node-a")
    }

    @Test func theTitleSequenceCarriesNoControlCharacters() {
        #expect(windowTitleSequence("pacetop x: FAILOVER 1 → 2") == "\u{1B}]2;pacetop x: FAILOVER 1 → 2\u{07}")
        #expect(windowTitleSequence("evil\u{1B}]0;pwned\u{07}\u{9B}2J") == "\u{1B}]2;evil]0;pwned2J\u{07}")
    }

    func event() -> AlertEvent {
        AlertEvent(event: .failover, cluster: "portsip-lab", text: "FAILOVER ip-172-31-16-133 → ip-172-31-16-134 in 8.6 s",
                   from: nodes[0], to: nodes[1], seconds: 8.6, time: t0)
    }

    @Test func theHookGetsOneJSONLineOnStdin() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-hook-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("event.json")
        #expect(EventHook.run("cat > '\(out.path)'", event: event(), timeout: 10) == nil)
        let line = try String(contentsOf: out, encoding: .utf8)
        #expect(line == event().jsonLine + "\n")
        #expect(line.contains("\"event\":\"failover\"") && line.contains("\"from\":\"ip-172-31-16-133\""))
        #expect(line.contains("\"time\":\"2026-11-18T"), "ISO 8601 time: \(line)")
    }

    @Test func aHookThatFailsOrHangsIsReportedAndStopped() {
        #expect(EventHook.run("exit 3", event: event(), timeout: 10) == "on_event hook exited 3: exit 3")
        #expect(EventHook.run("sleep 30", event: event(), timeout: 0.3) == "on_event hook killed after 0 s: sleep 30")
        #expect(EventHook.run("true", event: event(), timeout: 10) == nil, "a hook that never reads is fine")
    }

    @Test func configKeys() throws {
        let c = try ConfigFile.parse("bell = true\non_event = \"logger -t pacetop\"\n", file: "x")
        #expect(c.bell == true && c.onEvent == "logger -t pacetop")
        #expect(throws: TOMLError.self) { try ConfigFile.parse("bell = \"loud\"\n", file: "x") }
    }
}
