import Foundation
import Testing
import PacetopTestSupport

/// The real binary, in tmux, against the built-in demo cluster and XML files.
@Suite(.serialized, .enabled(if: tmuxReady)) struct DemoE2ETests {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-e2e-\(UUID().uuidString.prefix(8))")

    func pacetop(_ args: String..., width: Int = 80, height: Int = 24, env: [String: String] = [:]) throws -> Tmux {
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let base = ["XDG_STATE_HOME": tmp.appendingPathComponent("state").path,
                    "XDG_CONFIG_HOME": tmp.appendingPathComponent("config").path]
        return try Tmux([Tmux.pacetop] + args, width: width, height: height,
                        env: base.merging(env, uniquingKeysWith: { _, b in b }))
    }

    var auditLog: URL { tmp.appendingPathComponent("state/pacetop/audit.log") }

    @Test func demoShowsTheClusterAtOnce() throws {
        let t = try pacetop("--demo")
        let s = try t.waitFor("all seven resources", timeout: 5) { s in
            ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"].allSatisfy(s.contains)
        }
        #expect(s.contains("DEMO"))
        #expect(s.contains("OK"))
        #expect(s.contains("ip-172-31-16-133") && s.contains("★ master"))
        #expect(s.components(separatedBy: "online").count - 1 == 3, "three online nodes")
        #expect(s.contains("? help"))
    }

    @Test func moveShowsItsPreviewAndEscapeLeavesTheDemoAsItWas() throws {
        let t = try pacetop("--demo", width: 100, height: 50)
        try t.waitFor("pbx")
        try t.send("m")
        try t.waitFor("Move master")
        try t.send("Enter")
        let s = try t.waitFor("the preview rows", timeout: 10) { s in
            ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"].allSatisfy {
                s.range(of: "\($0) +ip-172-31-16-133 → ip-172-31-16-134  \\(move\\)", options: .regularExpression) != nil
            }
        }
        #expect(s.contains("What the cluster will do (the demo's own simulation):"))
        #expect(s.contains("Mode (m): [move, then release]"))
        #expect(s.contains("crm_resource --clear -r pbx"))
        try t.send("Escape")
        let after = try t.waitFor("cancelled: Move pbx")
        #expect(after.contains("★ master"))
        #expect(after.range(of: "ip-172-31-16-133 +online +★ master", options: .regularExpression) != nil, "still on node 1")
        #expect(!FileManager.default.fileExists(atPath: auditLog.path), "nothing ran")
    }

    /// A staged failover sets the terminal title and runs the on_event hook with the event as
    /// one JSON line on stdin.
    @Test func failoverSetsTheTitleAndRunsTheHook() throws {
        let config = tmp.appendingPathComponent("config/pacetop")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        let events = tmp.appendingPathComponent("events.jsonl")
        try "bell = true\non_event = \"cat >> \(events.path)\"\n"
            .write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let t = try pacetop("--demo", "failover", width: 100, height: 40)
        try t.waitFor("pbx")
        #expect(try !t.title().contains("FAILOVER"))
        try t.waitFor("the failover in the timeline", timeout: 90) { $0.contains("FAILOVER ip-172-31-16-133 → ") }
        let deadline = Date().addingTimeInterval(10)
        var title = try t.title()
        while !title.contains("FAILOVER"), Date() < deadline { usleep(100_000); title = try t.title() }
        #expect(title.hasPrefix("pacetop DEMO: FAILOVER 133 → 13"), "title: \(title)")
        var lines: [String] = []
        while Date() < deadline {
            lines = ((try? String(contentsOf: events, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            if lines.contains(where: { $0.contains("\"event\":\"failover\"") }) { break }
            usleep(100_000)
        }
        let line = try #require(lines.first { $0.contains("\"event\":\"failover\"") }, "hook got: \(lines)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["from"] as? String == "ip-172-31-16-133")
        #expect((json["to"] as? String)?.hasPrefix("ip-172-31-16-13") == true)
        #expect((json["text"] as? String)?.hasPrefix("FAILOVER ip-172-31-16-133 → ") == true)
    }

    @Test func restartConfirmedRunsAndIsAudited() throws {
        let t = try pacetop("--demo")
        try t.waitFor("pbx")
        try t.send("G")  // last resource row
        try t.send("k", "k", "k", "k")  // up from ping to pbx
        try t.send("R")
        try t.waitFor("Confirm")
        var s = try t.screen()
        #expect(s.contains("crm_resource --restart -r pbx --timeout 120s"))
        #expect(s.contains("> Cancel <"), "Cancel is focused by default")
        try t.send("y")
        s = try t.waitFor("running", timeout: 5)
        #expect(s.contains("Restart pbx"))
        try t.waitFor("Restart pbx: done (exit 0)", timeout: 30)
        let lines = try String(contentsOf: auditLog, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("\"result\":\"started\"") == true)
        #expect(lines.last?.contains("\"result\":\"0\"") == true)
        #expect(lines.last?.contains("crm_resource --restart -r pbx") == true)
    }

    @Test func cancelRunsNothing() throws {
        let t = try pacetop("--demo")
        try t.waitFor("pbx")
        try t.send("G", "R")
        try t.waitFor("Confirm")
        try t.send("Enter")  // on Cancel
        try t.waitFor("cancelled")
        try t.send("R")
        try t.waitFor("Confirm")
        try t.send("Escape")
        try t.waitFor("cancelled")
        sleep(1)
        #expect(!FileManager.default.fileExists(atPath: auditLog.path), "nothing confirmed, nothing audited")
        #expect(!(try t.screen()).contains("running"))
    }

    @Test func standbyMovesTheMasterAndBack() throws {
        let t = try pacetop("--demo", "--interval", "0.5")
        try t.waitFor("pbx")
        try t.send("Tab", "Tab")  // resources → timeline → nodes (no problems, so no Problems pane)
        try t.send("s")
        // The command wraps at 80 columns: its words, in order, across the pane's lines.
        try t.waitFor("the standby command") { s in
            let borders: Set<Character> = ["│", "█", "┌", "┐", "└", "┘", "─", " ", "\n"]
            let words = s.split(whereSeparator: { borders.contains($0) }).joined(separator: " ")
            return words.contains("crm_attribute --node ip-172-31-16-133 --name standby --update on")
        }
        try t.send("y")
        try t.waitFor("master moved", timeout: 30) { $0.contains("standby") && !$0.contains("133             online      ★") }
        try t.waitFor("★ master", timeout: 30) { s in
            s.split(separator: "\n").contains { $0.contains("★ master") && !$0.contains("ip-172-31-16-133") }
        }
        try t.send("u")
        try t.waitFor("--update off")
        try t.send("y")
        try t.waitFor("out of standby", timeout: 20) { s in
            s.split(separator: "\n").contains { $0.contains("ip-172-31-16-133") && $0.contains("online") }
        }
    }

    @Test func moveMasterLeavesAConstraintThatCanBeCleared() throws {
        let t = try pacetop("--demo", "--interval", "0.5", height: 40)
        try t.waitFor("pbx")
        try t.send("m")
        try t.waitFor("Move master")
        try t.send("Down", "Enter")
        try t.waitFor("crm_resource --move -r pbx -N ip-172-31-16-135")
        try t.send("m")  // move and pin: the constraint stays
        try t.waitFor("[move and pin]")
        try t.send("y")
        try t.waitFor("pinned", timeout: 30) { $0.contains("pbx is pinned to ip-172-31-16-135 by cli-prefer-pbx") }
        try t.waitFor("master on node 3", timeout: 30) { s in
            s.split(separator: "\n").contains { $0.contains("ip-172-31-16-135") && $0.contains("★ master") }
        }
        try t.send("Tab")  // problems pane
        try t.send("c")
        try t.waitFor("crm_resource --clear -r pbx")
        try t.send("y")
        try t.waitFor("constraint gone", timeout: 20) { !$0.contains("cli-prefer-pbx") || $0.contains("constraint cli-prefer-pbx removed") }
    }

    @Test func readOnlyOffersNoAction() throws {
        let t = try pacetop("--demo", "--read-only")
        var s = try t.waitFor("READ-ONLY")
        #expect(!s.contains("R restart"))
        for key in ["R", "s", "u", "m", "c", "C"] {
            try t.send(key)
            s = try t.waitFor("read-only mode: actions are disabled")
            #expect(!s.contains("Confirm"))
        }
        #expect(!FileManager.default.fileExists(atPath: auditLog.path))
    }

    @Test func helpDetailsFilterAndQuit() throws {
        let t = try pacetop("--demo")
        try t.waitFor("pbx")
        try t.send("?")
        var s = try t.waitFor("pacetop help")
        #expect(s.contains("restart the selected resource (asks first)"))
        try t.send("Escape")
        try t.waitFor("help closed") { !$0.contains("pacetop help") }
        try t.send("G", "k", "k", "k", "k", "Enter")
        // The whole pane, not only its title (tmux may capture a frame halfway drawn).
        s = try t.waitFor("Resource pbx with its history") { $0.contains("Resource pbx") && $0.contains("History on ip-172-31-16-133") }
        #expect(s.contains("ocf:portsip:pbx"))
        try t.send("Escape")
        try t.send("/")
        try t.type("src")
        try t.send("Enter")
        s = try t.waitFor("filter: src")
        #expect(s.contains("src_pkt_ip") && !s.contains("datapath_fs"))
        try t.send("/", "Escape")
        try t.waitFor("datapath_fs")
        try t.send("r")
        try t.send("q")
        try t.waitFor("[pacetop exited with 0]")
    }

    @Test func resizeReflowsAndTinyTerminalsSaySo() throws {
        let t = try pacetop("--demo", width: 80, height: 24)
        try t.waitFor("datapath_fs")
        try t.resize(width: 20, height: 6)
        var s = try t.waitFor("compact view") { $0.contains("pacetop") && $0.contains("q quit") && !$0.contains("datapath_fs") }
        #expect(s.split(separator: "\n").allSatisfy { $0.count <= 20 })
        try t.resize(width: 19, height: 5)
        s = try t.waitFor("terminal too small")
        try t.resize(width: 200, height: 60)
        s = try t.waitFor("Timeline")
        #expect(s.contains("Problems") && s.contains("Resources"))
    }

    @Test func themesCycleAndColourCanBeTurnedOff() throws {
        let t = try pacetop("--demo")
        try t.waitFor("pbx")
        let coloured = try t.screenWithEscapes()
        #expect(usesColour(coloured), "colours are used by default: \(coloured.prefix(300).debugDescription)")
        try t.send("T")
        try t.waitFor("theme: ")
        let mono = try pacetop("--demo", env: ["NO_COLOR": "1"])
        try mono.waitFor("pbx")
        let escapes = try mono.screenWithEscapes()
        #expect(!usesColour(escapes), "no colours with NO_COLOR, only attributes")
        #expect(escapes.contains("\u{1B}[1m"), "bold still marks titles")
    }

    @Test func asciiWithoutUTF8Locale() throws {
        let t = try pacetop("--demo", env: ["LANG": "C", "LC_ALL": "C", "TERM": "vt100"])
        let s = try t.waitFor("pbx")
        #expect(s.contains("+--"), "ASCII borders")
        #expect(!s.contains("┌") && !s.contains("★"))
    }

    @Test func demoFailoverIsMeasuredOnScreen() throws {
        let t = try pacetop("--demo", "failover", "--interval", "0.5", width: 100, height: 45)
        try t.waitFor("pbx")
        // The demo's master hangs 20 s after start; the chain is up elsewhere ~10.5 s later.
        let s = try t.waitFor("FAILOVER", timeout: 60)
        let line = try #require(s.split(separator: "\n").first { $0.contains("FAILOVER") })
        #expect(line.contains("FAILOVER ip-172-31-16-133 → ip-172-31-16-134 in "))
        let secs = line.split(separator: " ").drop { $0 != "in" }.dropFirst().first.flatMap { Double($0) }
        let measured = try #require(secs, "duration on screen: \(line)")
        #expect(measured > 8 && measured < 14, "the demo's failover takes about 10.5 s: \(line)")
        #expect(s.contains("UNCLEAN") || s.contains("OFFLINE") || s.contains("no master"))
    }

    @Test func badThemeIsAClearError() throws {
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let theme = tmp.appendingPathComponent("broken.toml")
        try "\"ui.text\" = \"default\"\n\"node.onlin\" = \"green\"\n".write(to: theme, atomically: true, encoding: .utf8)
        let r = try Tmux.run([Tmux.pacetop, "--demo", "--theme", theme.path])
        #expect(r.status == 64)
        #expect(r.output.contains("\(theme.path):2"), "names file and line: \(r.output)")
        #expect(r.output.contains("node.onlin"), "names the key: \(r.output)")
    }

    @Test func xmlFileIsReReadEveryPoll() throws {
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let file = tmp.appendingPathComponent("status.xml")
        let fixtures = TestData.fixtures.appendingPathComponent("portsip")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("healthy.xml"), to: file)
        let t = try pacetop("--xml-file", file.path, "--interval", "0.5")
        var s = try t.waitFor("pbx")
        #expect(s.contains("OK"))
        #expect(s.contains("VIEW-ONLY"), "a file cannot run actions")
        let failed = try Data(contentsOf: fixtures.appendingPathComponent("failed-pbx.xml"))
        try failed.write(to: file, options: .atomic)
        try t.send("G")  // pbx, the last row: the resources pane scrolls at 80×24 beside the timeline
        s = try t.waitFor("FAILED", timeout: 5)
        #expect(s.contains("DEGRADED"))
        try Data("<pacemaker-result".utf8).write(to: file, options: .atomic)
        s = try t.waitFor("STALE", timeout: 10)
        #expect(s.contains("malformed crm_mon XML"))
    }
}

/// A foreground or background colour other than the terminal's default (39/49).
func usesColour(_ escapes: String) -> Bool {
    escapes.range(of: "\u{1B}\\[([0-9;]*;)?([34][0-7]|9[0-7]|10[0-7]|[34]8;)", options: .regularExpression) != nil
}
