import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

@Suite struct ViewTests {
    @Test func dump() throws {
        for name in ["healthy", "failed-pbx"] {
            var s = makeState()
            _ = poll(&s, try Fixture.status(name))
            print(text(s))
        }
    }
}
