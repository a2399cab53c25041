import ArgumentParser
import FoundationEssentials
import Glibc
import PacetopCore
import PacetopSource

/// The SSH flags, named as OpenSSH names them.
struct SSHArguments: ParsableArguments {
    @Option(name: [.customShort("l"), .customLong("user")], help: "Login user (default: ssh_config, then $USER).")
    var user: String?

    @Option(name: [.customShort("p"), .customLong("port")], help: "SSH port (default: ssh_config, then 22).")
    var port: Int?

    @Option(name: [.customShort("i"), .customLong("identity")], help: "Identity file (repeatable).")
    var identity: [String] = []

    @Option(name: [.customShort("J"), .customLong("jump")], help: "Jump host(s): [user@]host[:port][,...] or ssh://[user@]host[:port].")
    var jump: String?

    @Option(name: [.customShort("F"), .customLong("ssh-config")], help: "ssh_config file to read instead of ~/.ssh/config and /etc/ssh/ssh_config.")
    var sshConfig: String?

    @Option(name: .customShort("o"), help: "ssh_config option, e.g. StrictHostKeyChecking=yes (repeatable; wins over the files, as in ssh).")
    var options: [String] = []

    @Flag(name: .customLong("accept-new"), help: "Accept and record unknown host keys (never changed ones).")
    var acceptNew = false

    @Flag(help: "Run cluster commands through sudo -n.")
    var sudo = false

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for a node to answer.")
    var connectTimeout: Double?
}

extension SSHArguments {
    /// `-o` options pacetop cannot honour are refused, with the list it can; numbers must be
    /// finite and in range (`-o ConnectTimeout=inf` is an error, not a hang).
    func validateOptions() throws {
        for o in options {
            if let problem = SSHSourceOptions.problem(withOption: o) { throw ValidationError(problem) }
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0].lowercased() == "connecttimeout" {
                guard let t = Double(parts[1]) else { throw ValidationError("-o ConnectTimeout=\(parts[1]): expected seconds") }
                try Numbers.seconds(t, "-o ConnectTimeout", Numbers.timeoutRange)
            }
        }
    }

    func makeSource(nodes: [String], addresses: [String: String], interval: Double, sudo: Bool) throws -> SSHClusterSource {
        try validateOptions()
        let opts = SSHSourceOptions(
            nodes: nodes, user: user, port: port, identityFiles: identity, jump: jump,
            sshConfigFile: sshConfig, options: options, acceptNew: acceptNew, sudo: sudo, interval: interval,
            connectTimeout: connectTimeout, addressMap: addresses, peerMemory: .standard())
        return try SSHClusterSource.make(opts)
    }
}
