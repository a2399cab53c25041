import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

/// OpenSSH's client, whose `ssh -G` is the reference; required on CI.
let sshClient: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") ? "/usr/bin/ssh" : nil

/// Every case runs through both readers on the same files: `ssh -G` and pacetop's own.
func readers() -> [SSHResolver.Reader] {
    if sshClient == nil && TestEnv.isCI { Issue.record("CI needs OpenSSH's ssh client for the ssh -G reader") }
    return [.builtin(systemFile: nil, userFile: "/nonexistent/config")] + (sshClient.map { [.openSSH($0)] } ?? [])
}

/// `host` resolved through each reader, with the reader's name for messages.
func resolveAll(_ file: String, _ host: String, _ o: SSHOverrides = SSHOverrides()) throws -> [(SSHResolver.Reader, ResolvedTarget)] {
    try readers().map { r in (r, try SSHResolver(configFile: file, reader: r, overrides: o).resolve(host)) }
}

let home = SSHPaths.home

@Suite("ssh_config: ssh -G and pacetop's own reader agree")
struct SSHConfigTests {
    static let text = """
        # cluster
        Host node? !node9
            HostName ip-172-31-16-13%h.eu-west-1.compute.internal
            User ubuntu
            IdentityFile ~/.ssh/pbx_%r
        Host node1
            User admin
            Port 2222
            ProxyJump ops@bastion:2200,inner
        Host node2 node3
            ConnectTimeout 3
            ProxyJump none
        Host bastion
            HostName bastion.example.com
            IdentityFile %d/.ssh/bastion
            IdentitiesOnly yes
        Host odd
            ProxyCommand sh -c "nc -X connect -x proxy:3128 %h %p" %r@%n
            HostKeyAlias i-0123456789abcdef0
            CheckHostIP yes
            StrictHostKeyChecking no
            UserKnownHostsFile=~/kh_%h "%d/kh2"
            GlobalKnownHostsFile /etc/ssh/kh_%n
            HashKnownHosts yes
            RevokedHostKeys ~/revoked_%h
        Host web
            HostName web.internal
        Match host *.internal user *,!admin
            User internal
        Match originalhost foo
            User matched
        Host *
            User fallback
            ServerAliveInterval 7
            IdentityFile ~/.ssh/id_all
            StrictHostKeyChecking accept-new
        """

    let dir: TempDir
    let file: String

    init() throws {
        dir = try TempDir()
        try dir.write("config", Self.text)
        file = dir.file("config")
    }

