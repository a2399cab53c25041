import ArgumentParser

/// Numbers from flags and the config file: Swift's Double parser takes "inf", "nan" and
/// "1e300", and any of them turned into a Duration or a poll timeout crashes the process.
enum Numbers {
    static let intervalRange: ClosedRange<Double> = 0.5...3600
    static let timeoutRange: ClosedRange<Double> = 0.1...3600

    static func seconds(_ v: Double, _ name: String, _ range: ClosedRange<Double>) throws {
        guard v.isFinite, range.contains(v) else {
            throw ValidationError("\(name) must be a number of seconds from \(format(range.lowerBound)) "
                                  + "to \(format(range.upperBound)) (got \(v))")
        }
    }

    static func port(_ p: Int, _ name: String) throws {
        guard (1...65535).contains(p) else { throw ValidationError("\(name) must be 1-65535 (got \(p))") }
    }

    private static func format(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : "\(v)" }
}
