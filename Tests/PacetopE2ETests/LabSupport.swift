import Foundation
import Testing

/// The real three-node cluster of `scripts/lab`, driven from the tests: bring it up and down,
/// run commands inside a node, and read what the cluster did (crm_mon XML through the host's
/// xmllint, the CIB, the nodes' pacemaker.log). Nothing here uses pacetop's own parser: the
/// cluster is the oracle.
enum Lab {
    static let script = Tmux.packageRoot.appendingPathComponent("scripts/lab").path
    static let nodes = ["ip-172-31-16-133", "ip-172-31-16-134", "ip-172-31-16-135"]
    static let resources = ["eip", "privip", "vip", "src_pkt_ip", "ebs", "datapath_fs", "pbx"]
    static let jumpHost = "pacetop-lab-jump"
    static var dir: String { ProcessInfo.processInfo.environment["PACETOP_LAB_DIR"] ?? "/run/pacetop-lab" }
    static var sshConfig: String { dir + "/ssh/ssh_config" }
    static var knownHosts: String { dir + "/ssh/known_hosts" }

    static var isRoot: Bool { geteuid() == 0 }

    /// Run on CI always (and fail there when the lab cannot start); elsewhere only as root.
    static var shouldRun: Bool { isCI || (isRoot && tmuxReady) }

    /// Why the lab is not up, or nil when it is. Set by `LabScope`.
    static let upError = Locked<String?>("the lab was never started")

    static func requireUp(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let why = upError.withLock { $0 }
        try #require(why == nil, "the lab is not up: \(why ?? "")", sourceLocation: sourceLocation)
    }

    // MARK: Running things

    /// `scripts/lab ARGS…`; throws with the output when it fails.
    @discardableResult
    static func lab(_ args: String...) throws -> String { try lab(args) }

    @discardableResult
    static func lab(_ args: [String]) throws -> String {
        let r = try Tmux.run([script] + args)
        guard r.status == 0 else {
            throw TmuxError(message: "scripts/lab \(args.joined(separator: " ")) failed (exit \(r.status)):\n\(r.output)")
        }
        return r.output
    }

    /// A command as root inside node N (stdout and stderr together).
    @discardableResult
    static func exec(_ n: Int, _ argv: String...) throws -> String { try lab(["exec", "\(n)"] + argv) }

    /// crm_mon XML from node N, queried with the host's xmllint.
    static func crmMon(_ n: Int = 1) throws -> CrmMon {
        let xml = try exec(n, "crm_mon", "--output-as=xml", "--include=all")
        return try CrmMon(xml: xml)
    }

    static func constraints(_ n: Int = 1) throws -> String {
        try exec(n, "cibadmin", "--query", "--scope", "constraints")
    }

    /// Node numbers whose namespace is running, from `scripts/lab status`.
    static func liveNodes() -> [Int] {
        let out = (try? Tmux.run([script, "status"]).output) ?? ""
        return (1...3).filter { n in
            out.split(separator: "\n").contains { $0.hasPrefix("node \(n) ") && $0.contains(" alive ") }
        }
    }

