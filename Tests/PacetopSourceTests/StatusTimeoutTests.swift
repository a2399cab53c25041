import Testing
@testable import PacetopSource

/// A node that stops answering is given up on after a few times its usual crm_mon time.
@Suite struct StatusTimeoutTests {
    @Test func fewTimesTheUsualWithinBounds() {
        #expect(SSHClusterSource.statusTimeout(10, typical: nil) == 10, "first call: the full timeout")
        #expect(SSHClusterSource.statusTimeout(10, typical: 0.06) == 3, "a fast node: 3 s, not 10")
        #expect(SSHClusterSource.statusTimeout(10, typical: 1.2) == 6)
        #expect(SSHClusterSource.statusTimeout(10, typical: 7) == 10, "a slow big cluster keeps the full timeout")
    }
}
