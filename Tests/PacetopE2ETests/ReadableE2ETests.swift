import Foundation
import Testing

/// Issue 12 §4 and issue 15 on the real binary: agents, fail counts in words, times in the
/// screen's zone, and status messages on the compact screen.
extension DemoE2ETests {
    /// The line above the footer (the one with "q quit").
    func lineAboveFooter(_ screen: String) -> String {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        guard let footer = lines.lastIndex(where: { $0.contains("q quit") }), footer > 0 else { return "" }
        return String(lines[footer - 1])
    }

    @Test func agentsShowWhenTheTerminalIsWideEnough() throws {
        let t = try pacetop("--demo", width: 200, height: 50)
        let s = try t.waitFor("agents") { $0.contains("ocf:portsip:pbx") }
        #expect(s.contains("ocf:heartbeat:IPaddr2") && s.contains("ocf:portsip:awseip"), "\(s)")
        #expect(s.contains("─ FAILS ─"), "the column named on the pane's border: \(s)")
        try t.resize(width: 60, height: 24)
        let narrow = try t.waitFor("agents gone at 60 columns") { !$0.contains("ocf:") && $0.contains("pbx") }
        #expect(narrow.contains("ip-172-31-16-133"), "names keep their width: \(narrow)")
    }

    @Test func onceShowsAgentsWhenTheWidthAllows() throws {
        let pipe = try Tmux.run(["-u", "COLUMNS", Tmux.pacetop, "--demo", "--once"])
        #expect(pipe.output.contains("AGENT") && pipe.output.contains("ocf:portsip:awseip"), "whole lines: \(pipe.output)")
        let narrow = try Tmux.run(["COLUMNS=60", Tmux.pacetop, "--demo", "--once"])
        #expect(!narrow.output.contains("ocf:"), "\(narrow.output)")
        #expect(narrow.output.contains("ip-172-31-16-133"))
    }

    @Test func failCountsReadAsWordsOnScreenAndInOnce() throws {
        let file = fixtures.appendingPathComponent("failed-pbx.xml").path
        let once = try Tmux.run(["-u", "COLUMNS", Tmux.pacetop, "--xml-file", file, "--once"])
        let row = once.output.split(separator: "\n").first { $0.contains(" pbx ") && $0.contains("FAILED") }
        #expect(once.output.contains("FAILS"))
        #expect(row?.contains("1 fail") == true && row?.contains("1 fails") == false, "\(once.output)")
        let t = try pacetop("--xml-file", file, height: 30)
        let s = try t.waitFor("the fail count in words") { $0.contains("1 fail ") }
        #expect(s.contains("FAILS"))
    }

    /// History times (`Wed Nov 25 04:55:46 2026`, no zone) in the screen's zone. failed-pbx
    /// was made with TZ=UTC, which its failure's `2026-11-25 04:55:47Z` for the same call
    /// proves; healthy has no failure to prove its zone, so it is read in the local zone (a
    /// file is most likely read where it was written).
    @Test func historyTimesAreInTheScreensZone() throws {
        let cases = [("failed-pbx", [String](), "2026-11-25 10:25:46"), ("failed-pbx", ["--utc"], "2026-11-25 04:55:46"),
                     ("healthy", [], "2026-11-25 04:55:46"), ("healthy", ["--utc"], "2026-11-24 23:25:46")]
        for (name, args, shown) in cases {
            let file = fixtures.appendingPathComponent("\(name).xml").path
            let t = try Tmux(["/usr/bin/env", "TZ=Asia/Kolkata", Tmux.pacetop, "--xml-file", file] + args)
            try t.waitFor("pbx")
            try t.send("G", "Enter")
            let s = try t.waitFor("the history of pbx") { $0.contains("History on") }
            #expect(s.contains("#2 start: ok  \(shown)"), "\(name) \(args): \(s)")
        }
    }

    @Test func compactScreenShowsStatusMessages() throws {
        for (width, height) in [(40, 12), (20, 6)] {
            let t = try pacetop("--demo", width: width, height: height)
            try t.waitFor("pacetop")
            try t.send("T")
            let s = try t.waitFor("the theme message at \(width)x\(height)") { self.lineAboveFooter($0).contains("theme") }
            #expect(s.split(separator: "\n").allSatisfy { $0.count <= width })
        }
    }

    @Test func compactScreenSaysWhyAKeyCannotApply() throws {
        let t = try pacetop("--demo", width: 40, height: 12)
        try t.waitFor("master")
        try t.send("u")
        try t.waitFor("why u does nothing") { self.lineAboveFooter($0).contains("enlarge the terminal to select a node") }
    }
}
