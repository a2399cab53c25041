import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

/// The confirmation pane's what-if and the move-and-release sequence, driven through `update`
/// with previews made from crm_simulate outputs recorded on the lab (Tests/Fixtures/whatif).
@Suite struct PreviewTests {
    let n1 = "ip-172-31-16-133", n2 = "ip-172-31-16-134", n3 = "ip-172-31-16-135"

    static func recorded(_ name: String, via: String = "ip-172-31-16-133") throws -> Preview {
        let url = Fixture.dir.deletingLastPathComponent().appendingPathComponent("whatif/\(name)")
        let changes = try WhatIf.changes(stdout: String(contentsOf: url, encoding: .utf8), stderr: "", exitCode: 0)
        return Preview(changes: changes, via: via)
    }

    /// The pane for moving the master to node 3 (release mode, the default).
    func movePane(_ s: inout AppState) throws -> (PendingAction, [Effect]) {
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("m"), .char("j"))
        let effects = press(&s, .enter)
        guard case .confirm(let p) = s.overlay else { throw PreviewTestError("no confirmation pane") }
        return (p, effects)
    }

    /// The move pane with `version`'s recorded move preview, whose release would move it back.
    func previewedMoveThatReleasesBack(_ s: inout AppState, version: String) throws -> Preview {
        let (p, _) = try movePane(&s)
        var preview = try Self.recorded("crm_simulate-\(version)-move.txt")
        preview.afterRelease = try Self.recorded("crm_simulate-\(version)-release-moves-back.txt").changes
        _ = App.update(&s, .previewed(p.command, .ready(preview)))
        return preview
    }

    struct PreviewTestError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    func pane(_ s: AppState) -> PendingAction? {
        if case .confirm(let p) = s.overlay { return p }
        return nil
    }

    @Test func thePaneOpensAtOnceAndThePreviewArrivesLater() throws {
        var s = makeState(size: Size(width: 100, height: 50))
        let (p, effects) = try movePane(&s)
        #expect(effects == [.preview(p.command)], "the preview is asked for, nothing runs")
        #expect(p.preview == .computing)
        #expect(text(s).contains("What the cluster will do: computing…"))
        var preview = try Self.recorded("crm_simulate-2.1.5-move.txt")
        preview.afterRelease = []
        #expect(App.update(&s, .previewed(p.command, .ready(preview))) == [])
        let screen = text(s)
        for rsc in MasterLayout.portSIP.chain {
            #expect(screen.range(of: "\(rsc) +\(n1) → \(n3)  \\(move\\)", options: .regularExpression) != nil, "\(rsc) row")
        }
        #expect(screen.contains("What the cluster will do (crm_simulate on \(n1)):"))
        #expect(screen.contains("Clearing the constraint afterwards moves nothing back."))
        // Esc changes nothing: no effect at all.
        #expect(press(&s, .escape) == [])
        #expect(s.overlay == .none && s.running == nil && s.sequence == nil)
    }

    /// The pane shows the same rows from the crm_simulate of Pacemaker 2.0.5, 2.1.5 and 3.0.0
    /// (2.0 indents and pads its summary differently).
    @Test(arguments: ["2.0.5", "2.1.5", "3.0.0"]) func everyVersionsMovePreviewRendersTheChain(version: String) throws {
        var s = makeState(size: Size(width: 100, height: 50))
        _ = try previewedMoveThatReleasesBack(&s, version: version)
        let screen = text(s)
        for rsc in MasterLayout.portSIP.chain {
            #expect(screen.range(of: "\(rsc) +\(n1) → \(n3)  \\(move\\)", options: .regularExpression) != nil, "\(version): \(rsc)")
        }
        #expect(screen.contains("Clearing afterwards would move 7 resources to \(n1)."), "\(version): the release check is said")
    }

    /// At 80×24 the rows do not fit: the preview shrinks to one line, and Confirm stays.
    @Test func onASmallTerminalThePreviewGivesWayToTheCommand() throws {
        var s = makeState(size: Size(width: 80, height: 24))
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .tab, .tab, .tab, .char("s"))
        guard let p = pane(s) else { Issue.record("no pane"); return }
        _ = App.update(&s, .previewed(p.command, .ready(try Self.recorded("crm_simulate-2.1.5-standby.txt"))))
        let screen = text(s)
        #expect(View.confirmFits(s), "Confirm is offered:\n\(screen)")
        #expect(screen.contains("The cluster will move 7 resources to \(n2)"))
        #expect(screen.contains("crm_attribute --node \(n1)"))
    }

    @Test func aFailedPreviewSaysWhyAndStillLetsTheUserChoose() throws {
        var s = makeState(size: Size(width: 100, height: 50))
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("G"))
        let opened = press(&s, .char("R"))
        guard let p = pane(s), opened == [.preview(p.command)] else { Issue.record("no preview asked"); return }
        _ = App.update(&s, .previewed(p.command, .failed("crm_simulate failed (exit 127): crm_simulate: not found")))
        let screen = text(s)
        #expect(screen.contains("No preview: crm_simulate failed (exit 127):"))
        #expect(screen.contains("You can still confirm or"))
        guard case .perform(let command, _)? = press(&s, .char("y")).first else { Issue.record("y did not run it"); return }
        #expect(command == p.command)
    }

    @Test func aLatePreviewForAnotherPaneIsIgnored() throws {
        var s = makeState()
        let (p, _) = try movePane(&s)
        let other = try PreparedAction(.restart(resource: "pbx"), remote: RemoteCommand(), node: n1)
        _ = App.update(&s, .previewed(other, .failed("x")))
        #expect(pane(s)?.preview == .computing)
        press(&s, .escape)
        _ = App.update(&s, .previewed(p.command, .failed("late")))
        #expect(s.overlay == .none, "a preview never reopens a closed pane")
    }

    @Test func restartShowsTheDependentsThatStopAndStartAgain() throws {
        var s = makeState(size: Size(width: 100, height: 50))
        _ = poll(&s, try Fixture.status("healthy"))
        press(&s, .char("g"), .char("j"), .char("j"), .char("R"))
        guard let p = pane(s) else { Issue.record("no pane"); return }
        #expect(p.action == .restart(resource: "vip"))
        let stops = try Self.recorded("crm_simulate-2.1.5-restart-vip.txt")
        // The source reports restarts; the pane says they stop and start again.
        let restarts = Preview(changes: stops.changes.map { PlannedChange(kind: .restart, resource: $0.resource, node: $0.node) },
                               via: n1)
        _ = App.update(&s, .previewed(p.command, .ready(restarts)))
        let screen = text(s)
        #expect(screen.contains("These stop and start again (crm_simulate on \(n1)):"))
        for rsc in ["vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"] {
            #expect(screen.range(of: "\(rsc) +\(n1)  \\(restart\\)", options: .regularExpression) != nil, "\(rsc)")
        }
        #expect(screen.range(of: "eip +\(n1)  \\(restart\\)", options: .regularExpression) == nil, "eip does not depend on vip")
    }

    @Test func nothingWillChangeIsSaid() throws {
        var s = makeState(size: Size(width: 100, height: 50))
        _ = poll(&s, try Fixture.status("healthy"))
        s.focus = .nodes
        press(&s, .char("j"), .char("s"))  // standby of node 2, which runs nothing of the chain
        guard let p = pane(s) else { Issue.record("no pane"); return }
        _ = App.update(&s, .previewed(p.command, .ready(try Self.recorded("crm_simulate-2.1.5-nothing.txt"))))
        #expect(text(s).contains("Nothing will change (crm_simulate on \(n1))."))
    }

    @Test func moveModesChangeTheCommandLines() throws {
        var s = makeState(size: Size(width: 100, height: 50))
        let (p, _) = try movePane(&s)
        #expect(p.moveMode == .release)
        var screen = text(s)
        #expect(screen.contains("Mode (m): [move, then release]  move and pin  move for 10 min"))
        #expect(screen.contains("1. Command on \(n1):"))
        #expect(screen.contains("crm_resource --move -r pbx -N \(n3)"))
        #expect(screen.contains("crm_resource --clear -r pbx"), "both command lines are shown")
        press(&s, .char("m"))
        #expect(pane(s)?.moveMode == .pin)
        screen = text(s)
        #expect(!screen.contains("crm_resource --clear"))
        #expect(screen.contains("pins them"))
        press(&s, .char("m"))
        #expect(pane(s)?.action == .moveFor(resource: "pbx", node: n3, minutes: 10))
        #expect(text(s).contains("--lifetime PT10M"))
        guard case .perform(let command, _)? = press(&s, .char("y")).first else { Issue.record("no perform"); return }
        #expect(command.commandLine.hasSuffix("--lifetime PT10M"))
        #expect(s.sequence == nil, "a lifetime move has no release step")
    }

    @Test func thePreviewWarnsWhenReleasingWouldMoveItBack() throws {
        var s = makeState(size: Size(width: 100, height: 60))
        let preview = try previewedMoveThatReleasesBack(&s, version: "2.1.5")
        let screen = text(s)
        #expect(screen.contains("Clearing afterwards would move 7 resources to \(n1)."))
        #expect(screen.contains("keep the pin"))
        // A mode switch keeps the preview: the placement is the same.
        press(&s, .char("m"))
        #expect(pane(s)?.preview == .ready(preview))
    }

    // MARK: Move and release

    func moveConfirmed(_ s: inout AppState) throws -> PreparedAction {
        let (p, _) = try movePane(&s)
        guard case .perform(let move, _)? = press(&s, .char("y")).first else { throw PreviewTestError("no perform") }
        #expect(move == p.command)
        #expect(s.sequence?.step == .moving)
        return move
    }

    func finished(_ command: PreparedAction, exit: Int32 = 0, at: Date = t0) -> Message {
        .actionFinished(ActionOutcome(action: command.action, commandLine: command.commandLine, via: command.node,
                                      exitCode: exit, started: at, finished: at))
    }

    @Test func releaseClearsOnceTheChainRunsOnTheTargetAndTheSchedulerAgrees() throws {
        var s = makeState()
        let move = try moveConfirmed(&s)
        #expect(press(&s, .char("R")) == [], "one action at a time")
        _ = App.update(&s, finished(move))
        guard case .waiting = s.sequence?.step else { Issue.record("not waiting: \(String(describing: s.sequence))"); return }
        // Still on node 1: keep waiting.
        #expect(!poll(&s, try Fixture.status("healthy"), at: t0 + 2).contains { if case .preview = $0 { true } else { false } })
        #expect(press(&s, .char("R")) == [])
        #expect(s.message?.text.contains("still releasing") == true)
        // The chain runs on node 2 (the fixture with node 1 in standby; the target here is node 2).
        s.sequence?.target = n2
        let effects = poll(&s, try Fixture.status("standby"), at: t0 + 4)
        guard let clear = s.sequence?.clear, effects.contains(.preview(clear)) else {
            Issue.record("no release check: \(effects)"); return
        }
        #expect(clear.action == .clear(resource: "pbx", node: nil))
        #expect(s.sequence?.step == .checking)
        let run = App.update(&s, .previewed(clear, .ready(Preview(changes: [], via: n1))))
        guard case .perform(let sent, let audit)? = run.first else { Issue.record("clear not run: \(run)"); return }
        #expect(sent == clear && audit.command == clear.commandLine && audit.result == "started")
        #expect(s.running?.command == clear)
        _ = App.update(&s, finished(clear))
        #expect(s.sequence == nil && s.running == nil)
        #expect(s.timeline.last?.text == "pbx runs on \(n2); cli-prefer-pbx released: nothing left behind")
    }

    /// A release move whose chain has arrived (on node 2, the "standby" fixture): the clear
    /// command waiting for the scheduler's answer.
    func atReleaseCheck(_ s: inout AppState) throws -> PreparedAction {
        let move = try moveConfirmed(&s)
        _ = App.update(&s, finished(move))
        s.sequence?.target = n2
        _ = poll(&s, try Fixture.status("standby"), at: t0 + 4)
        guard s.sequence?.step == .checking, let clear = s.sequence?.clear else { throw PreviewTestError("no check") }
        return clear
    }

    @Test func releaseKeepsThePinWhenClearingWouldMoveItBack() throws {
        var s = makeState()
        let clear = try atReleaseCheck(&s)
        let back = try Self.recorded("crm_simulate-2.1.5-release-moves-back.txt")
        #expect(App.update(&s, .previewed(clear, .ready(back))) == [], "nothing is cleared")
        #expect(s.sequence == nil && s.running == nil)
        #expect(s.timeline.last?.text == "not released: clearing cli-prefer-pbx would move 7 resources to \(n1); "
                + "the pin stays (C clears it when you want)")
    }

    @Test func aFailedMoveOrAFailedCheckSaysWhatIsLeft() throws {
        var s = makeState()
        let move = try moveConfirmed(&s)
        _ = App.update(&s, finished(move, exit: 1))
        #expect(s.sequence == nil)
        #expect(s.timeline.last?.text.hasPrefix("release not attempted: the move did not succeed (1)") == true)

        var t = makeState()
        let clear = try atReleaseCheck(&t)
        #expect(App.update(&t, .previewed(clear, .failed("connection lost"))) == [])
        #expect(t.timeline.last?.text == "not released: the scheduler could not be asked (connection lost); "
                + "cli-prefer-pbx stays — C clears it")
    }

    @Test func releaseGivesUpWhenTheChainNeverArrives() throws {
        var s = makeState()
        let move = try moveConfirmed(&s)
        _ = App.update(&s, finished(move))
        _ = poll(&s, try Fixture.status("healthy"), at: t0 + MoveSequence.arrivalTimeout + 1)
        #expect(s.sequence == nil)
        #expect(s.timeline.last?.text == "pbx is not running on \(n3) after 180 s: not released — "
                + "cli-prefer-pbx is still in place (C clears it)")
        #expect(s.timeline.last?.severity == .critical)
    }
}
