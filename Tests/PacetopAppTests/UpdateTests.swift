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

    @Test func aSourceAskingForAPollGetsOneAtOnceOrRightAfterTheOneInFlight() throws {
        var s = makeState()
        _ = App.start(&s)
        #expect(App.update(&s, .pollWanted) == [], "one poll at a time")
        #expect(poll(&s, try Fixture.status("healthy")) == [.poll], "the wanted poll runs right after")
        _ = poll(&s, try Fixture.status("healthy"))
        #expect(!s.pollInFlight)
        #expect(App.update(&s, .pollWanted) == [.poll], "idle: at once, not at the interval")
        #expect(s.pollInFlight)
    }

    @Test func restartAsksFirstAndCancelRunsNothing() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        // Resources pane is focused; pbx is the 7th row of the chain.
        press(&s, .char("G"))
        #expect(Rows.resources(s)[s.selected(.resources)].resource.id == "pbx")
        let opened = press(&s, .char("R"))
        guard case .confirm(let p) = s.overlay else { Issue.record("no confirmation pane"); return }
        #expect(opened == [.preview(p.command)], "the pane asks for its preview, nothing else")
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
        #expect(effects.count == 1)
        guard case .perform(let command, let rec) = effects[0] else { Issue.record("no perform"); return }
        #expect(rec.result == "started")
        #expect(rec.user == "tester")
        #expect(rec.node == "ip-172-31-16-133")
        #expect(rec.command.hasSuffix("crm_resource --restart -r pbx --timeout 120s"))
        #expect(command == (try PreparedAction(.restart(resource: "pbx"), remote: RemoteCommand(), node: "ip-172-31-16-133")))
        #expect(command.commandLine == rec.command, "what is audited is what runs")
        #expect(s.running?.action == .restart(resource: "pbx"))
        // A second action is refused while the first runs.
        #expect(press(&s, .char("R")) == [])
        #expect(s.overlay == .none)
        #expect(s.message?.text.contains("one action at a time") == true)
        // Quitting asks first while an action runs.
        #expect(press(&s, .char("q")) == [])
        #expect(s.overlay == .confirmQuit(confirmFocused: false))
        press(&s, .escape)
        #expect(s.quitting == nil)
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

    /// Below 60×16 there are no panes to Tab to: the hint says what does work.
    @Test func onTheCompactScreenActionsAskForABiggerTerminal() throws {
        var s = makeState(size: Size(width: 40, height: 12))
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("s"))
        #expect(s.overlay == .none)
        #expect(s.message?.text == "enlarge the terminal to select a node")
        press(&s, .char("u"))
        #expect(s.message?.text == "enlarge the terminal to select a node")
    }

    @Test func standbyNeedsANodeSelection() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("s"))
        #expect(s.overlay == .none)
        #expect(s.message?.text == "select a node (Tab to Nodes)")
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
        guard case .perform(let command, _)? = press(&s, .enter).first else { Issue.record("nothing performed"); return }
        #expect(command.action == .move(resource: "pbx", node: "ip-172-31-16-135"))
    }

    /// Issue: the pane was opened for node 1, node 1 died and polls moved to node 2. The pane
    /// must say where the command now runs, and confirming sends exactly that node and line.
    @Test func theConfirmPaneFollowsTheNodeItWillRunOn() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("G"), .char("R"))
        guard case .confirm(let before) = s.overlay else { Issue.record("no confirmation pane"); return }
        #expect(before.node == "ip-172-31-16-133")
        #expect(text(s).contains("Command on ip-172-31-16-133:"))
        _ = poll(&s, try Fixture.status("healthy"), at: t0.addingTimeInterval(2), via: "ip-172-31-16-134")
        guard case .confirm(let after) = s.overlay else { Issue.record("the pane closed"); return }
        #expect(after.node == "ip-172-31-16-134")
        #expect(after.movedFrom == "ip-172-31-16-133")
        #expect(text(s).contains("ip-172-31-16-133 stopped answering: this now runs on ip-172-31-16-134."))
        #expect(text(s).contains("Command on ip-172-31-16-134:"))
        guard case .perform(let command, let rec)? = press(&s, .char("y")).first else { Issue.record("nothing performed"); return }
        #expect(command.node == "ip-172-31-16-134")
        #expect(rec.node == "ip-172-31-16-134")
        // The audit record at the end names the node the command actually ran on.
        let outcome = ActionOutcome(action: command.action, commandLine: command.commandLine, via: "ip-172-31-16-134",
                                    exitCode: 0, started: t0, finished: t0)
        guard case .audit(let done)? = App.update(&s, .actionFinished(outcome)).first else { Issue.record("no audit"); return }
        #expect(done.node == "ip-172-31-16-134")
    }

    @Test func aCommandThatWasSentAndLostIsOutcomeUnknownNeverCouldNotRun() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("G"), .char("R"), .char("y"))
        let lost = ActionOutcome(action: .restart(resource: "pbx"), commandLine: "x", via: "ip-172-31-16-133", exitCode: nil,
                                 error: "connection to ip-172-31-16-133 lost: the server stopped answering", sent: true,
                                 started: t0, finished: t0)
        guard case .audit(let rec)? = App.update(&s, .actionFinished(lost)).first else { Issue.record("no audit"); return }
        #expect(rec.result == "unknown: connection to ip-172-31-16-133 lost: the server stopped answering")
        #expect(s.timeline.last?.text == "Restart pbx: outcome unknown — check the cluster (connection to ip-172-31-16-133 lost: the server stopped answering)")
        press(&s, .char("R"), .char("y"))
        let refused = ActionOutcome(action: .restart(resource: "pbx"), commandLine: "x", via: "ip-172-31-16-134", exitCode: nil,
                                    error: "ip-172-31-16-133 is no longer the node pacetop reads from", sent: false,
                                    started: t0, finished: t0)
        guard case .audit(let rec2)? = App.update(&s, .actionFinished(refused)).first else { Issue.record("no audit"); return }
        #expect(rec2.result.hasPrefix("not sent: "))
        #expect(s.timeline.last?.text.hasPrefix("Restart pbx: not sent: ") == true)
    }

    @Test func staleDataOrNoQuorumNeedsASecondConfirmation() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        _ = App.update(&s, .tick(t0.addingTimeInterval(30)))
        press(&s, .char("G"), .char("R"))
        #expect(text(s).contains("The status shown is 30 s old"))
        #expect(press(&s, .char("y")) == [], "the first y only arms it")
        #expect(text(s).contains("press y again to run it anyway"))
        guard case .perform? = press(&s, .char("y")).first else { Issue.record("the second y did not run it"); return }

        var q = makeState()
        var minority = try Fixture.status("healthy")
        minority.summary.quorum = false
        _ = poll(&q, minority)
        #expect(text(q).contains("NO-QUORUM VIEW"))
        press(&q, .char("G"), .char("R"))
        #expect(text(q).contains("has no quorum: its view may not be the cluster's."))
        #expect(press(&q, .char("y")) == [])
        #expect(press(&q, .char("n")) == [], "cancel still cancels")
        #expect(q.overlay == .none)
    }

    @Test func anOldStatusSaysStaleInsteadOfItsVerdict() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        #expect(screen(s)[0].contains("• OK"))
        _ = App.update(&s, .polled(PollOutcome(result: .failure(SourceError(.connect, "no answer")),
                                               via: "ip-172-31-16-133", at: t0.addingTimeInterval(5))))
        _ = App.update(&s, .tick(t0.addingTimeInterval(14)))
        #expect(!screen(s)[0].contains("OK"))
        #expect(screen(s)[0].contains("NO CONTACT 14 s"))
        #expect(text(s).contains("Nodes (3) STALE"))
    }

    @Test func retryNoiseCollapsesIntoTheLineItRepeats() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        let before = s.timeline.count
        for i in 1...14 {
            let t = t0.addingTimeInterval(Double(i) * 2)
            _ = App.update(&s, .polled(PollOutcome(result: .success(try Fixture.status("healthy")), via: "ip-172-31-16-134",
                                                   at: t, notes: i % 2 == 0 ? ["ip-172-31-16-133 not answering (connect refused)"] : [])))
        }
        let noisy = s.timeline.filter { $0.text == "ip-172-31-16-133 not answering (connect refused)" }
        #expect(noisy.count == 1)
        #expect(noisy.first?.count == 7)
        #expect(s.timeline.count <= before + 3)
        #expect(text(s).contains("(×7, last"))
    }

    @Test func ctrlCAndSigtermAskWhileAnActionRunsAndAHangUpDetachesIt() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("healthy"))
        #expect(App.update(&s, .signal(SIGINT)) == [.quit(.user)], "nothing running: Ctrl-C quits")

        var r = makeState()
        _ = poll(&r, try Fixture.status("healthy"))
        press(&r, .char("G"), .char("R"), .char("y"))
        #expect(App.update(&r, .signal(SIGTERM)) == [])
        #expect(r.overlay == .confirmQuit(confirmFocused: false))
        let second = App.update(&r, .signal(SIGTERM))
        guard case .audit(let rec)? = second.first else { Issue.record("no detached record"); return }
        #expect(rec.result == "detached")
        #expect(second.last == .quit(.user))

        var h = makeState()
        _ = poll(&h, try Fixture.status("healthy"))
        press(&h, .char("G"), .char("R"), .char("y"))
        let hup = App.update(&h, .signal(SIGHUP))
        guard case .audit(let detached)? = hup.first else { Issue.record("no detached record"); return }
        #expect(detached.result == "detached")
        #expect(hup.last == .quit(.terminalLost))
        #expect(h.terminalGone)
        #expect(QuitReason.terminalLost.exitCode == 74)
    }

    @Test func clearAndCleanupFromTheProblemsPane() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.movedAndPinned())
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
        s.select(i, in: .problems)
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
