import Foundation

/// Where test data lives, for every test target and the benchmark: the project's own fixtures
/// (`Tests/Fixtures`, made by scripts/make-fixtures and scripts/lab) and the shared crm_mon
/// corpus beside the checkout (other licences: read in place, never copied into the repository).
public enum TestData {
    /// `Sources/PacetopTestSupport/TestData.swift` → three levels up is the package root.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures`.
    public static let fixtures: URL = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// A fixture's bytes, by its path under `Tests/Fixtures` (e.g. "portsip/healthy.xml").
    public static func fixture(_ path: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(path))
    }

    /// The shared corpus (`../shared/corpus`); `PACETOP_CORPUS` overrides it, to check the skip
    /// and the CI failure without moving it.
    public static let corpus: URL = ProcessInfo.processInfo.environment["PACETOP_CORPUS"]
        .map { URL(fileURLWithPath: $0) }
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus").standardizedFileURL
}
