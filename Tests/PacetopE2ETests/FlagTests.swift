import Foundation
import Testing

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

    @Test func theConfigFileIntervalIsCheckedToo() throws {
        let r = try run("--once", "127.0.0.1", config: "interval = \"inf\"\n")
        #expect(r.status == 64, "\(r.output)")
        #expect(r.output.contains("interval"), "\(r.output)")
        #expect(!r.output.contains("Fatal error"))
    }
}
