import Foundation
import PacetopTestSupport
import PacetopApp
import PacetopCore
import PacetopUI

// MARK: - scale: costs across cluster sizes, and --once against xmllint

/// Runs `args` once with its output on /dev/null; returns its user + system CPU (wait4's
/// rusage of that child alone), or nil when it could not run.
func childCPU(_ args: [String]) -> Double? {
    guard let pid = try? spawn(args, output: "/dev/null") else { return nil }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    return seconds(usage)
}

/// CPU seconds of the calling thread: in-process figures that other builds on a shared
/// machine do not inflate the way they inflate wall-clock time.
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Median thread CPU of `iterations` runs of `body`, after one warm-up run.
func medianThreadCPU(_ iterations: Int, _ body: () -> Void) -> Double {
    body()
    return percentile((0..<iterations).map { _ in
        let t0 = threadCPU()
        body()
        return threadCPU() - t0
    }, 0.5)
}

/// Median CPU of `runs` runs of a command.
func medianCPU(_ args: [String], runs: Int) -> Double {
    pairedMedianCPU([args], runs: runs)[0]
}

/// The median CPU of each command, run in turns (a, b, c, a, b, c, …) so that a busy
/// machine's slow moments fall on all of them alike: the ratios are what the table is for.
func pairedMedianCPU(_ commands: [[String]], runs: Int) -> [Double] {
    var samples = Array(repeating: [Double](), count: commands.count)
    for _ in 0..<runs {
        for (i, args) in commands.enumerated() { if let c = childCPU(args) { samples[i].append(c) } }
    }
    return samples.map { percentile($0, 0.5) }
}

/// A generated cluster document, cached under .build/bench/scale (scripts/make-fixtures large).
struct ScaleDocument {
    let nodes: Int
    let resources: Int
    let path: String
    /// CPU crm_mon took to render it from its CIB, recorded when it was generated.
    let crmMonCPU: Double?

    static func ensure(root: String, nodes: Int, resources: Int) throws -> ScaleDocument {
        let dir = root + "/.build/bench/scale"
        let path = "\(dir)/n\(nodes)-r\(resources).xml"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            print("   generating \(nodes) nodes × \(resources) resources (crm_mon renders it once; cached)…")
            fflush(nil)
            try sh([root + "/scripts/make-fixtures", "large", path],
                   env: ["PACETOP_LARGE_NODES": "\(nodes)", "PACETOP_LARGE_RESOURCES": "\(resources)",
                         "PACETOP_LARGE_FAILURES": "\(max(1, resources / 100))"])
        }
        let cpu = (try? String(contentsOfFile: path + ".crm_mon-cpu", encoding: .utf8))
            .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return ScaleDocument(nodes: nodes, resources: resources, path: path, crmMonCPU: cpu)
    }
}

struct ScaleRow {
    var doc: ScaleDocument
    var kib: Int
    var parse: Double
    var diff: Double
    var frame: Double
    var once: Double
    var json: Double
    var xmllint: Double?
}