    /// A copy of the lab's ssh_config with one entry: node 1 as alias `node1` (and the jump
    /// host, in jump mode). Nodes 2 and 3 have no entry, and their names do not resolve here.
    static func onlyNodeOneConfig() throws -> String {
        let text = try String(contentsOfFile: sshConfig, encoding: .utf8)
        var out: [String] = []
        var keep = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Host ") {
                let host = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                keep = host == nodes[0] || host == jumpHost
                if keep { out.append(host == nodes[0] ? "Host node1" : String(line)) }
                continue
            }
            if keep { out.append(String(line)) }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lab-node1-\(UUID().uuidString.prefix(8)).conf").path
        try (out.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The lab in jump mode (`up --jump`), for tests run on their own.
    static func ensureJumpMode() throws {
        try requireUp()
        if FileManager.default.fileExists(atPath: dir + "/jump-mode") { return }
        try lab("down")
        upError.withLock { $0 = "the lab is down (going to jump mode)" }
        try lab("up", "--jump")
        upError.withLock { $0 = nil }
    }

    // MARK: The state every test starts from and leaves behind

    /// Everything on node 1, three nodes online, quorum, no standby, no constraints from the
    /// CLI, no failures: the lab as `up` leaves it. Returns what differs (empty = baseline).
    static func differencesFromBaseline() -> [String] {
        guard liveNodes() == [1, 2, 3] else { return ["nodes running: \(liveNodes())"] }
        var diffs: [String] = []
        guard let m = try? crmMon(1) else { return ["crm_mon on node 1 failed"] }
        if m.string("//summary/current_dc/@with_quorum") != "true" { diffs.append("no quorum") }
        for name in nodes where m.string("//nodes/node[@name='\(name)']/@online") != "true" {
            diffs.append("\(name) not online")
        }
        if m.count("//nodes/node[@standby='true']") != 0 { diffs.append("a node is in standby") }
        let onOne = m.startedOn(nodes[0])
        if onOne != resources.count { diffs.append("\(onOne)/7 resources started on node 1") }
        if m.count("//failures/failure") != 0 { diffs.append("failed actions") }
        if m.count("//resource_history[@fail-count]") != 0 { diffs.append("fail counts") }
        if m.count("//resource[@role!='Started']") != 0 { diffs.append("a resource is not Started") }
        if ((try? constraints(1)) ?? "cli-?").contains("cli-") { diffs.append("cli- constraints") }
        return diffs
    }

    /// Puts the lab back to the baseline, whatever a test left: heal, boot dead nodes, take
    /// nodes out of standby, clear move constraints, clean up failures, wait until settled.
    static func restore() throws {
        if differencesFromBaseline().isEmpty { return }
        try lab("heal")
        for n in 1...3 where !liveNodes().contains(n) { try lab("start", "\(n)") }
        let m = try crmMon(1)
        for name in nodes where m.string("//nodes/node[@name='\(name)']/@standby") == "true" {
            try exec(1, "crm_attribute", "--node", name, "--name", "standby", "--update", "off")
        }
        if try constraints(1).contains("cli-") { try exec(1, "crm_resource", "--clear", "-r", "pbx") }
        if m.count("//failures/failure") + m.count("//resource_history[@fail-count]") > 0 {
            try exec(1, "crm_resource", "--cleanup")
        }
        let deadline = Date().addingTimeInterval(90)
        var diffs = differencesFromBaseline()
        while !diffs.isEmpty && Date() < deadline {
            usleep(500_000)
            diffs = differencesFromBaseline()
        }
        guard diffs.isEmpty else { throw TmuxError(message: "the lab did not return to its baseline: \(diffs)") }
        _ = try? exec(1, "crm_resource", "--wait", "--timeout", "60s")
    }

    /// Every test: the lab is up and at its baseline first, and is put back afterwards.
    static func step(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) throws {
        try requireUp(sourceLocation: sourceLocation)
        try restore()
        let before = differencesFromBaseline()
        try #require(before.isEmpty, "lab at baseline before the test: \(before)", sourceLocation: sourceLocation)
        defer {
            do { try restore() } catch { Issue.record("could not restore the lab: \(error)", sourceLocation: sourceLocation) }
        }
        try body()
    }

    /// Waits (polling the cluster) until `predicate` holds; records an issue on timeout.
    @discardableResult
    static func waitForCluster(_ what: String, timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation,
                               _ predicate: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? predicate()) == true { return true }
            usleep(300_000)
        }
        Issue.record("timed out after \(timeout) s waiting for the cluster: \(what)", sourceLocation: sourceLocation)
        return false
    }
}

/// One crm_mon XML document, asked with XPath by the host's xmllint (libxml2-utils, which the
/// lab installs anyway).
struct CrmMon {
    let xml: String
    private let file: URL

    init(xml: String) throws {
        guard xml.contains("<pacemaker-result") else { throw TmuxError(message: "not crm_mon XML: \(xml.prefix(300))") }
        self.xml = xml
        file = FileManager.default.temporaryDirectory.appendingPathComponent("lab-crm-mon-\(UUID().uuidString).xml")
        // stderr is merged into the output: keep only the document.
        let start = xml.range(of: "<?xml")?.lowerBound ?? xml.range(of: "<pacemaker-result")!.lowerBound
        let end = xml.range(of: "</pacemaker-result>")?.upperBound ?? xml.endIndex
        try String(xml[start..<end]).write(to: file, atomically: true, encoding: .utf8)
    }

