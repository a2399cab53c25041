import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

@Suite struct ConfigTests {
    @Test func theReadmeExampleParses() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```toml\ntheme = "))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let text = String(readme[readme.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let c = try ConfigFile.parse(text, file: "README.md")
        #expect(c.theme == "solarized-dark")
        #expect(c.interval == 1.5, "TOML floats")
        #expect(c.readOnly == false && c.sudo == false)
        #expect(c.anchor == "pbx")
        #expect(c.chain == MasterLayout.portSIP.chain)
        #expect(c.nodes?.count == 3)
        #expect(c.addresses == ["ip-172-31-16-134": "10.0.1.134"])
        #expect(c.keys == [.cleanup: .char("x"), .restart: .ctrl("r")])
        let map = KeyMap.standard.remapped(c.keys)
        #expect(map.command(for: .char("x"), readOnly: false) == .cleanup)
        #expect(map.command(for: .ctrl("r"), readOnly: false) == .restart)
        #expect(map.command(for: .char("R"), readOnly: false) == nil)
    }

    @Test(arguments: [
        ("colour = \"x\"", 1, "colour", "unknown setting"),
        ("interval = 0", 1, "interval", "at least 0.5"),
        ("\n\n[keys]\nrestart = \"no-such-key\"", 4, "restart", "unknown key"),
        ("[keys]\nfrobnicate = \"x\"", 2, "frobnicate", "unknown command"),
        ("anchor = \"-rf\"", 1, "anchor", "not a valid Pacemaker id"),
        ("read_only = \"yes\"", 1, "read_only", "expected true or false"),
        ("theme = \"x\"\ninterval = 0.25", 2, "interval", "at least 0.5"),
        // Every key has its own line, also after multi-line values that look like keys.
        ("on_event = \"\"\"\nlogger \\\n  -t x\ncolour = 1\n\"\"\"\ncolour = \"x\"", 6, "colour", "unknown setting"),
        ("nodes = [\n  \"a\",  # interval = 0\n]\ninterval = 0", 4, "interval", "at least 0.5"),
        ("keys.restart = \"x\"\nkeys . \"cleanup\" = \"no-such-key\"", 2, "cleanup", "unknown key"),
    ])
    func errorsNameFileLineAndKey(_ text: String, _ line: Int, _ key: String, _ message: String) {
        do {
            _ = try ConfigFile.parse(text, file: "/home/u/.config/pacetop/config.toml")
            Issue.record("accepted: \(text)")
        } catch {
            let d = error.description
            #expect(d.contains("/home/u/.config/pacetop/config.toml:\(line)"), "\(d)")
            #expect(d.contains(key) && d.contains(message), "\(d)")
        }
    }

    @Test func aConfigFileThatIsNotUTF8NamesTheLine() throws {
        let path = NSTemporaryDirectory() + "pacetop-latin1-\(UUID().uuidString).toml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("theme = \"default\"\n\n# caf".utf8 + [0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(throws: TOMLError(file: path, line: 3, message: "the file is not valid UTF-8")) {
            try ConfigFile.load(path: path, mustExist: true)
        }
    }

    @Test func missingStandardFileIsAnEmptyConfigButANamedOneMustExist() throws {
        let path = NSTemporaryDirectory() + "pacetop-no-such-\(UUID().uuidString).toml"
        #expect(try ConfigFile.load(path: path, mustExist: false) == ConfigFile())
        #expect(throws: TOMLError.self) { try ConfigFile.load(path: path, mustExist: true) }
    }

    @Test func auditLogAppendsPrivateJSONLines() throws {
        let dir = NSTemporaryDirectory() + "pacetop-audit-\(UUID().uuidString)"
        let log = AuditLog(path: dir + "/sub/audit.log")
        let rec = AuditRecord(time: Date(timeIntervalSince1970: 1_800_000_000), user: "oncall", cluster: "portsip",
                              node: "ip-172-31-16-133", command: "crm_resource --restart -r pbx", result: "started")
        try log.append(rec)
        var done = rec
        done.result = "0"
        try log.append(done)
        let lines = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == #"{"cluster":"portsip","command":"crm_resource --restart -r pbx","node":"ip-172-31-16-133","result":"started","time":"2027-01-15T08:00:00Z","user":"oncall"}"#)
        let mode = try FileManager.default.attributesOfItem(atPath: log.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(AuditLog.standardPath(environment: ["XDG_STATE_HOME": "/s"]) == "/s/pacetop/audit.log")
    }
}
