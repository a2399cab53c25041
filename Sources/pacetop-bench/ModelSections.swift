import Foundation
import PacetopTestSupport
import PacetopApp
import PacetopCore
import PacetopUI

/// The documents every section uses.
struct Documents {
    let root: String
    let healthy: Data
    let failedPBX: Data
    /// healthy.xml with only `vip` on ip-172-31-16-134.
    let healthyOneMoved: Data
    /// The 32-node × 2,000-resource cluster, if it could be made.
    let large: Data?
    /// The same with rsc-0002 on another node.
    let largeOneMoved: Data?
    let largePath: String?

    static func load(root: String, largeOptional: Bool) throws -> Documents {
        let dir = root + "/Tests/Fixtures/portsip/"
        let healthy = try Data(contentsOf: URL(fileURLWithPath: dir + "healthy.xml"))
        let failed = try Data(contentsOf: URL(fileURLWithPath: dir + "failed-pbx.xml"))
        let moved = try moveResource(healthy, id: "vip", to: "ip-172-31-16-134", nodeID: "2")
        var large: Data?
        var largeMoved: Data?
        var largePath: String?
        do {
            let p = try ensureLarge(root: root)
            large = try Data(contentsOf: URL(fileURLWithPath: p))
            largeMoved = try moveResource(large!, id: "rsc-0002", to: "node-03", nodeID: "3")
            largePath = p
        } catch {
            if !largeOptional { throw error }
            print("   (large cluster unavailable: \(error); its rows are skipped)")
        }
        return Documents(root: root, healthy: healthy, failedPBX: failed, healthyOneMoved: moved,
                         large: large, largeOneMoved: largeMoved, largePath: largePath)
    }

    /// `.build/bench/large.xml` (or $PACETOP_BENCH_LARGE), made once by scripts/make-fixtures.
    static func ensureLarge(root: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PACETOP_BENCH_LARGE"] ?? root + "/.build/bench/large.xml"
        if FileManager.default.fileExists(atPath: path) { return path }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        print("   generating \(path) with scripts/make-fixtures large (needs crm_mon, ~10 s)…")
        fflush(nil)
        try sh([root + "/scripts/make-fixtures", "large", path])
        return path
    }
}

/// Rewrites the `<node>` child of one `<resource id=…>` so the resource runs elsewhere.
func moveResource(_ xml: Data, id: String, to node: String, nodeID: String) throws -> Data {
    var s = String(decoding: xml, as: UTF8.self)
    guard let r = s.range(of: "<resource id=\"\(id)\""),
          let n = s.range(of: "<node name=\"", range: r.upperBound..<s.endIndex),
          let e = s.range(of: "/>", range: n.upperBound..<s.endIndex) else {
        throw BenchError("resource \(id) with a node not found")
    }
    s.replaceSubrange(n.lowerBound..<e.upperBound, with: "<node name=\"\(node)\" id=\"\(nodeID)\" cached=\"true\"/>")
    return Data(s.utf8)
}

func parseOrDie(_ d: Data) -> ClusterStatus {
    do { return try CrmMonParser.parse(d) } catch { fatalError("fixture does not parse: \(error)") }
}

// MARK: - 1. parse

