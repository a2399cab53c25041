import FoundationEssentials

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