    @Test func patternsNegationFirstMatchWinsAndTheJumpChain() throws {
        for (reader, r) in try resolveAll(file, "node1") {
            let ep = r.target.endpoint
            #expect(ep.host == "ip-172-31-16-13node1.eu-west-1.compute.internal", "\(reader)")
            #expect(ep.user == "ubuntu", "\(reader)") // the first matching block wins over "Host node1"
            #expect(ep.port == 2222, "\(reader)")
            #expect(ep.identityFiles == [home + "/.ssh/pbx_ubuntu", home + "/.ssh/id_all"], "\(reader)")
            #expect(r.target.jumps.count == 2, "\(reader)")
            #expect(r.target.jumps.first == SSHEndpoint(name: "bastion", host: "bastion.example.com", port: 2200, user: "ops",
                                                        identityFiles: [home + "/.ssh/bastion", home + "/.ssh/id_all"],
                                                        identitiesOnly: true), "\(reader)")
            #expect(r.target.jumps.last?.host == "inner", "\(reader)")
            #expect(r.target.jumps.last?.user == "fallback", "\(reader)")
            #expect(r.target.serverAliveInterval == 7, "\(reader)")
            #expect(r.hostKeys.acceptNew, "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "node9") {
            #expect(r.target.endpoint.host == "node9", "\(reader)")
            #expect(r.target.endpoint.user == "fallback", "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "node2") {
            #expect(r.target.connectTimeout == 3, "\(reader)")
            #expect(r.target.jumps.isEmpty, "\(reader)")
        }
        // Host patterns see case as typed (as in OpenSSH); the name connected to is lower-cased.
        for (reader, r) in try resolveAll(file, "NODE2") {
            #expect(r.target.connectTimeout == 10, "\(reader)")
            #expect(r.target.endpoint.host == "node2", "\(reader)")
        }
    }

    /// ProxyJump and -J also take `ssh://[user@]host[:port]` URIs (ssh(1), -J).
    @Test func jumpHostsGivenAsSSHURIs() throws {
        try dir.write("uri", """
            Host behind
                ProxyJump ssh://ops@bastion.example.com:2201,ssh://inner.example.com:2202
            """)
        for (reader, r) in try resolveAll(dir.file("uri"), "behind") {
            #expect(r.target.jumps.map(\.host) == ["bastion.example.com", "inner.example.com"], "\(reader)")
            #expect(r.target.jumps.map(\.port) == [2201, 2202], "\(reader)")
            #expect(r.target.jumps.first?.user == "ops", "\(reader)")
        }
        let cli = try SSHResolver(configFile: dir.file("uri"), reader: .builtin(systemFile: nil),
                                  overrides: SSHOverrides(jump: "ssh://root@jump:2203")).resolve("elsewhere")
        #expect(cli.target.jumps.map { "\($0.user)@\($0.host):\($0.port)" } == ["root@jump:2203"])
        #expect(throws: SSHError.self) {
            try SSHResolver(configFile: dir.file("uri"), reader: .builtin(systemFile: nil), overrides: SSHOverrides(jump: "ssh://jump:99999")).resolve("x")
        }
    }

    @Test func matchHostSeesHostNameMatchOriginalHostSeesWhatWasTyped() throws {
        for (reader, r) in try resolveAll(file, "web") {
            #expect(r.target.endpoint.user == "internal", "\(reader)")
        }
        // `user *,!admin`: -l admin makes the Match fail (and -l wins anyway).
        for (reader, r) in try resolveAll(file, "web", SSHOverrides(user: "admin")) {
            #expect(r.target.endpoint.user == "admin", "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "web", SSHOverrides(options: ["User=admin"])) {
            #expect(r.target.endpoint.user == "admin", "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "foo") {
            #expect(r.target.endpoint.user == "matched", "\(reader)")
        }
    }

    @Test func commandLineWinsOverTheFiles() throws {
        // ssh -G drops -i files that do not exist.
        try dir.write("id", "")
        let o = SSHOverrides(user: "root", port: 22, identityFiles: [dir.file("id")], jump: "j@jh:2022",
                             options: ["UserKnownHostsFile=/tmp/kh /tmp/kh2", "ConnectTimeout=4"])
        for (reader, r) in try resolveAll(file, "node2", o) {
            #expect(r.target.endpoint.user == "root", "\(reader)")
            #expect(r.target.endpoint.identityFiles == [dir.file("id"), home + "/.ssh/pbx_root", home + "/.ssh/id_all"], "\(reader)")
            #expect(r.target.jumps.map(\.host) == ["jh"], "\(reader)")
            #expect(r.target.jumps.first?.port == 2022, "\(reader)")
            #expect(r.target.jumps.first?.user == "j", "\(reader)")
            #expect(r.target.connectTimeout == 4, "\(reader)")
            // The jump host's own files come after the target's (the first one is written to).
            #expect(r.hostKeys.files.prefix(2) == ["/tmp/kh", "/tmp/kh2"], "\(reader)")
            #expect(r.hostKeys.files.dropFirst(2) == [home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"], "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "ops@node2") {
            #expect(r.target.endpoint.user == "ops", "\(reader)")
            #expect(r.target.endpoint.name == "node2", "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "ops@node2", SSHOverrides(user: "root")) {
            #expect(r.target.endpoint.user == "root", "\(reader)")
        }
    }

    @Test func strictHostKeyCheckingCommandLineBeatsTheFileBothWays() throws {
        // The file says accept-new for every host (Host *).
        for (reader, r) in try resolveAll(file, "plain", SSHOverrides(options: ["StrictHostKeyChecking=yes"])) {
            #expect(!r.hostKeys.acceptNew, "\(reader)")
        }
        try dir.write("strict", "Host *\n    StrictHostKeyChecking yes\n")
        for (reader, r) in try resolveAll(dir.file("strict"), "plain", SSHOverrides(options: ["StrictHostKeyChecking=accept-new"])) {
            #expect(r.hostKeys.acceptNew, "\(reader)")
        }
        for (reader, r) in try resolveAll(dir.file("strict"), "plain") {
            #expect(!r.hostKeys.acceptNew, "\(reader)")
        }
        // `no` in a file is treated as ask (strict), with a warning; on the command line it is refused.
        for (reader, r) in try resolveAll(file, "odd") {
            #expect(!r.hostKeys.acceptNew, "\(reader)")
            #expect(r.warnings.contains { $0.contains("StrictHostKeyChecking no is treated as ask") }, "\(reader)")
        }
        for bad in ["StrictHostKeyChecking=no", "StrictHostKeyChecking=off", "ForwardAgent=yes", "Port=0", "ConnectTimeout=inf"] {
            #expect(throws: SSHError.self) { try SSHOverrides.parseOption(bad) }
        }
    }

    @Test func knownHostsFilesTokensProxyCommandAndHostKeyAlias() throws {
        for (reader, r) in try resolveAll(file, "odd") {
            #expect(r.hostKeys.files == [home + "/kh_odd", home + "/kh2"], "\(reader)")
            #expect(r.hostKeys.globalFiles == ["/etc/ssh/kh_odd"], "\(reader)")
            #expect(r.hostKeys.revokedHostKeysFiles == [home + "/revoked_odd"], "\(reader)")
            #expect(r.hostKeys.hashKnownHosts, "\(reader)")
            let ep = r.target.endpoint
            #expect(ep.proxyCommand == "sh -c \"nc -X connect -x proxy:3128 odd 22\" fallback@odd", "\(reader)")
            #expect(ep.knownHostsName == "i-0123456789abcdef0", "\(reader)")
            #expect(ep.checkHostIP, "\(reader)")
        }
        for (reader, r) in try resolveAll(file, "plainhost") {
            #expect(r.hostKeys.files == [home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"], "\(reader)")
            #expect(r.hostKeys.globalFiles == ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"], "\(reader)")
            #expect(r.hostKeys.revokedHostKeysFiles.isEmpty && !r.hostKeys.hashKnownHosts, "\(reader)")
            #expect(r.target.endpoint.knownHostsName == "plainhost", "\(reader)")
            #expect(!r.target.endpoint.checkHostIP, "\(reader)")
        }
    }

    @Test func defaultsWhenNothingIsSet() throws {
        try dir.write("empty", "")
        for (reader, r) in try resolveAll(dir.file("empty"), "plainhost") {
            #expect(r.target.endpoint.host == "plainhost", "\(reader)")
            #expect(r.target.endpoint.port == 22, "\(reader)")
            #expect(r.target.endpoint.identityFiles == ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"]
                .map { home + "/.ssh/" + $0 }, "\(reader)")
            #expect(r.target.jumps.isEmpty, "\(reader)")
            #expect(r.target.connectTimeout == 10 && r.target.serverAliveInterval == 5, "\(reader)")
            #expect(r.useAgent && r.agentSocket == nil, "\(reader)")
        }
    }

    @Test func proxyJumpAndProxyCommandFirstOneSetWinsAndNoneDisables() throws {
        try dir.write("proxies", """
            Host direct
                ProxyCommand none
            Host both
                ProxyJump gw
                ProxyCommand never-used %h
            Host cmdfirst
                ProxyCommand ssh -W %h:%p gw
            Host target
                ProxyJump mid,last
            Host mid
                ProxyJump outer
            Host outer
                ProxyCommand connect-outer %h %p
            Host last
                ProxyCommand never-used-either
            Host * !gw !inherited !cli
                ProxyJump inherited

            """)
        let f = dir.file("proxies")
        for (reader, r) in try resolveAll(f, "direct") {
            #expect(r.target.jumps.isEmpty && r.target.endpoint.proxyCommand == nil, "\(reader)")
        }
        for (reader, r) in try resolveAll(f, "both") {
            #expect(r.target.jumps.map(\.name) == ["gw"], "\(reader)")
            #expect(r.target.endpoint.proxyCommand == nil, "\(reader)")
        }
        for (reader, r) in try resolveAll(f, "cmdfirst") {
            #expect(r.target.jumps.isEmpty, "\(reader)")
            #expect(r.target.endpoint.proxyCommand == "ssh -W cmdfirst:22 gw", "\(reader)")
        }
        // mid's own ProxyJump is followed; outer's ProxyCommand leads the chain; last's is not used.
        for (reader, r) in try resolveAll(f, "target") {
            #expect(r.target.jumps.map(\.name) == ["outer", "mid", "last"], "\(reader)")
            #expect(r.target.jumps.map(\.proxyCommand) == ["connect-outer outer 22", nil, nil], "\(reader)")
        }
        // -J on the command line beats ssh_config's ProxyCommand.
        for (reader, r) in try resolveAll(f, "cmdfirst", SSHOverrides(jump: "cli")) {
            #expect(r.target.jumps.map(\.name) == ["cli"], "\(reader)")
            #expect(r.target.endpoint.proxyCommand == nil, "\(reader)")
        }
        // A node name (they can come from the CIB) never reaches the shell with shell characters.
        try dir.write("shell", "Host *\n    ProxyCommand nc %h %p\n")
        for reader in readers() {
            let resolver = try SSHResolver(configFile: dir.file("shell"), reader: reader)
            #expect(throws: SSHError.self, "\(reader)") { try resolver.resolve("x;touch${IFS}/tmp/pwned") }
            #expect(throws: SSHError.self, "\(reader)") { try resolver.resolve("$(id)") }
            #expect(try resolver.resolve("ip-172-31-16-133").target.endpoint.proxyCommand == "nc ip-172-31-16-133 22", "\(reader)")
        }
        try dir.write("loop", "Host a\n    ProxyJump b\nHost b\n    ProxyJump a\n")
        for reader in readers() {
            #expect(throws: SSHError.self) { try SSHResolver(configFile: dir.file("loop"), reader: reader).resolve("a") }
        }
    }

    @Test func includeRelativeAbsoluteGlobsAndNested() throws {
        // Relative Include paths are in ~/.ssh (for -F and the user file alike), as ssh has it.
        let sshDir = home + "/.ssh"
        let madeSSHDir = !FileManager.default.fileExists(atPath: sshDir)
        try FileManager.default.createDirectory(atPath: sshDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let rel = "pacetop-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: sshDir + "/" + rel, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: sshDir + "/" + rel)
            if madeSSHDir { rmdir(sshDir) }
        }
        try "Host relhost\n    HostName rel.example\n    User reluser\n"
            .write(toFile: sshDir + "/\(rel)/10-rel.conf", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir.file("conf.d"), withIntermediateDirectories: true)
        try dir.write("conf.d/a.conf", "Host abshost\n    HostName abs.example\n    Include \(dir.file("nested/*.conf"))\n")
        try dir.write("conf.d/b.conf", "Host b-host\n    Port 2200\n")
        try dir.write("conf.d/ignored.txt", "Host abshost\n    Port 1\n")
        try FileManager.default.createDirectory(atPath: dir.file("nested"), withIntermediateDirectories: true)
        try dir.write("nested/n.conf", "    User nesteduser\nHost relhost\n    Port 2222\n")
        try dir.write("main", """
            Include \(rel)/*.conf
            Include \(dir.file("conf.d/*.conf")) \(dir.file("nomatch/*.conf"))
            Host relhost
                User notthis

            """)
        let f = dir.file("main")
        for (reader, r) in try resolveAll(f, "relhost") {
            #expect(r.target.endpoint.host == "rel.example" && r.target.endpoint.user == "reluser", "\(reader)")
            // A Host line inside an included file applies only within that file's block.
            #expect(r.target.endpoint.port == 22, "\(reader)")
        }
        for (reader, r) in try resolveAll(f, "abshost") {
            #expect(r.target.endpoint.host == "abs.example", "\(reader)")
            #expect(r.target.endpoint.user == "nesteduser", "\(reader)")
            #expect(r.target.endpoint.port == 22, "\(reader)")
        }
        for (reader, r) in try resolveAll(f, "b-host") {
            #expect(r.target.endpoint.port == 2200, "\(reader)")
            #expect(r.target.endpoint.user != "nesteduser", "\(reader)")
        }
        // An include loop stops at the depth limit with an error, in both.
        try dir.write("self", "Include \(dir.file("self"))\n")
        for reader in readers() {
            #expect(throws: SSHError.self) { try SSHResolver(configFile: dir.file("self"), reader: reader).resolve("x") }
        }
    }

    @Test func systemFileIsReadAfterTheUserFileWithIncludesFromItsOwnDirectory() throws {
        let root = try TempDir()
        try FileManager.default.createDirectory(atPath: root.file("etc/ssh/ssh_config.d"), withIntermediateDirectories: true)
        let system = """
            Include ssh_config.d/*.conf
            Host *
                User systemuser
                Port 2022

            """
        try root.write("etc/ssh/ssh_config", system)
        try root.write("etc/ssh/ssh_config.d/pbx.conf", "Host pbx1\n    HostName 10.0.0.1\n")
        try root.write("user_config", "Host pbx1\n    Port 2200\n")
        let builtin = try SSHResolver(reader: .builtin(systemFile: root.file("etc/ssh/ssh_config"), userFile: root.file("user_config")))
        let r = try builtin.resolve("pbx1")
        #expect(r.target.endpoint.host == "10.0.0.1")
        #expect(r.target.endpoint.user == "systemuser")
        #expect(r.target.endpoint.port == 2200) // the user file comes first
        // The same system file given to both readers with -F (which reads only that file);
        // its relative Include then points at ~/.ssh, so it is written absolute here.
        try root.write("as_F", system.replacingOccurrences(of: "Include ssh_config.d", with: "Include \(root.file("etc/ssh/ssh_config.d"))"))
        for (reader, r) in try resolveAll(root.file("as_F"), "pbx1") {
            #expect(r.target.endpoint.host == "10.0.0.1" && r.target.endpoint.user == "systemuser", "\(reader)")
            #expect(r.target.endpoint.port == 2022, "\(reader)")
        }
    }

    @Test func theBuiltinReaderRefusesWhatItCannotJudge() throws {
        try dir.write("exec", "Match exec \"test -f /etc/hosts\"\n    User x\n")
        let builtin = try SSHResolver(configFile: dir.file("exec"), reader: .builtin(systemFile: nil))
        #expect(throws: SSHError.self) { try builtin.resolve("any") }
        do { _ = try builtin.resolve("any") } catch {
            #expect(error.description.contains("Match exec is not supported by pacetop's own ssh_config reader"))
            #expect(error.description.contains("ssh -G"))
        }
        if let ssh = sshClient {
            // ssh -G runs it, as ssh would.
            #expect(try SSHResolver(configFile: dir.file("exec"), reader: .openSSH(ssh)).resolve("any").target.endpoint.user == "x")
        }
        // Bad lines are errors in both, as ssh refuses to connect with them.
        try dir.write("badport", "Host x\n    Port abc\n")
        for reader in readers() {
            #expect(throws: SSHError.self) { try SSHResolver(configFile: dir.file("badport"), reader: reader).resolve("x") }
            #expect(throws: SSHError.configError(file: "/nonexistent/cfg", reason: "cannot read the file")) {
                try SSHResolver(configFile: "/nonexistent/cfg", reader: reader)
            }
        }
    }

    @Test func bothReadersGiveTheSameOptionsForEveryHost() throws {
        guard let ssh = sshClient else { return }
        let builtin = try SSHResolver(configFile: file, reader: .builtin(systemFile: nil))
        let openSSH = try SSHResolver(configFile: file, reader: .openSSH(ssh))
        let keys = ["hostname", "user", "port", "proxyjump", "proxycommand", "userknownhostsfile", "globalknownhostsfile",
                    "hostkeyalias", "hashknownhosts", "revokedhostkeys", "connecttimeout", "serveraliveinterval", "identitiesonly"]
        for host in ["node1", "node2", "node9", "bastion", "odd", "web", "foo", "other"] {
            let a = try builtin.options(for: host), b = try openSSH.options(for: host)
            for k in keys {
                let norm = { (v: [String]?) in v?.map { ["yes": "true", "no": "false"][$0] ?? $0 } }
                if ["connecttimeout", "serveraliveinterval", "identitiesonly", "hashknownhosts"].contains(k), a.values[k] == nil { continue }
                #expect(norm(a.values[k]) == norm(b.values[k]), "\(host) \(k)")
            }
            #expect(a.values["identityfile"] == b.values["identityfile"], "\(host) identityfile")
        }
    }

    @Test func addressLiteralsAreWrittenTheStandardWay() throws {
        try dir.write("numeric", "Host a\n    HostName 010.0.0.001\nHost b\n    HostName FD00:0::2\nHost c\n    HostName 3221225986\n")
        for (host, address) in [("a", "8.0.0.1"), ("b", "fd00::2"), ("c", "192.0.2.2")] {
            for (reader, r) in try resolveAll(dir.file("numeric"), host) {
                #expect(r.target.endpoint.host == address, "\(reader)")
            }
        }
    }

    @Test func windowsLineEndingsReadAsSSHReadsThem() throws {
        try dir.write("crlf", "# edited on Windows\r\nHost w\r\n    User crlf\r\n    Port 2200\r\n")
        for (reader, r) in try resolveAll(dir.file("crlf"), "w") {
            #expect(r.target.endpoint.user == "crlf" && r.target.endpoint.port == 2200, "\(reader)")
        }
    }

    @Test func theInstalledFilesReadTheSameThroughBothReaders() throws {
        guard let ssh = sshClient else { return }
        // No -F: ~/.ssh/config then /etc/ssh/ssh_config (Debian's has Include and HashKnownHosts yes).
        let openSSH = try SSHResolver(reader: .openSSH(ssh)).options(for: "pacetop-test-host")
        let builtin: SSHOptions
        do { builtin = try SSHResolver(reader: .builtin(systemFile: "/etc/ssh/ssh_config")).options(for: "pacetop-test-host") } catch {
            // A personal config with Match exec is the fallback's documented limit.
            #expect(error.description.contains("not supported by pacetop's own ssh_config reader"))
            return
        }
        for k in ["hostname", "user", "port", "hashknownhosts", "userknownhostsfile", "globalknownhostsfile", "proxyjump", "proxycommand"] {
            let norm = { (v: [String]?) in v?.map { ["yes": "true", "no": "false"][$0] ?? $0 } }
            if k == "hashknownhosts", builtin.values[k] == nil { #expect(openSSH[k] == "no"); continue }
            #expect(norm(builtin.values[k]) == norm(openSSH.values[k]), "\(k)")
        }
    }

    @Test func globs() {
        #expect(SSHConfig.glob("ip-*-13?", "ip-172-31-16-133"))
        #expect(!SSHConfig.glob("ip-*-13?", "ip-172-31-16-1333"))
        #expect(SSHConfig.matches("db1", patterns: ["*", "!web*"]))
        #expect(!SSHConfig.matches("web1", patterns: ["*", "!web*"]))
        #expect(!SSHConfig.matches("web1", patterns: ["!web*"]))
    }
}
