import Foundation
import Testing

/// scripts/package's .deb on a clean Debian 12 and Debian 13 (debootstrap --variant=minbase, no Swift):
/// apt resolves its Depends, the binary runs (--version, --once on a real document, the demo
/// in tmux), the man page and completions are where the tools look, and `apt-get remove`
/// leaves nothing behind. Needs root (chroot, mount) and Debian's package registry.
@Suite(.serialized) struct PackageTests {
    static let root = Tmux.packageRoot.path
    /// The minbase tree is kept (as a tar) between runs: debootstrap downloads ~40 MB.
    static let cacheDir = root + "/.build/chroot-cache"

    static var shouldRun: Bool { isCI || geteuid() == 0 }

    /// Debian 12 has libssh2-1 1.10, Debian 13 libssh2-1t64 1.11: the same .deb must install on both.
    @Test(arguments: [("bookworm", "libssh2 1.10"), ("trixie", "libssh2 1.11")])
    func debInstallsRunsAndRemovesCleanly(release: String, libssh2: String) throws {
        guard Self.shouldRun else {
            print("skipping the package test: it needs root (chroot); it runs under CI=true")
            return
        }
        try #require(geteuid() == 0, "CI=true but not root: the package test needs chroot and mount")
        try #require(Tmux.available, "tmux is missing")
        try #require(FileManager.default.fileExists(atPath: "/usr/sbin/debootstrap"),
                     "debootstrap is missing (scripts/test installs it)")

        // 1. Build the package (release, once) and find the .deb and the tarball.
        let built = try Tmux.run([Self.root + "/scripts/package"])
        try #require(built.status == 0, "scripts/package failed:\n\(built.output)")
        let lines = built.output.split(separator: "\n").map(String.init)
        let deb = try #require(lines.last), tarball = lines[lines.count - 2]
        try #require(deb.hasSuffix(".deb") && FileManager.default.fileExists(atPath: deb), "last line: \(deb)")
        let version = try #require(URL(fileURLWithPath: deb).lastPathComponent.split(separator: "_").dropFirst().first)
        let listing = try Tmux.run(["tar", "-tzf", tarball]).output
        for f in ["bin/pacetop", "share/pacetop/themes/default.toml", "share/man/man1/pacetop.1.gz",
                  "share/bash-completion/completions/pacetop", "share/zsh/site-functions/_pacetop",
                  "share/fish/vendor_completions.d/pacetop.fish"] {
            #expect(listing.contains("/\(f)\n"), "tarball lacks \(f)")
        }

        // 2. A fresh Debian from the cached minbase tree.
        let chroot = try Chroot(release: release, cacheDir: Self.cacheDir)
        defer { chroot.destroy() }
        #expect(try chroot.run("sh", "-c", "command -v swift || ls /usr/lib/swift").status != 0, "Swift in the chroot")
        try FileManager.default.copyItem(atPath: deb, toPath: chroot.path + "/tmp/" + URL(fileURLWithPath: deb).lastPathComponent)
        try FileManager.default.copyItem(atPath: Self.root + "/Tests/Fixtures/portsip/healthy.xml", toPath: chroot.path + "/tmp/healthy.xml")
        try FileManager.default.copyItem(atPath: Self.root + "/Tests/Fixtures/portsip/no-quorum.xml", toPath: chroot.path + "/tmp/no-quorum.xml")

        // 3. apt installs it, with its dependencies from Debian (and man-db to read the page).
        try chroot.mustRun("apt-get", "update", "-q")
        try chroot.mustRun("apt-get", "install", "-y", "-q", "--no-install-recommends",
                           "/tmp/" + URL(fileURLWithPath: deb).lastPathComponent, "man-db")
        let installed = try chroot.mustRun("dpkg", "-L", "pacetop").split(separator: "\n").map(String.init)
        let files = installed.filter { chroot.isFile($0) }
        for f in ["/usr/bin/pacetop", "/usr/share/pacetop/themes/default.toml", "/usr/share/man/man1/pacetop.1.gz",
                  "/usr/share/bash-completion/completions/pacetop", "/usr/share/zsh/vendor-completions/_pacetop",
                  "/usr/share/fish/vendor_completions.d/pacetop.fish", "/usr/share/doc/pacetop/copyright",
                  "/usr/share/doc/pacetop/changelog.gz"] {
            #expect(files.contains(f), "the package does not install \(f)")
        }