func runScale(_ docs: Documents, _ report: Report, quick: Bool) throws {
    report.begin("scale", "parse, diff, frame and --once across cluster sizes, paired with xmllint and crm_mon (issue 14)")
    let bin = try pacetopBinary(docs.root)
    let xmllint = which("xmllint")
    if xmllint == nil { report.note("xmllint not installed (apt-get install libxml2-utils): its column is empty") }
    let nodeCounts = quick ? [8, 32] : [8, 16, 32]
    let sizes = quick ? [100, 2000] : [100, 500, 2000, 5000]
    let env = ViewEnv(theme: ThemeLoader.builtinTheme(), glyphs: .unicode)
    let t = Date(timeIntervalSince1970: 1_795_000_000)
    var rows: [ScaleRow] = []
    for n in nodeCounts {
        for r in sizes {
            let doc = try ScaleDocument.ensure(root: docs.root, nodes: n, resources: r)
            let data = try Data(contentsOf: URL(fileURLWithPath: doc.path))
            let moved = try moveResource(data, id: "rsc-0002", to: "node-03", nodeID: "3")
            // Fewer in-process iterations as documents grow: ~0.5 s per figure at most.
            let iterations = max(5, min(200, 400_000 / (r * n)))
            let parse = medianThreadCPU(iterations) { blackHole(try? CrmMonParser.parse(data)) }
            let a = parseOrDie(data), b = parseOrDie(moved)
            let diff = medianThreadCPU(iterations) { blackHole(ClusterDiff.events(from: a, to: b, at: t)) }
            let before = appState([data], size: Size(width: 200, height: 60))
            let after = appState([data, moved], size: Size(width: 200, height: 60))
            let previous = View.render(before, env)
            let frame = medianThreadCPU(iterations) { blackHole(View.render(after, env).changes(from: previous)) }
            // The target row (32 × 2,000) gets the most turns: its ratio is a floor.
            let runs = quick ? 3 : (n == 32 && r == 2000 ? 41 : 15)
            let cpu = pairedMedianCPU([[bin, "--once", "--xml-file", doc.path], [bin, "--once", "--json", "--xml-file", doc.path]]
                                      + (xmllint.map { [[$0, "--noout", doc.path]] } ?? []), runs: runs)
            let once = cpu[0], json = cpu[1], lint = xmllint == nil ? nil : cpu[2]
            rows.append(ScaleRow(doc: doc, kib: data.count / 1024, parse: parse, diff: diff,
                                 frame: frame, once: once, json: json, xmllint: lint))
        }
    }
    printScaleTable(rows)

    // Linear in resources: the cost of each added resource (the slope) is the same from 500
    // to 2,000 as from 2,000 to 5,000. Slopes leave out fixed costs such as process start.
    for n in nodeCounts {
        let big = rows.filter { $0.doc.nodes == n && $0.doc.resources >= 500 }
        guard big.count >= 3 else { continue }
        for (name, value) in [("parse", \ScaleRow.parse), ("diff", \ScaleRow.diff), ("--once CPU", \ScaleRow.once)] {
            let slopes = zip(big, big.dropFirst()).map { a, b in
                (b[keyPath: value] - a[keyPath: value]) / Double(b.doc.resources - a.doc.resources)
            }
            let spread = (slopes.max() ?? 0) / max(slopes.min() ?? 1, 1e-12)
            let perResource = slopes.map { String(format: "%.1f", $0 * 1e6) }.joined(separator: " / ")
            report.add(Row(name: "\(n) nodes: \(name) µs per added resource, \(big.map { String($0.doc.resources) }.joined(separator: "→")): \(perResource)",
                           iterations: "\(big.count)", median: String(format: "%.2f×", spread), p90: "",
                           allocations: "", floor: "≤ 1.5× (linear)", verdict: spread <= 1.5 && spread > 0 ? .pass : .fail))
        }
    }
    // Issue 14's CPU targets, on the 32-node × 2,000-resource document.
    if let r = rows.first(where: { $0.doc.nodes == 32 && $0.doc.resources == 2000 }), let lint = r.xmllint {
        for (name, cpu, target) in [("--once", r.once, 1.5), ("--once --json", r.json, 2.5)] {
            let ratio = cpu / lint
            report.add(Row(name: "\(name) CPU / xmllint --noout CPU, 32 × 2,000 (\(ms(cpu)) / \(ms(lint)))",
                           iterations: "", median: String(format: "%.2f×", ratio), p90: "", allocations: "",
                           floor: "≤ \(target)×", verdict: ratio <= target ? .pass : .fail))
        }
    }
    let version = medianCPU([bin, "--version"], runs: 9)
    report.add(Row(name: "pacetop --version CPU (startup alone)", iterations: "9", median: ms(version), p90: "",
                   allocations: "", floor: "", verdict: .info))
    report.end()
}

