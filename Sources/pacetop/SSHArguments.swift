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

    @Option(name: [.customShort("J"), .customLong("jump")], help: "Jump host(s): [user@]host[:port][,...].")
    var jump: String?

    @Option(name: [.customShort("F"), .customLong("ssh-config")], help: "ssh_config file (default ~/.ssh/config).")
    var sshConfig: String?

    @Option(name: .customShort("o"), help: "ssh_config-style option, e.g. UserKnownHostsFile=FILE (repeatable).")
    var options: [String] = []

    @Flag(name: .customLong("accept-new"), help: "Accept and record unknown host keys (never changed ones).")
    var acceptNew = false

    @Flag(help: "Run cluster commands through sudo -n.")
    var sudo = false

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for a node to answer.")
    var connectTimeout: Double?
}

extension SSHArguments {
    /// `-o Key=Value` options pacetop understands; anything else is refused, not ignored.
    func knownHostsFiles() throws -> [String]? {
        var files: [String]? = nil
        for o in options {
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("-o \(o): expected Key=Value") }
            switch parts[0].lowercased() {
            case "userknownhostsfile":
                files = (files ?? []) + parts[1].split(separator: " ").map(String.init)
            case "stricthostkeychecking":
                guard ["accept-new", "yes"].contains(parts[1].lowercased()) else {
                    throw ValidationError("-o StrictHostKeyChecking=\(parts[1]): pacetop only checks strictly (yes) or records new keys (accept-new)")
                }
            case "connecttimeout":
                guard Double(parts[1]) != nil else { throw ValidationError("-o ConnectTimeout=\(parts[1]): expected seconds") }
            default:
                throw ValidationError("-o \(parts[0]) is not supported (supported: UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout)")
            }
        }
        return files
    }

    var optionAcceptNew: Bool {
        options.contains { $0.lowercased() == "stricthostkeychecking=accept-new" }
    }

    var optionConnectTimeout: Double? {
        options.compactMap { o -> Double? in
            let p = o.split(separator: "=", maxSplits: 1)
            return p.count == 2 && p[0].lowercased() == "connecttimeout" ? Double(p[1]) : nil
        }.last
    }

    func makeSource(nodes: [String], addresses: [String: String], interval: Double, sudo: Bool) throws -> SSHClusterSource {
        let opts = SSHSourceOptions(
            nodes: nodes, user: user, port: port, identityFiles: identity, jump: jump,
            sshConfigFile: sshConfig, userKnownHostsFiles: try knownHostsFiles(),
            acceptNew: acceptNew || optionAcceptNew, sudo: sudo, interval: interval,
            connectTimeout: connectTimeout ?? optionConnectTimeout, addressMap: addresses)
        return try SSHClusterSource.make(opts)
    }
}
