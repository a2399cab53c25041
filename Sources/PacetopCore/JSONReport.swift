import Foundation

/// What `pacetop --once --json` prints. Keys are stable; new keys may be added, none renamed.
public struct JSONReport: Sendable, Codable {
    /// Bumped only when a key changes meaning or disappears.
    public var schema: Int = 1
    public var generatedAt: Date
    /// The source's label ("DEMO", "file …", "ssh …").
    public var source: String
    /// Node or file the status was read from.
    public var via: String
    /// Set when no status could be read; then `status` is absent.
    public var error: SourceError?
    public var health: HealthVerdict?
    public var master: String?
    public var layout: MasterLayout
    public var status: ClusterStatus?

    public init(outcome: PollOutcome, source: String, layout: MasterLayout, generatedAt: Date = Date()) {
        self.generatedAt = generatedAt
        self.source = source
        self.via = outcome.via
        self.layout = layout
        switch outcome.result {
        case .success(let s):
            status = s
            health = s.health(layout)
            master = s.master(layout)
        case .failure(let e):
            error = e
        }
    }

    private struct UnknownHealth: Encodable {
        var level = "unknown"
        var reasons: [String]
    }

    enum CodingKeys: String, CodingKey {
        case schema, generatedAt, source, via, error, health, master, layout, status
    }

    /// An error document keeps the `health` key, with level "unknown", so scripts that read
    /// `.health.level` need no special case.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(generatedAt, forKey: .generatedAt)
        try c.encode(source, forKey: .source)
        try c.encode(via, forKey: .via)
        try c.encodeIfPresent(error, forKey: .error)
        if let health {
            try c.encode(health, forKey: .health)
        } else {
            try c.encode(UnknownHealth(reasons: error.map { [$0.message] } ?? []), forKey: .health)
        }
        try c.encodeIfPresent(master, forKey: .master)
        try c.encode(layout, forKey: .layout)
        try c.encodeIfPresent(status, forKey: .status)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(Int.self, forKey: .schema)
        generatedAt = try c.decode(Date.self, forKey: .generatedAt)
        source = try c.decode(String.self, forKey: .source)
        via = try c.decode(String.self, forKey: .via)
        error = try c.decodeIfPresent(SourceError.self, forKey: .error)
        health = try? c.decodeIfPresent(HealthVerdict.self, forKey: .health)
        master = try c.decodeIfPresent(String.self, forKey: .master)
        layout = try c.decode(MasterLayout.self, forKey: .layout)
        status = try c.decodeIfPresent(ClusterStatus.self, forKey: .status)
    }

    public func encoded() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        // Encoding plain value types cannot fail; a failure here is a programming error.
        let data = try! enc.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    /// The `--once` exit code for this report.
    public var exitCode: OnceExitCode {
        if let error { return .forFailure(error) }
        return health?.exitCode ?? .unreadable
    }
}
