import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

@Suite struct UpdateTests {
    @Test func firstPollStartsAndSchedulesTheNext() throws {
        var s = makeState()
        #expect(App.start(&s) == [.poll])
        #expect(s.pollInFlight)
        let effects = poll(&s, try Fixture.status("healthy"))
        #expect(effects == [.schedulePoll(after: 2)])
        #expect(!s.pollInFlight)
        #expect(s.status?.master() == "ip-172-31-16-133")
        #expect(s.via == "ip-172-31-16-133")
        // The poll tick re-arms itself through update.
        #expect(App.update(&s, .pollDue) == [.poll])
        #expect(App.update(&s, .pollDue) == [], "one poll at a time")
    }

    @Test func refreshWhilePollingIsQueued() throws {
        var s = makeState()
        _ = App.start(&s)
        #expect(press(&s, .char("r")) == [])
        #expect(s.refreshQueued)
        #expect(poll(&s, try Fixture.status("healthy")) == [.poll], "queued refresh runs right after")
        #expect(press(&s, .char("r")) == [], "in flight again")
    }

    @Test func restartAsksFirstAndCancelRunsNothing() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        // Resources pane is focused; pbx is the 7th row of the chain.
        press(&s, .char("G"))
        #expect(Rows.resources(s)[s.selected(.resources)].resource.id == "pbx")
        #expect(press(&s, .char("R")) == [])
        guard case .confirm(let p) = s.overlay else { Issue.record("no confirmation pane"); return }
        #expect(p.action == .restart(resource: "pbx"))
        #expect(p.commandLine == "TZ=UTC LC_ALL=C /usr/sbin/crm_resource --restart -r pbx --timeout 120s")
        #expect(!p.confirmFocused, "Cancel is the default button")
        #expect(press(&s, .enter) == [], "Enter on Cancel cancels")
        #expect(s.overlay == .none)
        #expect(s.running == nil)
        press(&s, .char("R"))
        #expect(press(&s, .char("n")) == [])
        press(&s, .char("R"))
        #expect(press(&s, .escape) == [])
        #expect(s.running == nil)
    }

    @Test func confirmRunsOneActionAtATimeAndAudits() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("G"), .char("R"))
        let effects = press(&s, .char("y"))
        #expect(effects.count == 2)
        guard case .audit(let rec) = effects[0] else { Issue.record("no audit"); return }
        #expect(rec.result == "started")
        #expect(rec.user == "tester")
        #expect(rec.node == "ip-172-31-16-133")
        #expect(rec.command.hasSuffix("crm_resource --restart -r pbx --timeout 120s"))
        #expect(effects[1] == .perform(.restart(resource: "pbx")))
        #expect(s.running?.action == .restart(resource: "pbx"))
        // A second action is refused while the first runs.
        #expect(press(&s, .char("R")) == [])
        #expect(s.overlay == .none)
        #expect(s.message?.text.contains("one action at a time") == true)
        // Quitting asks first while an action runs.
        #expect(press(&s, .char("q")) == [])
        #expect(s.overlay == .confirmQuit(confirmFocused: false))
        press(&s, .escape)
        #expect(!s.quitting)
        // The result comes back, is logged and audited, and triggers a refresh.
        let outcome = ActionOutcome(action: .restart(resource: "pbx"), commandLine: rec.command,
                                    via: "ip-172-31-16-133", exitCode: 0, stdout: "ok",
                                    started: t0, finished: t0.addingTimeInterval(9))
        let after = App.update(&s, .actionFinished(outcome))
        #expect(s.running == nil)
        guard case .audit(let done) = after.first else { Issue.record("no audit at the end"); return }
        #expect(done.result == "0")
        #expect(after.last == .poll)
        #expect(s.timeline.last?.text == "Restart pbx: done (exit 0)")
    }

    @Test func failedActionShowsTheClusterToolsWords() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("G"), .char("R"), .char("y"))
        let outcome = ActionOutcome(action: .restart(resource: "pbx"), commandLine: "x", via: "n1", exitCode: 105,
                                    stderr: "pbx is not running anywhere and so cannot be restarted\n",
                                    started: t0, finished: t0)
        _ = App.update(&s, .actionFinished(outcome))
        #expect(s.timeline.last?.text == "Restart pbx: failed (exit 105 no such object): pbx is not running anywhere and so cannot be restarted")
        #expect(s.timeline.last?.severity == .critical)
    }

    @Test func standbyNeedsANodeSelection() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("s"))
        #expect(s.overlay == .none)
        #expect(s.message?.text == "select a node first (Tab to Nodes)")
        // Tab cycles nodes → resources → problems → timeline → nodes.
        press(&s, .tab, .tab, .tab)
        #expect(s.focus == .nodes)
        press(&s, .char("j"), .char("s"))
        guard case .confirm(let p) = s.overlay else { Issue.record("no confirmation"); return }
        #expect(p.action == .standby(node: "ip-172-31-16-134"))
        #expect(p.commandLine.hasSuffix("crm_attribute --node ip-172-31-16-134 --name standby --update on"))
    }

    @Test func moveMasterChoosesAmongOtherOnlineNodes() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("offline"))
        press(&s, .char("m"))
        #expect(s.overlay == .chooseNode(candidates: ["ip-172-31-16-134"], index: 0), "node 3 is offline, node 1 is the master")
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .escape, .char("m"), .char("j"))
        #expect(s.overlay == .chooseNode(candidates: ["ip-172-31-16-134", "ip-172-31-16-135"], index: 1))
        press(&s, .enter)
        guard case .confirm(let p) = s.overlay else { Issue.record("no confirmation"); return }
        #expect(p.action == .move(resource: "pbx", node: "ip-172-31-16-135"))
        press(&s, .right)
        guard case .confirm(let q) = s.overlay, q.confirmFocused else { Issue.record("focus did not move"); return }
        #expect(press(&s, .enter) .contains(.perform(.move(resource: "pbx", node: "ip-172-31-16-135"))))
    }

    @Test func clearAndCleanupFromTheProblemsPane() throws {
        var s = makeState()
        var moved = try Fixture.status("moved")
        moved.cliConstraints = [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx",
                                                   node: "ip-172-31-16-135", score: "INFINITY")]
        _ = poll(&s, moved)
        press(&s, .tab)
        #expect(s.focus == .problems)
        guard case .constraint(let c) = Rows.problems(s).first else { Issue.record("constraint not listed"); return }
        #expect(c.id == "cli-prefer-pbx")
        press(&s, .char("c"))
        guard case .confirm(let p) = s.overlay else { Issue.record("no confirmation"); return }
        #expect(p.action == .clear(resource: "pbx", node: nil))
        press(&s, .escape)

        _ = poll(&s, try Fixture.status("failed-pbx"))
        let rows = Rows.problems(s)
        guard let i = rows.firstIndex(where: { if case .failedAction = $0 { true } else { false } }) else {
            Issue.record("failed action not listed"); return
        }
        s.selection[.problems] = i
        press(&s, .char("C"))
        guard case .confirm(let q) = s.overlay else { Issue.record("no confirmation"); return }
        #expect(q.action == .cleanup(resource: "pbx", node: "ip-172-31-16-133"))
    }

    @Test func readOnlyRemovesEveryAction() throws {
        var s = makeState(readOnly: true)
        _ = poll(&s, try Fixture.status("healthy"))
        for key: Key in [.char("R"), .char("s"), .char("u"), .char("m"), .char("c"), .char("C")] {
            #expect(press(&s, key) == [])
            #expect(s.overlay == .none)
            #expect(s.message?.text == "read-only mode: actions are disabled")
        }
        #expect(text(s).contains("READ-ONLY"))
    }

    @Test func failoverIsMeasuredAndLogged() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("failover-before"), at: t0)
        var mid = try Fixture.status("failover-before")
        mid.nodes[0].online = false
        mid.resources = mid.resources.map { var r = $0; r.nodes = []; r.role = .stopped; return r }
        _ = poll(&s, mid, at: t0.addingTimeInterval(2))
        #expect(s.timeline.contains { $0.text == "no master: the anchor stopped (was on ip-172-31-16-133)" })
        _ = poll(&s, try Fixture.status("failover-after"), at: t0.addingTimeInterval(6))
        let f = try #require(s.lastFailover)
        #expect(f.from == "ip-172-31-16-133")
        #expect(f.to == "ip-172-31-16-134")
        #expect(!f.upperBound)
        #expect(s.timeline.contains { $0.text.hasPrefix("FAILOVER ip-172-31-16-133 → ip-172-31-16-134 in ") })
        #expect(s.timeline.contains { $0.text == "ip-172-31-16-133 OFFLINE" })
        #expect(s.timeline.contains { $0.text == "pbx started on ip-172-31-16-134" })
    }

    @Test func pollErrorsMarkDataStaleAndAreLoggedOnce() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"), at: t0)
        let err = SourceError(.connect, "ip-172-31-16-133:22: connection refused")
        for i in 1...3 {
            _ = App.update(&s, .polled(PollOutcome(result: .failure(err), via: "ip-172-31-16-133",
                                                   at: t0.addingTimeInterval(Double(2 * i)))))
        }
        _ = App.update(&s, .tick(t0.addingTimeInterval(14)))
        #expect(s.isStale)
        #expect(s.timeline.filter { $0.text.contains("connection refused") }.count == 1)
        #expect(s.status != nil, "the last good status is kept")
        #expect(text(s).contains("STALE 14 s"))
    }

    @Test func filterNarrowsRows() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("/"), .char("p"), .char("b"), .char("x"), .enter)
        #expect(Rows.resources(s).map(\.resource.id) == ["pbx"])
        press(&s, .char("/"), .escape)
        #expect(Rows.resources(s).count == 7)
    }

    @Test func themeKeyCyclesThroughInstalledThemes() throws {
        var s = makeState()
        #expect(press(&s, .char("T")) == [.loadTheme("monochrome")])
        _ = App.update(&s, .themeLoaded("monochrome"))
        #expect(press(&s, .char("T")) == [.loadTheme("default")])
    }

    @Test func selectionFollowsItsNodeWhenRowsMove() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .tab, .tab, .tab, .char("G"))
        #expect(Rows.nodes(s)[s.selected(.nodes)].node.name == "ip-172-31-16-135")
        var more = try Fixture.status("healthy")
        more.nodes.insert(Node(name: "ip-172-31-16-100"), at: 0)
        _ = poll(&s, more, at: t0.addingTimeInterval(2))
        #expect(Rows.nodes(s)[s.selected(.nodes)].node.name == "ip-172-31-16-135", "not the row that moved under it")
        press(&s, .char("s"))
        guard case .confirm(let p) = s.overlay else { Issue.record("no confirmation"); return }
        #expect(p.action == .standby(node: "ip-172-31-16-135"))
    }

    @Test func keysCanBeRemapped() throws {
        var s = makeState()
        s.config.keyMap = KeyMap.standard.remapped([.cleanup: .char("x")])
        #expect(s.config.keyMap.command(for: .char("x"), readOnly: false) == .cleanup)
        #expect(s.config.keyMap.command(for: .char("C"), readOnly: false) == nil)
    }
}