        // 4. It runs there. It is small: Foundation (and its 35 MB ICU) would make it ~62 MB.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: chroot.path + "/usr/bin/pacetop")[.size] as? Int)
        print("package test: the stripped binary is \(size) bytes")
        #expect(size <= 25_000_000, "the stripped binary is \(size) bytes: did a shipped module import Foundation?")
        let v = try chroot.mustRun("pacetop", "--version")
        #expect(v.hasPrefix("pacetop \(version) (commit "), "\(v)")
        #expect(v.contains(libssh2), "\(release)'s libssh2: \(v)")
        if let head = try? Tmux.run(["git", "-C", Self.root, "rev-parse", "--short=12", "HEAD"]), head.status == 0 {
            #expect(v.contains("commit \(head.output.trimmingCharacters(in: .whitespacesAndNewlines))"), "\(v)")
        }
        let ok = try chroot.run("pacetop", "--once", "--xml-file", "/tmp/healthy.xml")
        #expect(ok.status == 0 && ok.output.contains("OK") && ok.output.contains("ip-172-31-16-133"), "\(ok)")
        let critical = try chroot.run("pacetop", "--once", "--xml-file", "/tmp/no-quorum.xml")
        #expect(critical.status == 2 && critical.output.contains("CRITICAL"), "\(critical)")
        let missing = try chroot.run("pacetop", "--once", "--xml-file", "/tmp/absent.xml")
        #expect(missing.status == 3 && missing.output.contains("cannot read /tmp/absent.xml"), "\(missing)")
        do {
            // Themes come from /usr/share/pacetop/themes: no "built-in theme" warning.
            let t = try Tmux(["chroot", chroot.path, "/usr/bin/pacetop", "--demo"], width: 100, height: 30)
            let s = try t.waitFor("the demo cluster", timeout: 20) { s in
                ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx", "★ master"].allSatisfy(s.contains)
            }
            #expect(s.contains("DEMO") && !s.contains("built-in theme"), "\(s)")
            try t.send("q")
            try t.waitFor("[pacetop exited with 0]")
        }

        // 5. The man page reads with man(1); the completions load.
        let page = try chroot.mustRun("env", "MANWIDTH=100", "MANPAGER=cat", "man", "pacetop")
        for section in ["SYNOPSIS", "--xml-file", "--accept-new", "KEYS", "EXIT STATUS", "ENVIRONMENT", "FILES",
                        "EXAMPLES", "SECURITY CONSIDERATIONS"] {
            #expect(page.contains(section), "man pacetop lacks \(section)")
        }
        #expect(try chroot.mustRun("bash", "-c", "source /usr/share/bash-completion/completions/pacetop && complete -p pacetop")
            .contains("pacetop"))
        #expect(try chroot.mustRun("cat", "/usr/share/zsh/vendor-completions/_pacetop").hasPrefix("#compdef pacetop"))
        #expect(try chroot.mustRun("cat", "/usr/share/fish/vendor_completions.d/pacetop.fish").contains("complete -c 'pacetop'"))

        // 6. apt-get remove leaves none of its files behind.
        try chroot.mustRun("apt-get", "remove", "-y", "-q", "pacetop")
        for f in files { #expect(!chroot.exists(f), "\(f) left behind") }
        for d in ["/usr/share/pacetop", "/usr/share/doc/pacetop"] { #expect(!chroot.exists(d), "\(d) left behind") }
        // Without conffiles a removed package leaves dpkg's database too ("no packages found").
        let status = try chroot.run("dpkg-query", "-W", "-f", "${db:Status-Status}", "pacetop")
        #expect(status.status != 0 || status.output == "not-installed", "\(status)")

        // 7. The tarball, installed as README says (its libraries are still there from step 3).
        try FileManager.default.copyItem(atPath: tarball, toPath: chroot.path + "/tmp/pacetop.tar.gz")
        try chroot.mustRun("tar", "-C", "/usr/local", "--strip-components=1", "-xzf", "/tmp/pacetop.tar.gz")
        #expect(try chroot.mustRun("/usr/local/bin/pacetop", "--version").hasPrefix("pacetop \(version) (commit "))
        do {
            let t = try Tmux(["chroot", chroot.path, "/usr/local/bin/pacetop", "--demo"], width: 100, height: 30)
            let s = try t.waitFor("the demo cluster from the tarball", timeout: 20) { $0.contains("★ master") }
            #expect(!s.contains("built-in theme"), "themes not found from /usr/local/bin: \(s)")
            try t.send("q")
            try t.waitFor("[pacetop exited with 0]")
        }
    }
}

