import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

/// Issue 12 §3–4: daemons in the node pane, fail counts in words, agents when there is room,
/// times in the screen's zone, and messages on the compact screen.
@Suite struct ReadableTests {
    func state(_ status: ClusterStatus, size: Size = Size(width: 80, height: 24)) -> AppState {
        var s = makeState(size: size)
        _ = poll(&s, status)
        return s
    }

    func nodeLine(_ lines: [String], _ node: String) -> String {
        lines.first { $0.contains(node) && ($0.contains("online") || $0.contains("standby")) } ?? ""
    }

    @Test func aStoppedOrDisabledDaemonShowsInTheNodePane() throws {
        var st = try Fixture.status("healthy")
        let fine = DaemonState.parse("corosync active enabled\npacemaker active enabled\npcsd inactive not-found\n")
        st.daemons = ["ip-172-31-16-133": fine,
                      "ip-172-31-16-134": DaemonState.parse("corosync active enabled\npacemaker inactive enabled\npcsd active disabled\n"),
                      "ip-172-31-16-135": DaemonState.parse("no-systemd\n")]
        let lines = screen(state(st, size: Size(width: 120, height: 30)))
        let bad = nodeLine(lines, "ip-172-31-16-134")
        #expect(bad.contains("pacemaker stopped") && bad.contains("pcsd disabled"), "\(bad)")
        for quiet in ["ip-172-31-16-133", "ip-172-31-16-135"] {
            let line = nodeLine(lines, quiet)
            #expect(!line.contains("corosync") && !line.contains("pacemaker") && !line.contains("pcsd"), "fine or unknown: \(line)")
        }
        let failed = DaemonState.parse("corosync failed enabled\npacemaker active enabled\npcsd active enabled\n")
        st.daemons = ["ip-172-31-16-133": failed]
        #expect(nodeLine(screen(state(st, size: Size(width: 120, height: 30))), "ip-172-31-16-133").contains("corosync failed"))
    }

    @Test func failCountsReadAsWords() throws {
        #expect(View.failWords(.count(1), banned: false) == "1 fail")
        #expect(View.failWords(.count(3), banned: false) == "3 fails")
        #expect(View.failWords(.infinity, banned: true) == "banned")
        let history = { (count: FailCount, threshold: String?) in
            ResourceHistory(id: "r", migrationThreshold: threshold, failCount: count).thresholdReached
        }
        #expect(history(.infinity, nil) && history(.infinity, "1000000") && history(.infinity, "INFINITY"))
        #expect(history(.count(3), "3") && !history(.count(2), "3") && !history(.count(5), nil))
        #expect(!history(.infinity, "0"), "a threshold of 0 is off")
        var st = try Fixture.status("failed-pbx")
        for h in st.history.indices {
            for r in st.history[h].resources.indices where st.history[h].resources[r].id == "pbx" {
                st.history[h].resources[r].failCount = .infinity
            }
        }
        let s = state(st, size: Size(width: 80, height: 40))
        let lines = screen(s)
        #expect(lines.contains { $0.contains("FAILS") })
        let pbx = lines.first { $0.contains(" pbx ") && $0.contains("FAILED") } ?? ""
        #expect(pbx.contains("banned"), "\(lines.joined(separator: "\n"))")
        // --once says the same.
        let once = OnceReport.text(s, width: nil)
        #expect(once.contains("banned") && once.contains("FAILS"))
    }

    @Test func agentsAreTheFirstThingToGo() throws {
        let st = try Fixture.status("healthy")
        let wide = screen(state(st, size: Size(width: 120, height: 30)))
        #expect(wide.contains { $0.contains("pbx") && $0.contains("ocf:pacemaker:Dummy") }, "\(wide.joined(separator: "\n"))")
        let narrow = screen(state(st, size: Size(width: 60, height: 24)))
        #expect(!narrow.contains { $0.contains("ocf:") })
        #expect(narrow.contains { $0.contains("ip-172-31-16-133") })
        // The details always name it.
        var s = state(st, size: Size(width: 60, height: 30))
        press(&s, .char("G"), .enter)
        #expect(text(s).contains("ocf:pacemaker:Dummy"))
        // --once: whole lines have them, and 80 columns do (the names are short); 60 do not.
        #expect(OnceReport.text(s, width: nil).contains("ocf:pacemaker:Dummy"))
        #expect(OnceReport.text(s, width: 80).contains("ocf:pacemaker:Dummy"))
        let sixty = OnceReport.text(s, width: 60)
        #expect(!sixty.contains("ocf:") && sixty.contains("ip-172-31-16-133"), "\(sixty)")
    }

    /// A node 5 h 30 min east of UTC (a sudo rule that drops pacetop's TZ=UTC): its
    /// `last_update` against the poll's clock says so, and the history is shifted by that much.
    @Test func aLiveStatusTellsTheNodesZone() throws {
        var st = try Fixture.status("healthy")  // history: "Wed Nov 25 04:55:46 2026"
        st.summary.lastUpdate = "Wed Nov 25 10:25:47 2026"
        let polled = Date(timeIntervalSince1970: 1_795_582_550)  // 2026-11-25 04:55:50 UTC
        for live in [true, false] {
            var s = makeState(size: Size(width: 100, height: 40))
            s.config.utc = true
            s.config.statusIsCurrent = live
            _ = poll(&s, st, at: polled)
            #expect(s.nodeUTCOffset == (live ? 19_800 : nil), "a file has no clock to ask")
            press(&s, .char("G"), .enter)
            let history = text(s)
            if live {
                #expect(history.contains("#2 start: ok  2026-11-24 23:25:46"), "\(history)")
            } else {
                #expect(!history.contains("23:25:46"))
            }
        }
    }

    @Test func compactScreenShowsTheStatusMessage() throws {
        for size in [Size(width: 40, height: 12), Size(width: 20, height: 6)] {
            var s = state(try Fixture.status("healthy"), size: size)
            press(&s, .char("u"))
            let lines = screen(s)
            #expect(lines[size.height - 2].hasPrefix("enlarge the termina"), "\(size): \(lines)")
            #expect(lines.last?.contains("q quit") == true)
            #expect(lines.allSatisfy { DisplayWidth.of($0) <= size.width })
        }
    }
}
