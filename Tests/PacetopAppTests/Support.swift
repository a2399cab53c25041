import Foundation
import PacetopCore
import PacetopUI
import PacetopTestSupport
@testable import PacetopApp

/// The project's own fixtures (made by scripts/make-fixtures with real Pacemaker).
enum Fixture {
    static let dir = TestData.fixtures.appendingPathComponent("portsip")

    static func status(_ name: String) throws -> ClusterStatus {
        try CrmMonParser.parse(Data(contentsOf: dir.appendingPathComponent("\(name).xml")))
    }

    /// pbx moved to node 3 by `crm_resource --move`: its cli-prefer constraint is still there.
    static func movedAndPinned() throws -> ClusterStatus {
        var moved = try status("moved")
        moved.cliConstraints = [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx",
                                                   node: "ip-172-31-16-135", score: "INFINITY")]
        return moved
    }
}

let t0 = Date(timeIntervalSince1970: 1_795_000_000)

func makeState(readOnly: Bool = false, canAct: Bool = true, size: Size = Size(width: 80, height: 24)) -> AppState {
    AppState(config: AppConfig(readOnly: readOnly, sourceLabel: "test", canPerformActions: canAct, user: "tester"),
             themeNames: ["default", "monochrome"], themeName: "default", now: t0, size: size)
}

func poll(_ s: inout AppState, _ status: ClusterStatus, at: Date = t0, via: String = "ip-172-31-16-133") -> [Effect] {
    App.update(&s, .polled(PollOutcome(result: .success(status), via: via, at: at)))
}

@discardableResult
func press(_ s: inout AppState, _ keys: Key...) -> [Effect] {
    var effects: [Effect] = []
    for k in keys { effects += App.update(&s, .key(k)) }
    return effects
}

let plainEnv = ViewEnv(theme: Theme(name: "plain", styles: [:]), glyphs: .unicode)

func screen(_ s: AppState, _ env: ViewEnv = plainEnv) -> [String] {
    View.render(s, env).lines()
}

func text(_ s: AppState, _ env: ViewEnv = plainEnv) -> String {
    screen(s, env).joined(separator: "\n")
}
