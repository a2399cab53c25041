import Foundation
import PacetopCore

/// Measures what a poll costs: wall time from sending the status command to having the parsed
/// model, and this process's CPU time (user + system, from getrusage) per poll. The benchmark
/// executable calls this against a source pointed at a local sshd.
public struct PollBenchmarkResult: Sendable {
    /// Wall time of each successful poll, in seconds, in order.
    public var wallSeconds: [Double]
    /// Client CPU (user + system) of each successful poll, in seconds.
    public var cpuSeconds: [Double]
    public var failures: [String]

    public var medianWall: Double { Self.median(wallSeconds) }
    public var medianCPU: Double { Self.median(cpuSeconds) }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

public enum PollBenchmark {
    /// Runs `warmup` polls (connecting, first constraint fetch), then `polls` measured ones.
    /// CPU is process-wide, so run nothing else in the process meanwhile.
    public static func run(_ source: any ClusterSource, polls: Int, warmup: Int = 1) -> PollBenchmarkResult {
        for _ in 0..<warmup { _ = source.poll() }
        var result = PollBenchmarkResult(wallSeconds: [], cpuSeconds: [], failures: [])
        for _ in 0..<polls {
            let cpu0 = cpuTime()
            let t0 = ContinuousClock.now
            let outcome = source.poll()
            let wall = ContinuousClock.now - t0
            let cpu = cpuTime() - cpu0
            switch outcome.result {
            case .success:
                result.wallSeconds.append(Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
                result.cpuSeconds.append(cpu)
            case .failure(let e):
                result.failures.append(e.message)
            }
        }
        return result
    }

    /// User + system CPU of this process, in seconds.
    public static func cpuTime() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }
}
