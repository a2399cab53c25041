import Foundation
import PacetopTestSupport
import Testing

/// The passphrase prompt turns echo off; Ctrl-C there must not leave the terminal that way.
@Suite(.serialized, .enabled(if: tmuxReady && TestEnv.sshdAvailable))
struct PassphrasePromptTests {
    @Test func ctrlCAtThePassphrasePromptLeavesTheTerminalEchoing() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id_enc", type: "ed25519", passphrase: "correct horse")
        let server = try TestSSHD(authorized: [key])
        let kh = keys.file("known_hosts")
        try server.knownHostsLines().write(toFile: kh, atomically: false, encoding: .utf8)
        try keys.write("ssh_config", "")
        let pacetop = [Tmux.pacetop, "-F", keys.file("ssh_config"), "-i", key, "-p", "\(server.port)",
                       "-o", "UserKnownHostsFile=\(kh)", "127.0.0.1"].map(Tmux.quote).joined(separator: " ")
        // A shell that outlives the Ctrl-C records the terminal's modes once pacetop is gone.
        let modes = keys.file("modes")
        let t = try Tmux(["bash", "-c", "trap 'stty -a > \(modes); exit 0' INT; \(pacetop); stty -a > \(modes)"])
        try t.waitFor("Enter passphrase for key '\(key)'")
        try t.send("C-c")
        // The line with the local modes (isig icanon … echo …) is written whole.
        try t.waitFor("pacetop to exit and stty to report", timeout: 10) { _ in
            keys.read("modes").split(separator: "\n").contains { $0.contains("icanon") }
        }
        let after = keys.read("modes")
        #expect(after.contains(" echo "), "echo is back on after Ctrl-C: \(after)")
        #expect(!after.contains("-echo "))
    }
}
