import Foundation
import PacetopCore
import PacetopSource
import PacetopTestSupport

// MARK: - 5. soak

/// A day of polling at 2 s (43,200 polls) against the file source and against a real sshd,
/// the status changing every 100th poll. RSS and open file descriptors are sampled
/// every 1,000 polls; both must stay flat. Figures only: first, last and max of each.
/// (The change: `vip` moves to node 2 and back.)
func runSoak(_ docs: Documents, _ report: Report, quick: Bool) throws {
    let polls = quick ? 4_320 : 43_200
    report.begin("soak", "\(polls) polls (\(quick ? "2.4 hours" : "a day") at 2 s), status changing every 100th: RSS and fds (issue 8)")
    let variants = [docs.healthy, docs.healthyOneMoved]

    let scratch = try TempDir("pacetop-bench-soak")
    let file = scratch.file("status.xml")
    try replaceFile(file, variants[0])
    let fileSource = FileSource(path: file)
    let fileRun = soak(fileSource, polls: polls) { i in try? replaceFile(file, variants[(i / 100) % 2]) }
    fileSource.close()
    add(report, "file source", fileRun)

    let sshd = try BenchSSHD(status: variants[0])
    defer { sshd.server.stop() }
    let statusFile = sshd.dir.file("status.xml")
    let sshSource = try sshd.source()
    let sshRun = soak(sshSource, polls: polls) { i in try? replaceFile(statusFile, variants[(i / 100) % 2]) }
    sshSource.close()
    add(report, "ssh source (libssh2, one session)", sshRun)
    report.note("RSS from /proc/self/statm, fds from /proc/self/fd; sampled before the first poll and every 1,000 polls.")
    report.end()
}

struct SoakRun {
    var rss: [Double] = []
    var fds: [Double] = []
    var failures = 0
    var firstFailure: String?
    var seconds = 0.0
}

/// Polls `polls` times; `change(i)` runs before poll i when i is a multiple of 100.
func soak(_ source: any ClusterSource, polls: Int, change: (Int) -> Void) -> SoakRun {
    var run = SoakRun()
    let t0 = now()
    for i in 0..<polls {
        if i % 1_000 == 0 {
            run.rss.append(residentBytes())
            run.fds.append(Double(openFDs()))
        }
        if i % 100 == 0 { change(i) }
        let outcome = source.poll()
        if case .failure(let e) = outcome.result {
            run.failures += 1
            run.firstFailure = run.firstFailure ?? e.message
        }
    }
    run.rss.append(residentBytes())
    run.fds.append(Double(openFDs()))
    run.seconds = now() - t0
    return run
}

private func add(_ report: Report, _ name: String, _ run: SoakRun) {
    func mib(_ b: Double) -> String { String(format: "%.1f MiB", b / 1_048_576) }
    // The first sample is before the first poll (nothing connected or parsed yet); flat means
    // no growth after the first 1,000.
    func row(_ what: String, _ v: [Double], _ f: (Double) -> String) -> Row {
        let warm = v.count > 1 ? v[1] : v.first ?? 0
        return Row(name: "\(name): \(what) first / after 1,000 / last / max", iterations: String(v.count),
                   median: [v.first ?? 0, warm, v.last ?? 0, v.max() ?? 0].map(f).joined(separator: " / "), p90: "",
                   allocations: "", floor: "flat", verdict: .info)
    }
    report.add(row("RSS", run.rss, mib))
    report.add(row("open fds", run.fds) { String(Int($0)) })
    report.note("\(name): \(run.failures) failed polls" + (run.firstFailure.map { " (first: \($0))" } ?? "")
        + " in \(String(format: "%.0f", run.seconds)) s; RSS every 1,000 polls (MiB): "
        + run.rss.map { String(format: "%.1f", $0 / 1_048_576) }.joined(separator: " "))
}

func residentBytes() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let f = s.split(separator: " ")
    return f.count > 1 ? (Double(f[1]) ?? 0) * Double(sysconf(Int32(_SC_PAGESIZE))) : 0
}

func openFDs() -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
}
