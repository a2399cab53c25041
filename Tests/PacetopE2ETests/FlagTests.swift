import Foundation
import Testing
import PacetopTestSupport

/// Numbers on the command line and in the config file: the real binary refuses what it cannot
/// use (infinities, NaN, out-of-range) with exit 64 and a message, instead of crashing.
@Suite struct FlagTests {
    func run(_ args: String..., config: String? = nil) throws -> (status: Int32, output: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-flags-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var argv = ["XDG_CONFIG_HOME=\(dir.path)", Tmux.pacetop] + args
        if let config {
            let file = dir.appendingPathComponent("config.toml")
            try config.write(to: file, atomically: true, encoding: .utf8)
            argv += ["--config", file.path]
        }
        return try Tmux.run(argv)
    }

    @Test(arguments: ["inf", "-inf", "nan", "1e300", "0.1", "-1"])
    func intervalIsChecked(_ value: String) throws {
        let r = try run("--interval=\(value)", "--once", "127.0.0.1")
        #expect(r.status == 64, "\(r.output)")
        #expect(r.output.contains("--interval"), "\(r.output)")
        #expect(!r.output.contains("Fatal error"))
    }

    @Test(arguments: ["inf", "nan", "0", "-3", "1e9"])
    func connectTimeoutIsChecked(_ value: String) throws {
        for args in [["--connect-timeout=\(value)"], ["-o", "ConnectTimeout=\(value)"]] {
            let r = try Tmux.run([Tmux.pacetop, "--once", "127.0.0.1"] + args)
            #expect(r.status == 64, "\(args): \(r.output)")
            #expect(r.output.lowercased().contains("connecttimeout") || r.output.contains("--connect-timeout"), "\(r.output)")
            #expect(!r.output.contains("Fatal error"))
        }
    }

    @Test(arguments: ["0", "65536", "-22"])
    func portIsChecked(_ value: String) throws {
        let r = try run("--port=\(value)", "--once", "127.0.0.1")
        #expect(r.status == 64, "\(r.output)")
        #expect(r.output.contains("--port"), "\(r.output)")
    }

    /// The shipped binary reads its config with its own TOML 1.0 reader (no Foundation): the
    /// forms a user may write are accepted, and a mistake names the file, the line and the key.
    @Test func theConfigFileIsFullTOML() throws {
        let xml = TestData.fixtures.appendingPathComponent("portsip/healthy.xml").path
        let good = try run("--once", "--xml-file", xml, config: """
            interval = 1.5                      # a float
            theme = 'high-contrast'             # a literal string
            on_event = \"\"\"
            logger -t pacetop \\
              --id=1\"\"\"
            addresses = { "ip-172-31-16-134" = "10.0.1.134" }
            keys.cleanup = "x"                  # dotted keys
            keys.restart = "ctrl-r"

            """)
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("pbx"), "\(good.output)")
        let bad = try run("--once", "--xml-file", xml, config: "interval = 1.5\nnodes = [\n  \"a\",\n  \"b\" \"c\",\n]\n")
        #expect(bad.status == 64, "\(bad.output)")
        #expect(bad.output.contains("config.toml:4: key \"nodes\": expected , or ] in the array, found '\"'"), "\(bad.output)")
    }

    @Test func theConfigFileIntervalIsCheckedToo() throws {
        let r = try run("--once", "127.0.0.1", config: "interval = \"inf\"\n")
        #expect(r.status == 64, "\(r.output)")
        #expect(r.output.contains("interval"), "\(r.output)")
        #expect(!r.output.contains("Fatal error"))
    }
}
