import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

@Suite struct ViewTests {
    static let fixtures = ["healthy", "standby", "offline", "failed-pbx", "failed-pbx-recovered", "moved",
                           "no-quorum", "maintenance", "unmanaged", "failover-after"]

    func state(_ name: String, size: Size = Size(width: 80, height: 24)) throws -> AppState {
        var s = makeState(size: size)
        _ = poll(&s, try Fixture.status(name))
        return s
    }

    @Test func healthyAt80x24() throws {
        let lines = screen(try state("healthy"))
        #expect(lines.count == 24)
        #expect(lines[0] == "pacetop test • OK  quorum yes  DC ip-172-31-16-133  corosync  times \(View.zoneName(utc: false))")
        #expect(lines[1] == "via ip-172-31-16-133 live")
        #expect(lines[3].contains("ip-172-31-16-133") && lines[3].contains("online") && lines[3].contains("★ master DC"))
        let resources = lines.firstIndex { $0.contains("Resources (7)") }!
        let order = lines[(resources + 1)...(resources + 7)].map { $0.dropFirst(3).split(separator: " ").first.map(String.init) ?? "" }
        #expect(order == MasterLayout.portSIP.chain, "the chain in start order")
        #expect(lines[resources + 7].contains("pbx") && lines[resources + 7].contains("★"))
        #expect(lines.contains { $0.contains("✓ no failed actions, no lingering constraints") })
        #expect(lines[23] == "? help  q quit  R restart  s standby  u unstandby  m move  c clear  C cleanup")
    }

    /// Every fixture at every size: nothing spills past the edge, the verdict is on screen, and
    /// each node shows a state word (never colour alone).
    @Test(arguments: fixtures)
    func everyFixtureAtEverySize(_ name: String) throws {
        let verdict = try Fixture.status(name).health().level
        let word = ["ok": "OK", "degraded": "DEGRADED", "critical": "CRITICAL"][verdict.rawValue]!
        for size in [Size(width: 80, height: 24), Size(width: 200, height: 60), Size(width: 20, height: 6),
                     Size(width: 40, height: 12), Size(width: 132, height: 43)] {
            let s = try state(name, size: size)
            for env in [plainEnv, ViewEnv(theme: Theme(name: "plain", styles: [:]), glyphs: .ascii)] {
                let lines = screen(s, env)
                #expect(lines.count == size.height)
                #expect(lines.allSatisfy { DisplayWidth.of($0) <= size.width }, "\(name) at \(size)")
                #expect(lines.joined().contains(word), "\(name) at \(size) shows \(word)")
                if env.glyphs == .ascii { #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }) }
            }
            if size.height >= 24 && size.width >= 80 {
                let text = screen(s).joined(separator: "\n")
                for n in s.status!.nodes { #expect(text.contains(n.name)) }
                #expect(text.contains(s.status!.nodes.map { $0.state == .offline ? "OFFLINE" : $0.state.rawValue }.first!))
            }
        }
    }

    @Test func tinyTerminalShowsTheEssentials() throws {
        let lines = screen(try state("failover-after", size: Size(width: 20, height: 6)))
        #expect(lines == ["pacetop DEGRADED", "via …-31-16-133 live", "quorum yes DC …6-134",
                          "★ master …-31-16-134", "nodes 2/3 online", "q quit ? help"])
    }

    @Test func belowTheMinimumSaysSo() throws {
        let lines = screen(try state("healthy", size: Size(width: 19, height: 5)))
        #expect(lines.prefix(3) == ["terminal too small", "need 20x6", "q quits"])
        // Narrower, the notice still says whole words, never "terminal too s…".
        #expect(screen(try state("healthy", size: Size(width: 15, height: 4))).prefix(3) == ["too small", "need 20x6", "q quits"])
        #expect(screen(try state("healthy", size: Size(width: 6, height: 2))) == ["small", "q quit"])
    }

    @Test func wideTerminalShowsPanesSideBySide() throws {
        var s = try state("failed-pbx", size: Size(width: 200, height: 60))
        _ = poll(&s, try Fixture.status("healthy"), at: t0.addingTimeInterval(2))
        let lines = screen(s)
        let row = try #require(lines.firstIndex { $0.contains("Nodes (3)") })
        #expect(lines[row].contains("Problems"), "problems beside nodes: \(lines[row])")
        #expect(lines.contains { $0.contains("Timeline") })
        #expect(lines.contains { $0.contains("pbx fail count on ip-172-31-16-133: 1 → 0") })
    }

    @Test func problemsSayWhatToPress() throws {
        var s = makeState()
        var moved = try Fixture.status("moved")
        moved.cliConstraints = [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx", node: "ip-172-31-16-135")]
        _ = poll(&s, moved)
        #expect(text(s).contains("⚠ pbx is pinned to ip-172-31-16-135 by cli-prefer-pbx — press c to clear"))
        s.config.readOnly = true
        #expect(!text(s).contains("press c"), "no hint for a key that does nothing")
    }

    @Test func confirmationPaneShowsTheExactCommandWithCancelFocused() throws {
        var s = try state("healthy")
        press(&s, .char("G"), .char("R"))
        let t = text(s)
        #expect(t.contains("Restart pbx"))
        #expect(t.contains("Command on ip-172-31-16-133:"))
        #expect(t.contains("crm_resource --restart -r pbx --timeout 120s"))
        #expect(t.contains("> Cancel <  [ Confirm ]"))
        press(&s, .right)
        #expect(text(s).contains("[ Cancel ]  > Confirm <"))
    }

    @Test func runningActionAndItsTimer() throws {
        var s = try state("healthy")
        press(&s, .char("G"), .char("R"), .char("y"))
        _ = App.update(&s, .tick(t0.addingTimeInterval(7)))
        #expect(text(s).contains("running 7 s: Restart pbx on ip-172-31-16-133"))
    }

    @Test func monochromeThemeKeepsStatesDistinguishable() throws {
        let mono = Theme(name: "m", styles: [:]).resolved(for: .mono)
        let env = ViewEnv(theme: mono, glyphs: .unicode)
        var s = try state("healthy")
        press(&s, .char("G"))
        let buf = View.render(s, env)
        // The selected row is reversed even without colour.
        let row = try #require((0..<buf.height).first { y in buf.lines()[y].contains("▶ pbx") })
        #expect(buf[x: 5, y: row].style.reverse)
    }

    @Test func detailsOfAResourceShowHistoryAndFailCounts() throws {
        var s = try state("failed-pbx", size: Size(width: 120, height: 40))
        press(&s, .char("G"), .enter)
        let t = text(s)
        #expect(t.contains("Resource pbx"))
        #expect(t.contains("ocf:pacemaker:Dummy"))
        #expect(t.contains("History on ip-172-31-16-133  fail-count 1"))
        #expect(t.contains("monitor every 5 s"))
    }

    @Test func helpComesFromTheKeyTable() throws {
        var s = try state("healthy", size: Size(width: 100, height: 40))
        press(&s, .char("?"))
        let t = text(s)
        for b in KeyMap.standard.bindings { #expect(t.contains(b.command.help)) }
        s.config.readOnly = true
        #expect(text(s).contains("Read-only mode: no action can be run."))
    }

    @Test func batchTextIsTheDashboardContent() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("failed-pbx"))
        let out = OnceReport.text(s, width: 100)
        #expect(out.contains("DEGRADED"))
        #expect(out.contains("Nodes\n"))
        #expect(out.contains("pbx") && out.contains("FAILED"))
        #expect(out.contains("✗ pbx monitor on ip-172-31-16-133: not running (rc 7)"))
        #expect(out.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }
}
