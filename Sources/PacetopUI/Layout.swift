/// How much space one part of a split gets.
public enum Constraint: Hashable, Sendable {
    /// Exactly n cells (less only if the area is too small).
    case length(Int)
    /// At least n cells; grows like `fill(1)` when there is room and no `fill` part exists.
    case min(Int)
    /// A percentage of the whole (0–100).
    case percentage(Int)
    /// A share of what is left after the others, by weight.
    case fill(Int)
}

public enum Direction: Sendable {
    case vertical
    case horizontal
}

public enum Layout {
    /// Splits `rect` into consecutive parts along `direction`, `spacing` cells apart.
    /// Parts that do not fit are shrunk from the end, down to zero size; the result always has
    /// one rect per constraint, each inside `rect`.
    public static func split(_ rect: Rect, _ direction: Direction, _ constraints: [Constraint],
                             spacing: Int = 0) -> [Rect] {
        let total = direction == .vertical ? rect.height : rect.width
        let sizes = solve(total: total, constraints, spacing: Swift.max(0, spacing))
        var out: [Rect] = []
        var pos = 0
        for size in sizes {
            let start = Swift.min(pos, total)
            let len = Swift.max(0, Swift.min(size, total - start))
            switch direction {
            case .vertical: out.append(Rect(x: rect.x, y: rect.y + start, width: rect.width, height: len))
            case .horizontal: out.append(Rect(x: rect.x + start, y: rect.y, width: len, height: rect.height))
            }
            pos = start + len + spacing
        }
        return out
    }

    /// Sizes for `constraints` in `total` cells (sum of sizes + spacing never exceeds total).
    public static func solve(total: Int, _ constraints: [Constraint], spacing: Int = 0) -> [Int] {
        guard !constraints.isEmpty else { return [] }
        let avail = Swift.max(0, total - spacing * (constraints.count - 1))
        var sizes = constraints.map { c -> Int in
            switch c {
            case .length(let n): return Swift.max(0, n)
            case .min(let n): return Swift.max(0, n)
            case .percentage(let p): return avail * Swift.min(100, Swift.max(0, p)) / 100
            case .fill: return 0
            }
        }
        let used = sizes.reduce(0, +)
        if used > avail {
            // Shrink from the last part backwards: the first parts (headers) matter most.
            var excess = used - avail
            for i in sizes.indices.reversed() where excess > 0 {
                let cut = Swift.min(sizes[i], excess)
                sizes[i] -= cut
                excess -= cut
            }
            return sizes
        }
        var spare = avail - used
        var growers: [(Int, Int)] = constraints.enumerated().compactMap { i, c in
            if case .fill(let w) = c { return (i, Swift.max(0, w)) }
            return nil
        }
        if growers.isEmpty {
            growers = constraints.enumerated().compactMap { i, c in
                if case .min = c { return (i, 1) }
                return nil
            }
        }
        let weight = growers.reduce(0) { $0 + $1.1 }
        guard weight > 0, spare > 0 else { return sizes }
        let share = spare
        for (n, (i, w)) in growers.enumerated() {
            // The last grower takes the rounding remainder so the parts fill the area exactly.
            let add = n == growers.count - 1 ? spare : share * w / weight
            sizes[i] += add
            spare -= add
        }
        return sizes
    }
}