    func string(_ xpath: String) -> String {
        let r = try? Tmux.run(["xmllint", "--xpath", "string(\(xpath))", file.path])
        return r?.output.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    func count(_ xpath: String) -> Int { Int(string("count(\(xpath))").split(separator: ".")[0]) ?? -1 }

    /// Resources started (not failed) on exactly that node.
    func startedOn(_ node: String) -> Int {
        count("//resources/resource[@role='Started'][@failed='false'][@nodes_running_on='1'][node/@name='\(node)']")
    }

    /// The node pbx runs on.
    var master: String { string("//resources/resource[@id='pbx']/node/@name") }

    /// Call id of the latest operation `task` of `rsc` on `node` in the operation history.
    func call(_ rsc: String, _ task: String, on node: String) -> Int? {
        Int(string("//node_history/node[@name='\(node)']/resource_history[@id='\(rsc)']/operation_history[@task='\(task)']/@call"))
    }

    /// When the start of `rsc` on `node` completed: last-rc-change (1 s resolution) + exec-time.
    func startCompleted(_ rsc: String, on node: String) -> Date? {
        let op = "//node_history/node[@name='\(node)']/resource_history[@id='\(rsc)']/operation_history[@task='start'][@rc='0']"
        let exec = Double(string("\(op)/@exec-time").replacingOccurrences(of: "ms", with: "")) ?? 0
        return Lab.parseCTime(string("\(op)/@last-rc-change")).map { $0.addingTimeInterval(exec / 1000) }
    }
}

extension Lab {
    /// `Wed Nov 25 05:38:52 2026`, in UTC (lab exec runs with TZ=UTC).
    static func parseCTime(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        return f.date(from: s.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
    }
}

/// Brings the lab up once for the whole suite (`down` first, to clear stale runs) and always
/// down at the end, whether the tests passed, failed or threw. A lock file keeps two test runs
/// on one machine from fighting over the one lab (close-on-exec: the lab's daemons and tmux
/// servers must not inherit and hold it).
struct LabScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let lock = open("/tmp/pacetop-lab-tests.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        let started = Date()
        _ = try? Tmux.run([Lab.script, "down"])
        let up = try Tmux.run([Lab.script, "up"])
        if up.status == 0 {
            Lab.upError.withLock { $0 = nil }
            print("lab: up in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        } else {
            let why = "scripts/lab up failed (exit \(up.status)\(up.status == 2 ? ": not root" : up.status == 4 ? ": no namespaces here" : "")):\n\(up.output)"
            Lab.upError.withLock { $0 = why }
            Issue.record(Comment(rawValue: isCI ? "CI=true, but the lab cannot start: \(why)" : why))
        }
        defer {
            let r = try? Tmux.run([Lab.script, "down"])
            if r?.status != 0 { Issue.record("scripts/lab down failed: \(r?.output ?? "")") }
            Lab.upError.withLock { $0 = "the lab is down" }
            print("lab: suite done in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; lab down")
        }
        try await function()
    }
}

extension Trait where Self == LabScope {
    static var lab: LabScope { LabScope() }
}

/// pacetop against the lab, in tmux, with its own state and config directories (audit log).
struct LabPacetop {
    let tmux: Tmux
    let tmp: URL
    let startedAt: Date
    var auditLog: URL { tmp.appendingPathComponent("state/pacetop/audit.log") }

    /// `config`: the text of its config.toml, when it needs one.
    init(_ args: [String], width: Int = 100, height: Int = 40, config: String? = nil) throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-lab-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        if let config {
            let dir = tmp.appendingPathComponent("config/pacetop")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try config.write(to: dir.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        }
        startedAt = Date()
        tmux = try Tmux([Tmux.pacetop] + args, width: width, height: height,
                        env: ["XDG_STATE_HOME": tmp.appendingPathComponent("state").path,
                              "XDG_CONFIG_HOME": tmp.appendingPathComponent("config").path])
    }

    func auditLines() -> [String] {
        ((try? String(contentsOf: auditLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

// MARK: Reading the screen

extension String {
    var lines: [Substring] { split(separator: "\n", omittingEmptySubsequences: false) }

    /// The Resources row of `rsc` says Started on `node` (an agent column may stand between
    /// the name and the role when the terminal is wide enough).
    func shows(_ rsc: String, startedOn node: String) -> Bool {
        range(of: "[│▶ ] \(rsc) +(\\S+ +)?Started +\(node)", options: .regularExpression) != nil
    }

    func showsAllStarted(on node: String) -> Bool { Lab.resources.allSatisfy { shows($0, startedOn: node) } }

    /// The Nodes row of `node`, or "".
    func nodeRow(_ node: String) -> String {
        lines.first { $0.range(of: "│[▶ ] \(node) ", options: .regularExpression) != nil }.map(String.init) ?? ""
    }

    func showsMaster(_ node: String) -> Bool { nodeRow(node).contains("★ master") }

    func showsOnline(_ node: String) -> Bool { nodeRow(node).range(of: "\(node) +online", options: .regularExpression) != nil }
}

/// A value behind a lock (Synchronization.Mutex needs macOS 15; the package supports 13).
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
