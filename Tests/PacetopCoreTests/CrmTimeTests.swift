import Foundation
import Testing
@testable import PacetopCore

/// crm_mon's time formats, on the real corpus documents (rendered with TZ=UTC, see its README).
@Suite struct CrmTimeTests {
    static let folders = ["crm_mon", "crm_mon-legacy", "crm_mon-pcmk2.0.5"]

    /// Every time text in a status: the summary's, the failures' and the history's.
    func times(_ s: ClusterStatus) -> [String] {
        var out = [s.summary.lastUpdate, s.summary.lastChange].compactMap { $0 }
        out += s.failures.compactMap(\.lastRCChange)
        for h in s.history {
            for r in h.resources {
                out += [r.lastFailure].compactMap { $0 }
                for op in r.operations { out += [op.lastRCChange, op.lastRun].compactMap { $0 } }
            }
        }
        return out.filter { !$0.isEmpty }
    }

    @Test(.corpus, arguments: folders)
    func everyTimeInTheCorpusIsRead(_ folder: String) throws {
        var read = 0, anchored = 0
        for name in try Corpus.names(in: folder, suffix: ".xml") {
            guard let s = try? CrmMonParser.parse(Corpus.data(folder, name)) else { continue }
            for t in times(s) {
                #expect(CrmTime.parse(t) != nil, "\(folder)/\(name): \(t)")
                read += 1
            }
            // Rendered with TZ=UTC: where a document proves its zone, it is UTC.
            if let offset = CrmTime.nodeOffset(in: s) {
                #expect(offset == 0, "\(folder)/\(name)")
                anchored += 1
            }
        }
        #expect(read > 100, "\(folder): \(read) times")
        if folder != "crm_mon-legacy" { #expect(anchored > 10, "\(folder): \(anchored) documents prove their zone") }
    }

    /// Pacemaker 2.1.5: the failure says `2013-07-15 10:03:32Z`, the same call in the history
    /// `Mon Jul 15 10:03:32 2013` (no zone).
    @Test(.corpus) func aFailureAndItsHistoryEntryNameOneMoment() throws {
        for folder in ["crm_mon", "crm_mon-pcmk2.0.5"] {
            let s = try Corpus.parse(folder, "sched-bug-cl-5170.xml")
            let f = try #require(s.failures.first { $0.call == 3583 })
            #expect(f.lastRCChange == "2013-07-15 10:03:32Z")
            let op = try #require(s.history.first { $0.node == f.node }?.resources.first { $0.id == f.resource }?
                .operations.first { $0.call == 3583 })
            #expect(op.lastRCChange == "Mon Jul 15 10:03:32 2013")
            #expect(CrmTime.nodeOffset(in: s) == 0)
            let moment = try #require(CrmTime.date(f.lastRCChange!, nodeOffset: nil))
            #expect(CrmTime.date(op.lastRCChange!, nodeOffset: 0) == moment)
            // The same wall clock on a node 5 h 30 min east of UTC is 5 h 30 min earlier.
            #expect(CrmTime.date(op.lastRCChange!, nodeOffset: 19_800) == moment.addingTimeInterval(-19_800))
        }
    }

    @Test func everyFormatPacemakerHasWritten() {
        let utc = Date(timeIntervalSince1970: 1_599_063_458)  // 2020-09-02 16:17:38 UTC
        #expect(CrmTime.date("2020-09-02 16:17:38Z", nodeOffset: nil) == utc)
        #expect(CrmTime.date("2020-09-02 12:17:38 -04:00", nodeOffset: nil) == utc)
        #expect(CrmTime.date("2020-09-02 21:47:38 +0530", nodeOffset: nil) == utc)
        #expect(CrmTime.date("1599063458", nodeOffset: nil) == utc)
        #expect(CrmTime.parse("Wed Sep  2 16:17:38 2020") == .wallClock(1_599_063_458))
        #expect(CrmTime.date("Wed Sep  2 12:17:38 2020", nodeOffset: -4 * 3600) == utc)
        for bad in ["", "soon", "Wed Sep 42 16:17:38 2020", "2020-13-02 16:17:38Z", "2020-09-02 16:17:38", "Wed Sep  2 25:17:38 2020"] {
            #expect(CrmTime.parse(bad) == nil || CrmTime.date(bad, nodeOffset: 0) == nil, "\(bad)")
        }
    }

    /// A live status: crm_mon's `last_update` against the poll's clock gives the node's zone.
    @Test(.corpus) func theNodesZoneFromLastUpdateAndThePollsClock() throws {
        let s = try Corpus.parse("crm_mon", "sched-bug-cl-5170.xml")
        let lastUpdate = try #require(s.summary.lastUpdate)  // "Wed Nov 25 04:08:58 2026"
        guard case .wallClock(let w) = CrmTime.parse(lastUpdate) else { Issue.record("\(lastUpdate)"); return }
        let written = Date(timeIntervalSince1970: Double(w))
        #expect(CrmTime.nodeOffset(lastUpdate: lastUpdate, polledAt: written.addingTimeInterval(7)) == 0, "crm_mon took 7 s")
        #expect(CrmTime.nodeOffset(lastUpdate: lastUpdate, polledAt: written.addingTimeInterval(-19_800 + 2)) == 19_800)
        #expect(CrmTime.nodeOffset(lastUpdate: lastUpdate, polledAt: written.addingTimeInterval(5 * 3600 - 1)) == -5 * 3600)
        #expect(CrmTime.nodeOffset(lastUpdate: lastUpdate, polledAt: written.addingTimeInterval(3 * 86_400)) == nil, "no zone is 3 days off")
        #expect(CrmTime.nodeOffset(lastUpdate: lastUpdate, polledAt: written.addingTimeInterval(-7 * 60)) == nil, "not near a quarter hour")
        #expect(CrmTime.nodeOffset(lastUpdate: "", polledAt: written) == nil)
    }
}