/// A throw-away root made from a cached `debootstrap --variant=minbase RELEASE` tree, with
/// /proc mounted and the host's resolv.conf.
struct Chroot {
    let path: String

    init(release: String, cacheDir: String) throws {
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        let tar = cacheDir + "/\(release)-minbase.tar"
        if !FileManager.default.fileExists(atPath: tar) {
            let fresh = cacheDir + "/debootstrap-\(getpid())"
            defer { _ = try? Tmux.run(["rm", "-rf", fresh]) }
            let r = try Tmux.run(["debootstrap", "--variant=minbase", release, fresh, Self.debianMirror()])
            try #require(r.status == 0, "debootstrap failed:\n\(r.output.suffix(3000))")
            let t = try Tmux.run(["tar", "-C", fresh, "-cf", tar + ".part", "."])
            try #require(t.status == 0, "tar: \(t.output)")
            try FileManager.default.moveItem(atPath: tar + ".part", toPath: tar)
        }
        path = cacheDir + "/root-\(release)-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let x = try Tmux.run(["tar", "-C", path, "-xf", tar])
            try #require(x.status == 0, "untar: \(x.output)")
            try #require(try Tmux.run(["mount", "-t", "proc", "proc", path + "/proc"]).status == 0, "mount /proc")
            _ = try Tmux.run(["cp", "-L", "/etc/resolv.conf", path + "/etc/resolv.conf"])
        } catch {
            destroy()
            throw error
        }
    }

    /// The Debian mirror this host uses (deb822 or one-line sources), else deb.debian.org.
    static func debianMirror() -> String {
        var texts: [String] = []
        let dir = "/etc/apt/sources.list.d"
        for f in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        where f.hasSuffix(".sources") || f.hasSuffix(".list") {
            texts.append((try? String(contentsOfFile: dir + "/" + f, encoding: .utf8)) ?? "")
        }
        texts.append((try? String(contentsOfFile: "/etc/apt/sources.list", encoding: .utf8)) ?? "")
        for line in texts.joined(separator: "\n").split(separator: "\n") {
            let words = line.split(separator: " ")
            let candidates = words.first == "URIs:" ? Array(words.dropFirst()) : words.first == "deb" ? Array(words.dropFirst().prefix(1)) : []
            if let uri = candidates.first(where: { $0.hasPrefix("http") && $0.hasSuffix("/debian") }) { return String(uri) }
        }
        return "http://deb.debian.org/debian"
    }

    /// A command inside the root, non-interactive; status and output (stdout and stderr).
    @discardableResult
    func run(_ argv: String...) throws -> (status: Int32, output: String) {
        try Tmux.run(["DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8", "chroot", path] + argv)
    }

    /// Like `run`, and fails the test with the output when the command fails.
    @discardableResult
    func mustRun(_ argv: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try Tmux.run(["DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8", "chroot", path] + argv)
        try #require(r.status == 0, "\(argv.joined(separator: " ")) failed (exit \(r.status)):\n\(r.output.suffix(3000))",
                     sourceLocation: sourceLocation)
        return r.output
    }

    func exists(_ p: String) -> Bool {
        var st = stat()
        return lstat(path + p, &st) == 0
    }

    func isFile(_ p: String) -> Bool {
        var st = stat()
        return lstat(path + p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    func destroy() {
        _ = try? Tmux.run(["umount", "-l", path + "/proc"])
        _ = try? Tmux.run(["rm", "-rf", "--one-file-system", path])
    }
}
