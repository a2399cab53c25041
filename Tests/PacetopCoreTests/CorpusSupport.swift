import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopCore

/// The shared crm_mon corpus (`<package root>/../shared/corpus`). It is test data under
/// other licences, so it is read in place and never copied into this repository.
enum Corpus {
    /// `PACETOP_CORPUS` overrides it (to check the skip and the CI failure without moving
    /// the shared corpus: `PACETOP_CORPUS=/nonexistent [CI=true] swift test`).
    static let root: URL = TestData.corpus
    static let isAvailable: Bool = {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(
            atPath: root.appendingPathComponent("crm_mon").path, isDirectory: &dir) && dir.boolValue
    }()
    static let isCI: Bool = ProcessInfo.processInfo.environment["CI"] == "true"
    /// Corpus tests run when the corpus is there, and under `CI=true` even when it is not,
    /// so that a missing corpus fails CI instead of silently skipping.
    static let shouldRun: Bool = isAvailable || isCI

    /// Fails the calling test (under CI) when the corpus is missing.
    static func require() throws {
        try #require(isAvailable, "crm_mon corpus not found at \(root.path); with CI=true it must be present")
    }

    /// Sorted file names in a corpus folder with the given suffix.
    static func names(in folder: String, suffix: String) throws -> [String] {
        try require()
        let dir = root.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(suffix) }.sorted()
    }

    static func data(_ folder: String, _ name: String) throws -> Data {
        try require()
        return try Data(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(name))
    }

    static func text(_ folder: String, _ name: String) throws -> String {
        let d = try data(folder, name)
        return try #require(String(data: d, encoding: .utf8), "\(folder)/\(name) is not UTF-8")
    }

    /// Parses one corpus document; a parse error fails the test with the file's name.
    static func parse(_ folder: String, _ name: String) throws -> ClusterStatus {
        let d = try data(folder, name)
        do {
            return try CrmMonParser.parse(d)
        } catch {
            Issue.record("\(folder)/\(name): \(error)")
            throw error
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips (visibly) when the corpus is absent, unless CI=true, where the test runs and fails.
    static var corpus: Self {
        .enabled(if: Corpus.shouldRun,
                 "crm_mon corpus not found (../shared/corpus or PACETOP_CORPUS): skipped; with CI=true its absence fails")
    }
}

/// A small deterministic RNG (SplitMix64) so fuzz runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ClusterStatus {
    /// Every primitive in the resource tree, depth first.
    var primitives: [Resource] {
        resources.flatMap { $0.flattened() }.filter { $0.kind == .primitive }
    }
}

extension Resource {
    /// Pacemaker's `active(rsc, all=TRUE)`: a primitive's own flag; a collection is fully
    /// active when every member is.
    var fullyActive: Bool {
        kind == .primitive ? active : children.allSatisfy(\.fullyActive)
    }
}