private func printScaleTable(_ rows: [ScaleRow]) {
    let header = ["nodes", "rsc", "KiB", "parse", "diff", "frame", "--once CPU", "--json CPU", "xmllint CPU",
                  "once/xmllint", "json/xmllint", "crm_mon CPU", "parse µs/rsc"]
    let body: [[String]] = rows.map { r in
        [String(r.doc.nodes), String(r.doc.resources), String(r.kib), ms(r.parse), ms(r.diff), ms(r.frame),
         ms(r.once), ms(r.json), r.xmllint.map(ms) ?? "-",
         r.xmllint.map { String(format: "%.2f×", r.once / $0) } ?? "-",
         r.xmllint.map { String(format: "%.2f×", r.json / $0) } ?? "-",
         r.doc.crmMonCPU.map(ms) ?? "-",
         String(format: "%.1f", r.parse / Double(r.doc.resources) * 1e6)]
    }
    let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max() ?? 0 }
    for line in [header] + body {
        print("  " + line.indices.map { lpad(line[$0], widths[$0]) }.joined(separator: "  "))
    }
    print("  (parse, diff, frame: in-process thread CPU, medians; CPU columns: whole processes, medians;")
    print("   frame = View.render at 200x60 + changes after one resource moved; crm_mon CPU: rendering the")
    print("   document from its CIB when it was generated, what every poll costs the node)")
    fflush(nil)
}

// MARK: - failover: the lab (root only)

/// Runs scripts/bench-failover (the real lab: master kills) and reports its figures.
func runFailover(_ docs: Documents, _ report: Report, quick: Bool) throws {
    report.begin("failover", "lag from pbx starting on the new node to pacetop's screen; crm_mon calls per minute; "
                 + "an SSH session closed by the node → screen (issue 14)")
    guard getuid() == 0 else {
        report.note("skipped: the lab needs root (sudo scripts/bench failover)")
        report.end()
        return
    }
    let kills = quick ? 1 : 3
    let out = try sh([docs.root + "/scripts/bench-failover", String(kills)])
    var figures: [String: String] = [:]
    for line in out.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        if parts.count == 2, !parts[0].contains(":") { figures[parts[0]] = parts[1] }
    }
    func seconds(_ key: String) -> String { figures[key].map { "\($0) s" } ?? "n/a" }
    report.add(Row(name: "failover lag, pacetop --interval 2 (each: \(figures["lag_all"] ?? "?"))", iterations: String(kills),
                   median: seconds("lag_median"), p90: "", allocations: "", floor: "", verdict: .info))
    // The cluster itself may show the new placement seconds after the start ran (a lost DC):
    // the target is pacetop against crm_mon's own display of the same events.
    let behind = figures["behind_crm_mon_median"].flatMap(Double.init)
    report.add(Row(name: "pacetop's screen behind crm_mon interactive's, same kills", iterations: String(kills),
                   median: seconds("behind_crm_mon_median"), p90: "", allocations: "", floor: "≤ 0.5 s",
                   verdict: behind.map { $0 <= 0.5 ? .pass : .fail } ?? .fail))
    report.add(Row(name: "failover lag, crm_mon interactive on a surviving node", iterations: String(kills),
                   median: seconds("crm_mon_lag_median"), p90: "", allocations: "", floor: "", verdict: .info))
    report.add(Row(name: "SSH commands per minute, idle (crm_mon per poll)", iterations: "", median: figures["commands_per_min_idle"] ?? "n/a",
                   p90: "", allocations: "", floor: "= 30 (one per 2 s)", verdict: .info))
    report.add(Row(name: "SSH commands in the minute after a kill", iterations: String(kills),
                   median: figures["commands_per_min_failover"] ?? "n/a", p90: "", allocations: "", floor: "", verdict: .info))
    // Noticed between polls, not at the next one: far below the interval.
    let drop = figures["drop_lag_median"].flatMap(Double.init)
    report.add(Row(name: "session closed by node 1 → on screen, --interval 60 (each: \(figures["drop_lag_all"] ?? "?"))",
                   iterations: "3", median: seconds("drop_lag_median"), p90: "", allocations: "", floor: "≤ 2 s",
                   verdict: drop.map { $0 <= 2 ? .pass : .fail } ?? .fail))
    report.end()
}
