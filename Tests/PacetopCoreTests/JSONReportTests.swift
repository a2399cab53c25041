import Foundation
import Testing
@testable import PacetopCore

/// `--json` is written by hand for speed; its text must stay exactly what JSONEncoder makes of
/// the same report (same keys, same values, same layout).
@Suite("--json text", .corpus)
struct JSONReportTests {
    static func foundationJSON(_ r: JSONReport) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        return String(decoding: try enc.encode(r), as: UTF8.self)
    }

    static let at = Date(timeIntervalSince1970: 1_795_000_007.75)

    @Test func sameTextAsJSONEncoderOnEveryCorpusDocument() throws {
        var compared = 0
        for folder in CorpusDocumentTests.folders {
            for name in try Corpus.names(in: folder, suffix: ".xml") where !name.hasPrefix("err-") {
                guard let status = try? CrmMonParser.parse(try Corpus.data(folder, name)) else { continue }
                let report = JSONReport(outcome: PollOutcome(result: .success(status), via: name, at: Self.at),
                                        source: "file \(name)", layout: .portSIP, generatedAt: Self.at)
                let want = try Self.foundationJSON(report)
                let got = report.encoded()
                #expect(got == want, "\(folder)/\(name)")
                if got != want { return }
                compared += 1
            }
        }
        #expect(compared > 500)
    }

    /// Every optional set, odd strings, a failure report: the parts the corpus may not reach.
    @Test func everyFieldAndEscapes() throws {
        var s = try CrmMonParser.parse(try Corpus.data("crm_mon", "cib-crm_mon.xml"))
        s.cliConstraints = [LocationConstraint(id: "cli-prefer-a", kind: .prefer, resource: "a\"b\\c/d", node: "n\u{1}\t\n\r",
                                               score: "INFINITY", role: "Started", expires: "2026-12-01 00:00:00Z"),
                            LocationConstraint(id: "cli-ban-x", kind: .ban, resource: "x\u{8}\u{c}\u{1f}\u{7f}é😀")]
        s.clusterName = "pbx-cluster"
        s.nodeLossDetectionSeconds = 3.65
        s.tickets = [Ticket(id: "t", granted: true, standby: false, lastGranted: "now")]
        s.bans = [Ban(id: "cli-ban-x", resource: "x", node: "n", weight: -1_000_000, promotedOnly: true)]
        for seconds in [3.65, 5.0, 0.0] {
            s.nodeLossDetectionSeconds = seconds
            let r = JSONReport(outcome: PollOutcome(result: .success(s), via: "n1", at: Self.at), source: "ssh",
                               layout: .portSIP, generatedAt: Self.at)
            #expect(r.encoded() == (try Self.foundationJSON(r)))
        }
        let failed = JSONReport(outcome: PollOutcome(result: .failure(SourceError(.hostKey, "n1: host key changed")), via: "n1"),
                                source: "ssh n1", layout: MasterLayout(anchor: "db", chain: []), generatedAt: Self.at)
        #expect(failed.encoded() == (try Self.foundationJSON(failed)))
    }
}
