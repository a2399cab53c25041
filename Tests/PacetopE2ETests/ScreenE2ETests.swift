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
