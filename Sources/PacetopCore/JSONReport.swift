import FoundationEssentials

/// What `pacetop --once --json` prints. Keys are stable; new keys may be added, none renamed.
public struct JSONReport: Sendable, Encodable {
    /// Bumped only when a key changes meaning or disappears.
    public var schema: Int = 1
    /// When pacetop made the report (ISO 8601, UTC).
    public var generatedAt: Date
    /// The source's label ("DEMO", "file …", "ssh …").
    public var source: String
    /// Node or file the status was read from.
    public var via: String
    /// Set when no status could be read; then `status` is absent.
    public var error: SourceError?
    /// The overall verdict and its reasons; absent when no status could be read.
    public var health: HealthVerdict?
    /// Node the master (the layout's anchor) runs on; absent when it runs nowhere.
    public var master: String?
    /// The anchor and chain the verdict and `master` were judged by.
    public var layout: MasterLayout
    /// The full parsed cluster status; absent when it could not be read (see `error`).
    public var status: ClusterStatus?

    /// A report of one poll, judged by `layout`.
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

    /// The reasons of an error document's "unknown" verdict: the error.
    var unknownReasons: [String] { error.map { [$0.message] } ?? [] }

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
            try c.encode(UnknownHealth(reasons: unknownReasons), forKey: .health)
        }
        try c.encodeIfPresent(master, forKey: .master)
        try c.encode(layout, forKey: .layout)
        try c.encodeIfPresent(status, forKey: .status)
    }


    /// Pretty-printed, sorted keys, ISO 8601 dates: what JSONEncoder gives for this value
    /// (`Encodable`), written directly (see `JSONWriter`).
    public func encoded() -> String { String(decoding: encodedBytes(), as: UTF8.self) }

    /// `encoded()` as UTF-8 bytes, for writing out without another copy.
    public func encodedBytes() -> [UInt8] {
        var w = JSONWriter()
        write(&w)
        return w.bytes
    }

    /// The `--once` exit code for this report.
    public var exitCode: OnceExitCode {
        if let error { return .forFailure(error) }
        return health?.exitCode ?? .unreadable
    }
}
