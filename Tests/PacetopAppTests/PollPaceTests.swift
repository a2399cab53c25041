import Foundation
import PacetopCore
import Testing
@testable import PacetopApp

/// Poll fast while something is in flight, back to the interval once settled.
@Suite struct PollPaceTests {
    @Test func fastWhileBusyThenBackAfterQuietPolls() {
        let quiet = PollPace.Observation()
        var n = PollPace.settlePolls
        #expect(PollPace.delay(interval: 2, quietPolls: n) == 2, "idle: one poll per interval")
        for busy in [PollPace.Observation(inTransition: true), PollPace.Observation(changed: true),
                     PollPace.Observation(actionRunning: true)] {
            n = PollPace.quietPolls(after: n, busy)
            #expect(n == 0)
            #expect(PollPace.delay(interval: 2, quietPolls: n) == PollPace.fast)
        }
        var delays: [Double] = []
        for _ in 0..<5 {
            n = PollPace.quietPolls(after: n, quiet)
            delays.append(PollPace.delay(interval: 2, quietPolls: n))
        }
        #expect(delays == [PollPace.fast, PollPace.fast, 2, 2, 2])
        #expect(PollPace.delay(interval: 0.1, quietPolls: 0) == 0.1, "never slower than the interval asked for")
    }

    @Test func transitionIsWhatCrmMonShowsInProgress() throws {
        #expect(!(try Fixture.status("healthy")).inTransition)
        #expect(!(try Fixture.status("offline")).inTransition, "a node that is down stays down: settled")
        var s = try Fixture.status("healthy")
        s.resources[6].role = .starting
        #expect(s.inTransition)
        s = try Fixture.status("healthy")
        s.resources[0].pending = "Stopping"
        #expect(s.inTransition)
        s.resources[0].pending = "Monitoring"
        #expect(!s.inTransition, "a recurring monitor is not a transition")
        s = try Fixture.status("healthy")
        s.nodes[1].unclean = true
        #expect(s.inTransition)
    }

    /// Through update: a failover speeds polling up, quiet polls slow it down again.
    @Test func updateSchedulesByWhatThePollSaw() throws {
        var s = makeState()
        let before = try Fixture.status("failover-before"), after = try Fixture.status("failover-after")
        #expect(poll(&s, before) == [.schedulePoll(after: 2)], "first poll: idle pace")
        var t = t0
        func next(_ st: ClusterStatus, via: String = "ip-172-31-16-133") -> [Effect] {
            t = t.addingTimeInterval(1)
            return poll(&s, st, at: t, via: via)
        }
        #expect(next(before) == [.schedulePoll(after: 2)])
        #expect(next(after) == [.schedulePoll(after: PollPace.fast)], "the master moved")
        #expect(next(after) == [.schedulePoll(after: PollPace.fast)])
        #expect(next(after) == [.schedulePoll(after: PollPace.fast)])
        #expect(next(after) == [.schedulePoll(after: 2)], "settled")
        #expect(next(after, via: "ip-172-31-16-134") == [.schedulePoll(after: PollPace.fast)],
                "the source moved to another node")
    }
}
