import Foundation
import Testing
@testable import PacetopCore

@Suite struct DaemonTests {
    @Test func systemdAnswersBecomeStatesAndProblems() throws {
        let d = DaemonState.parse("corosync active enabled\npacemaker failed enabled\npcsd active disabled\n")
        #expect(d.map(\.active) == ["active", "failed", "active"])
        #expect(d[0].problem(on: "n1") == nil)
        #expect(d[1].problem(on: "n1") == "pacemaker is failed on n1")
        #expect(d[2].problem(on: "n1") == "pcsd is disabled on n1: it will not start after a reboot")
        let missing = DaemonState.parse("corosync active enabled\npacemaker active enabled\npcsd inactive not-found\n")
        #expect(missing.allSatisfy { $0.problem(on: "n1") == nil }, "pcs is optional")
    }

    @Test func withoutSystemdEverythingIsUnknownAndNoProblem() {
        let d = DaemonState.parse("no-systemd\n")
        #expect(d.map(\.name) == DaemonState.names)
        #expect(d.allSatisfy { $0.active == "unknown" && $0.enabled == "unknown" && $0.problem(on: "n") == nil })
    }

    /// The check itself, run by this machine's /bin/sh: one well-formed line per daemon.
    @Test func theCheckCommandRunsInAPosixShell() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", DaemonState.checkScript]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = text.split(separator: "\n")
        if FileManager.default.fileExists(atPath: "/run/systemd/system") {
            #expect(lines.count == 3 && lines.allSatisfy { $0.split(separator: " ").count == 3 }, "\(text)")
        } else {
            #expect(lines == ["no-systemd"])
        }
    }

    @Test func aStoppedDaemonDegradesTheVerdict() throws {
        var s = try OwnFixture.portsip("healthy")
        #expect(s.health().level == .ok)
        s.daemons = [n2: DaemonState.parse("corosync active enabled\npacemaker inactive enabled\npcsd active enabled")]
        let v = s.health()
        #expect(v.level == .degraded)
        #expect(v.reasons.map(\.description).contains("pacemaker is inactive on \(n2)"))
    }
}