func runParse(_ docs: Documents, _ report: Report, quick: Bool) {
    report.begin("parse", "crm_mon XML → model, model diff, health (issue 2)")
    let t = Date(timeIntervalSince1970: 1_795_000_000)
    let n = quick ? 300 : 2000

    let healthy = parseOrDie(docs.healthy), failed = parseOrDie(docs.failedPBX)
    let pParse = measure(iterations: n) { blackHole(try? CrmMonParser.parse(docs.healthy)) }
    let pDiff = measure(iterations: n) { blackHole(ClusterDiff.events(from: healthy, to: failed, at: t)) }
    let pBoth = measure(iterations: n) {
        let a = try? CrmMonParser.parse(docs.healthy)
        let b = try? CrmMonParser.parse(docs.failedPBX)
        if let a, let b { blackHole(ClusterDiff.events(from: a, to: b, at: t)) }
    }
    let pHealth = measure(iterations: n) { blackHole(failed.health()) }
    report.add(timingRow("portsip parse healthy.xml (\(docs.healthy.count / 1024) KiB)", pParse))
    report.add(timingRow("portsip diff healthy→failed-pbx", pDiff))
    // The floor is for one poll's work: parse the new document and diff it against the last.
    let poll = Samples(seconds: zip(pParse.seconds, pDiff.seconds).map(+),
                       allocations: zip(pParse.allocations, pDiff.allocations).map(+))
    report.add(timingRow("portsip parse + diff (per poll)", poll, floor: 0.0005))
    report.add(timingRow("portsip parse both + diff", pBoth))
    report.add(timingRow("portsip health()", pHealth))

    if let large = docs.large, let moved = docs.largeOneMoved {
        let m = quick ? 10 : 40
        let a = parseOrDie(large), b = parseOrDie(moved)
        let lParse = measure(iterations: m, warmup: 2) { blackHole(try? CrmMonParser.parse(large)) }
        let lDiff = measure(iterations: m, warmup: 2) { blackHole(ClusterDiff.events(from: a, to: b, at: t)) }
        let lHealth = measure(iterations: m, warmup: 2) { blackHole(b.health()) }
        let resources = a.resources.count, failures = a.failures.count
        report.add(timingRow("large parse (\(a.nodes.count) nodes, \(resources) rsc, \(failures) failures, \(large.count / 1024) KiB)", lParse))
        report.add(timingRow("large diff (one resource moved)", lDiff))
        let lPoll = Samples(seconds: zip(lParse.seconds, lDiff.seconds).map(+),
                            allocations: zip(lParse.allocations, lDiff.allocations).map(+))
        report.add(timingRow("large parse + diff (per poll)", lPoll, floor: 0.040))
        report.add(timingRow("large health()", lHealth))
    }
    report.end()
}

// MARK: - 2. frame

/// The state the app would hold after polling `docs` in order, at `size`.
func appState(_ docs: [Data], size: Size) -> AppState {
    let t = Date(timeIntervalSince1970: 1_795_000_000)
    var s = AppState(config: AppConfig(sourceLabel: "bench", canPerformActions: true, user: "bench"),
                     themeNames: ["default"], themeName: "default", now: t, size: size)
    _ = App.start(&s)
    for (i, d) in docs.enumerated() {
        let at = t.addingTimeInterval(Double(i) * 2)
        _ = App.update(&s, .polled(PollOutcome(result: .success(parseOrDie(d)), via: "ip-172-31-16-133", at: at)))
    }
    return s
}

func runFrame(_ docs: Documents, _ report: Report, quick: Bool) {
    report.begin("frame", "View.render(state) + Buffer.changes(from:) (issue 4)")
    let env = ViewEnv(theme: ThemeLoader.builtinTheme(), glyphs: .unicode)
    var cases: [(String, Data, Data, Size, Int)] = [
        ("portsip 80x24", docs.healthy, docs.healthyOneMoved, Size(width: 80, height: 24), quick ? 300 : 2000),
        ("portsip 200x60", docs.healthy, docs.healthyOneMoved, Size(width: 200, height: 60), quick ? 200 : 1000),
    ]
    if let l = docs.large, let m = docs.largeOneMoved {
        cases.append(("large 200x60", l, m, Size(width: 200, height: 60), quick ? 50 : 300))
    }
    for (name, a, b, size, n) in cases {
        let before = appState([a], size: size)
        let after = appState([a, b], size: size)
        let frameA = View.render(before, env), frameB = View.render(after, env)
        let render = measure(iterations: n) { blackHole(View.render(after, env)) }
        let same = measure(iterations: n) { blackHole(frameB.changes(from: frameB)) }
        let moved = measure(iterations: n) { blackHole(frameB.changes(from: frameA)) }
        let changed = frameB.changes(from: frameA).count
        report.add(timingRow("\(name) render", render))
        report.add(timingRow("\(name) changes, nothing changed (\(frameB.changes(from: frameB).count) cells)", same))
        report.add(timingRow("\(name) changes, one resource moved (\(changed) cells)", moved))
        let frame = Samples(seconds: zip(render.seconds, moved.seconds).map(+),
                            allocations: zip(render.allocations, moved.allocations).map(+))
        // Issue 4 sets no number for this; the terminal section checks what reaches the tty.
        report.add(timingRow("\(name) render + changes (per frame)", frame))
    }
    report.end()
}
