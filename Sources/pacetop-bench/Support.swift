import CMallocCounter
import Foundation
import PacetopTestSupport

// MARK: - Measurement

/// Seconds on the monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// User + system CPU of this process (all threads), in seconds.
func selfCPU() -> Double { rusageSeconds(RUSAGE_SELF.rawValue) }

/// User + system CPU of reaped children, in seconds.
func childrenCPU() -> Double { rusageSeconds(RUSAGE_CHILDREN.rawValue) }

private func rusageSeconds(_ who: Int32) -> Double {
    var u = rusage()
    getrusage(who, &u)
    return seconds(u)
}

/// User + system time of a rusage, in seconds.
func seconds(_ u: rusage) -> Double {
    Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// utime + stime of a live process from /proc/PID/stat, in seconds.
func procCPU(_ pid: pid_t) -> Double? {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = s.lastIndex(of: ")") else { return nil }
    // Fields after "(comm)": state is field 3; utime is 14, stime 15 (1-based).
    let rest = s[s.index(after: close)...].split(separator: " ")
    guard rest.count > 13, let u = Double(rest[11]), let st = Double(rest[12]) else { return nil }
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (u + st) / hz
}

/// Resident and peak resident memory of a live process from /proc/PID/status, in MiB.
func procMemory(_ pid: pid_t) -> (rss: Double, peak: Double)? {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    func kib(_ key: String) -> Double? {
        s.split(separator: "\n").first { $0.hasPrefix(key + ":") }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }
            .flatMap { Double($0) }
    }
    guard let rss = kib("VmRSS"), let peak = kib("VmHWM") else { return nil }
    return (rss / 1024, peak / 1024)
}

func mallocs() -> UInt64 { pacetop_malloc_count() }

/// Samples of one measured operation.
struct Samples {
    var seconds: [Double] = []
    var allocations: [Double] = []

    var median: Double { percentile(seconds, 0.5) }
    var p90: Double { percentile(seconds, 0.9) }
    var allocMedian: Double? { allocations.isEmpty ? nil : percentile(allocations, 0.5) }
}

func percentile(_ v: [Double], _ p: Double) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    if p == 0.5 && s.count % 2 == 0 { return (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    let i = min(s.count - 1, max(0, Int((Double(s.count) * p).rounded(.up)) - 1))
    return s[i]
}

/// Runs `body` `warmup` times, then measures `iterations` runs (time and malloc count each).
func measure(iterations: Int, warmup: Int = 3, _ body: () -> Void) -> Samples {
    for _ in 0..<warmup { body() }
    var out = Samples()
    out.seconds.reserveCapacity(iterations)
    out.allocations.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let m0 = mallocs()
        let t0 = now()
        body()
        let t1 = now()
        let m1 = mallocs()
        out.seconds.append(t1 - t0)
        out.allocations.append(Double(m1 &- m0))
    }
    return out
}

/// Keeps a value alive and opaque to the optimizer.
@inline(never)
func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

// MARK: - Reporting

enum Verdict: String { case pass = "pass", fail = "FAIL", info = "-" }

struct Row {
    var name: String
    var iterations: String
    var median: String
    var p90: String
    var allocations: String
    var floor: String
    var verdict: Verdict
}

/// One table per section; every row also goes to the overall summary.
final class Report {
    private(set) var rows: [(section: String, row: Row)] = []
    private var current: [Row] = []
    private var title = ""

    func begin(_ section: String, _ heading: String) {
        title = section
        current = []
        print("\n== \(section): \(heading)")
        fflush(nil)
    }

    func add(_ r: Row) {
        current.append(r)
        rows.append((title, r))
    }

    func note(_ text: String) {
        print("   " + text)
        fflush(nil)
    }

    func end() {
        let header = Row(name: "measurement", iterations: "n", median: "median", p90: "p90",
                         allocations: "mallocs", floor: "floor", verdict: .info)
        let all = [header] + current
        func w(_ k: KeyPath<Row, String>) -> Int { all.map { $0[keyPath: k].count }.max() ?? 0 }
        let widths = (w(\.name), w(\.iterations), w(\.median), w(\.p90), w(\.allocations), w(\.floor))
        for (i, r) in all.enumerated() {
            let v = i == 0 ? "result" : r.verdict.rawValue
            print("  " + pad(r.name, widths.0) + "  " + lpad(r.iterations, widths.1) + "  " + lpad(r.median, widths.2)
                  + "  " + lpad(r.p90, widths.3) + "  " + lpad(r.allocations, widths.4) + "  " + pad(r.floor, widths.5)
                  + "  " + v)
        }
        fflush(nil)
    }

    var failures: [(section: String, row: Row)] { rows.filter { $0.row.verdict == .fail } }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

/// "0.123 ms", "12.3 ms", "1.23 s".
func ms(_ s: Double) -> String {
    if s.isNaN { return "n/a" }
    let m = s * 1000
    if m < 1 { return String(format: "%.3f ms", m) }
    if m < 100 { return String(format: "%.2f ms", m) }
    if m < 10_000 { return String(format: "%.0f ms", m) }
    return String(format: "%.1f s", s)
}

func count(_ d: Double?) -> String {
    guard let d else { return "-" }
    return d == d.rounded() ? String(Int(d)) : String(format: "%.1f", d)
}

/// A timing row checked against a floor in seconds (nil: informational).
func timingRow(_ name: String, _ s: Samples, floor: Double? = nil) -> Row {
    let verdict: Verdict = floor.map { s.median <= $0 ? .pass : .fail } ?? .info
    return Row(name: name, iterations: String(s.seconds.count), median: ms(s.median), p90: ms(s.p90),
               allocations: count(s.allocMedian), floor: floor.map { "≤ " + ms($0) } ?? "", verdict: verdict)
}

// MARK: - Files and processes

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The package root: the current directory if it holds Package.swift, else walks up from the
/// executable (.build/release/pacetop-bench).
func packageRoot() -> String {
    let fm = FileManager.default
    if fm.fileExists(atPath: fm.currentDirectoryPath + "/Package.swift") { return fm.currentDirectoryPath }
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<6 {
        if fm.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        url.deleteLastPathComponent()
    }
    return fm.currentDirectoryPath
}

/// Writes `data` to `path` atomically (temp file + rename), as a `crm_mon > file` loop would.
func replaceFile(_ path: String, _ data: Data) throws {
    let tmp = path + ".tmp"
    try data.write(to: URL(fileURLWithPath: tmp))
    guard rename(tmp, path) == 0 else { throw BenchError("rename \(tmp): \(String(cString: strerror(errno)))") }
}

func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin"
    for d in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") {
        return "\(d)/\(name)"
    }
    return nil
}
