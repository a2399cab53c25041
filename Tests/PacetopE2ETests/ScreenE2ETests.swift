import Foundation
import Testing

/// Issue 15 on the real binary: names, confirmations, filters, overlays and `--once` output.
extension DemoE2ETests {
    var fixtures: URL { Tmux.packageRoot.appendingPathComponent("Tests/Fixtures/portsip") }

    /// A copy of a fixture with `datapath_fs` renamed to a long name.
    func longNamedStatus() throws -> URL {
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let file = tmp.appendingPathComponent("long.xml")
        let xml = try String(contentsOf: fixtures.appendingPathComponent("failed-pbx.xml"), encoding: .utf8)
            .replacingOccurrences(of: "\"datapath_fs\"", with: "\"httpd-bundle-ip-192.168.122.131-datapath\"")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func onceIntoAPipePrintsWholeLines() throws {
        let file = try longNamedStatus()
        let r = try Tmux.run(["-u", "COLUMNS", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", Tmux.pacetop, "--xml-file", file.path, "--once"])
        #expect(r.status == 1, "degraded: \(r.output)")
        #expect(r.output.contains("httpd-bundle-ip-192.168.122.131-datapath"), "whole name: \(r.output)")
        #expect(!r.output.contains("…"))
        #expect(!r.output.contains(" live"), "a one-shot is not live")
        // COLUMNS, when set, is honoured; names keep their ends.
        let narrow = try Tmux.run(["COLUMNS=60", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", Tmux.pacetop, "--xml-file", file.path, "--once"])
        #expect(narrow.output.split(separator: "\n").allSatisfy { $0.count <= 60 })
        #expect(narrow.output.contains("…") && narrow.output.contains("-datapath"), "\(narrow.output)")
    }

    @Test func onceIsPureASCIIWithoutAUTF8Locale() throws {
        let file = try longNamedStatus()
        for argv in [["LANG=C", "LC_ALL=C", Tmux.pacetop, "--xml-file", file.path, "--once"],
                     ["LANG=C.UTF-8", "LC_ALL=C.UTF-8", Tmux.pacetop, "--ascii", "--xml-file", file.path, "--once"]] {
            let r = try Tmux.run(argv)
            #expect(r.output.contains("pbx"))
            let nonASCII = String(String.UnicodeScalarView(r.output.unicodeScalars.filter { !$0.isASCII }))
            #expect(nonASCII.isEmpty, "\(argv): \(nonASCII)")
        }
    }

    @Test func fileErrorsAreInTheUsersWords() throws {
        let r = try Tmux.run([Tmux.pacetop, "--xml-file", "/etc", "--once"])
        #expect(r.status == 3)
        #expect(r.output.contains("cannot read /etc: is a directory"), "\(r.output)")
        #expect(!r.output.contains("NSCocoaErrorDomain"))
        let json = try Tmux.run([Tmux.pacetop, "--xml-file", "/etc", "--once", "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let health = try #require(doc["health"] as? [String: Any], "health kept in an error document: \(json.output)")
        #expect(health["level"] as? String == "unknown")
    }

    @Test func helpAndVersionAsTheOnlyArgument() throws {
        let help = try Tmux.run([Tmux.pacetop, "help"])
        let dashHelp = try Tmux.run([Tmux.pacetop, "--help"])
        #expect(help.status == 0 && help.output == dashHelp.output)
        let version = try Tmux.run([Tmux.pacetop, "version"])
        #expect(version.status == 0 && version.output.hasPrefix("pacetop 0."))
    }

    @Test func devNullConfigIsNoConfig() throws {
        let r = try Tmux.run([Tmux.pacetop, "--config", "/dev/null", "--demo", "--once"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("pbx"))
    }

    @Test func confirmationThatDoesNotFitCannotBeConfirmed() throws {
        let t = try pacetop("--demo", width: 40, height: 12)
        try t.waitFor("pacetop")
        try t.resize(width: 80, height: 24)
        try t.waitFor("pbx")
        try t.send("G", "k", "k", "k", "k")
        try t.resize(width: 40, height: 12)
        try t.waitFor("compact") { !$0.contains("datapath_fs") }
        try t.send("R")
        try t.waitFor("Enlarge")
        try t.send("y")
        // Room again: the pane is still open (y did nothing) and shows the whole command.
        try t.resize(width: 80, height: 24)
        let s = try t.waitFor("crm_resource --restart -r pbx --timeout 120s")
        #expect(s.contains("> Cancel <") && !s.contains("running"))
        #expect(!FileManager.default.fileExists(atPath: auditLog.path), "nothing was run")
        try t.send("Escape")
    }

    @Test func filterSaysWhatItHidesAndEscClearsIt() throws {
        let t = try pacetop("--xml-file", fixtures.appendingPathComponent("failed-pbx.xml").path)
        try t.waitFor("pbx monitor")
        try t.send("/")
        try t.type("eip")
        try t.send("Enter")
        let s = try t.waitFor("hidden by filter")
        #expect(!s.contains("no failed actions"))
        try t.send("Escape")
        try t.waitFor("pbx monitor on")
    }

    @Test func namesAreWholeAt60Columns() throws {
        let t = try pacetop("--demo", width: 60, height: 24)
        let s = try t.waitFor("three nodes") { s in
            ["133", "134", "135"].allSatisfy { s.contains("ip-172-31-16-\($0)") }
        }
        #expect(!s.contains("ip-172-31-16-…"))
    }

    @Test func helpScrollsAtSmallSizes() throws {
        let t = try pacetop("--demo", width: 60, height: 16)
        try t.waitFor("pacetop")
        try t.send("?")
        try t.waitFor("↓ more")
        for _ in 0..<30 { try t.send("j") }
        try t.waitFor("asks first")
    }

    @Test func unstandbyOnAnOnlineNodeSaysWhy() throws {
        let t = try pacetop("--demo")
        try t.waitFor("pbx")
        try t.send("Tab", "Tab")
        try t.send("u")
        let s = try t.waitFor("is not in standby")
        #expect(!s.contains("Confirm"))
    }
}

/// Issue 15 on the real binary: themes, config and the failover story.
extension DemoE2ETests {
    func writeFile(_ text: String, _ relative: String) throws -> URL {
        let url = tmp.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The SGR parameters in force where `word` first appears on a line of `escapes`.
    func sgr(before word: String, in escapes: String) -> [String]? {
        guard let line = escapes.split(separator: "\n").first(where: { $0.contains(word) }),
              let at = line.range(of: word) else { return nil }
        let head = line[..<at.lowerBound]
        guard let esc = head.range(of: "\u{1B}[", options: .backwards) else { return [] }
        return head[esc.upperBound...].prefix { $0 != "m" }.split(separator: ";").map(String.init)
    }

    @Test func onlineStaysGreenOnAnEightColourTerminal() throws {
        // tmux sets the pane's TERM itself: pacetop gets TERM=xterm (8 colours) through env.
        let t = try Tmux(["/usr/bin/env", "TERM=xterm", Tmux.pacetop, "--demo", "--theme", "solarized-dark"])
        try t.waitFor("online")
        let params = try #require(sgr(before: "online", in: try t.screenWithEscapes()))
        #expect(params.contains("32"), "green, not yellow (33): \(params)")
    }

    /// The status line, above the footer.
    func statusLine(_ screen: String) -> String {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count >= 3 ? String(lines[lines.count - 3]) : ""
    }

    @Test func themeKeyMovesPastABrokenThemeFile() throws {
        _ = try writeFile("\"node.onlin\" = \"green\"\n", "config/pacetop/themes/aaa-broken.toml")
        let t = try pacetop("--demo", width: 220)  // the message names the file
        var screen = try t.waitFor("pbx")
        for _ in 0..<10 where !statusLine(screen).contains("skipped") {
            let before = statusLine(screen)
            try t.send("T")
            screen = try t.waitFor("the next theme") { self.statusLine($0) != before && $0.contains("theme: ") }
        }
        let message = statusLine(screen)
        #expect(message.contains("aaa-broken skipped"), "\(message)")
        #expect(message.contains("node.onlin"), "says why: \(message)")
        try t.send("T")
        try t.waitFor("moved on") { self.statusLine($0).contains("theme: ") && !self.statusLine($0).contains("skipped") }
    }

    @Test func twoCommandsOnOneKeyInTheConfigIsAnError() throws {
        let config = try writeFile("[keys]\ncleanup = \"x\"\nrestart = \"x\"\n", "clash.toml")
        let r = try Tmux.run([Tmux.pacetop, "--config", config.path, "--demo", "--once"])
        #expect(r.status == 64)
        #expect(r.output.contains("\(config.path):3") && r.output.contains("cleanup") && r.output.contains("restart"), "\(r.output)")
        let float = try writeFile("interval = 1.5\n", "float.toml")
        #expect(try Tmux.run([Tmux.pacetop, "--config", float.path, "--demo", "--once"]).status == 0)
    }

    @Test func utcIsNamedOnceInTheHeader() throws {
        let r = try Tmux.run([Tmux.pacetop, "--demo", "--once", "--utc"])
        let header = r.output.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasSuffix("times UTC"), "\(header)")
    }

    @Test func failoverAt80x24IsPinnedInTheTimelineUntilAcknowledged() throws {
        let t = try pacetop("--demo", "failover", "--interval", "0.5")
        try t.waitFor("pbx")
        func pinned(_ screen: String) -> Bool {
            screen.split(separator: "\n").contains { $0.contains("★ ") && $0.contains("FAILOVER") && !$0.contains("master") }
        }
        let s = try t.waitFor("the failover pinned in the timeline pane", timeout: 60, pinned)
        #expect(s.contains("Timeline"), "the timeline pane shows at 80×24")
        #expect(!s.contains("recovered"))
        try t.send("Tab", "Tab")  // resources → problems → timeline
        try t.send("Enter")
        let after = try t.waitFor("acknowledged") { !pinned($0) }
        #expect(!after.contains("recovered") && !after.contains("1 → 0"))
    }
}

extension DemoE2ETests {
    /// The rows inside the Resources pane's border.
    func resourceRows(_ screen: String) -> [Substring] {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        guard let top = lines.firstIndex(where: { $0.contains("Resources (") }),
              let bottom = lines[(top + 1)...].firstIndex(where: { $0.hasPrefix("└") }) else { return [] }
        return Array(lines[(top + 1)..<bottom])
    }

    @Test func pageDownMovesByTheVisiblePageAndUpScrollsBack() throws {
        let t = try pacetop("--demo")
        var s = try t.waitFor("pbx")
        let visible = resourceRows(s).count
        #expect(visible > 2 && visible < 11, "the demo's 11 resources do not all fit at 80×24: \(visible)")
        try t.send("NPage")
        // A page down from the top: the list turns as far as it can (one row here).
        s = try t.waitFor("the list turned") { self.resourceRows($0).first?.contains("eip") == false }
        try t.send("G")
        try t.waitFor("the last row") { self.resourceRows($0).last?.contains("▶") == true && $0.contains("Resources (11)") }
        try t.send("k")
        s = try t.waitFor("one up, the list stays") { self.resourceRows($0).dropLast().last?.contains("▶") == true }
        #expect(resourceRows(s).last?.contains("█") == true || resourceRows(s).contains { $0.hasSuffix("█") }, "a scrollbar")
    }
}

extension DemoE2ETests {
    @Test func onceOnATerminalUsesItsWidth() throws {
        let t = try Tmux(["/usr/bin/env", "-u", "COLUMNS", Tmux.pacetop, "--demo", "--once"], width: 64, height: 40)
        let s = try t.waitFor("[pacetop exited with 0]")
        #expect(s.contains("ip-172-31-16-133") && s.contains("pbx"))
        #expect(s.split(separator: "\n").allSatisfy { $0.count <= 64 }, "\(s)")
        // Cut to the terminal by pacetop (…), not wrapped by the terminal.
        #expect(s.split(separator: "\n").first?.hasSuffix("…") == true, "\(s)")
    }
}
