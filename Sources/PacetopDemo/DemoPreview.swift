import FoundationEssentials
import PacetopBase
import PacetopCore

/// The demo's what-if: the simulated cluster is copied, the action is applied to the copy,
/// and the copy runs until it settles; the preview is what moved, stopped or started in it.
/// The live cluster is not touched (the copy is a value).
extension DemoCluster {
    func preview(_ action: ClusterAction, via: String) -> PreviewOutcome {
        var sim = self
        // The scripted scenario's next hiccup is not the action's doing.
        sim.scenarioAt = nil
        let before = sim.placement()
        if case .restart(let r) = action {
            // As crm_resource --restart begins: target-role=Stopped; what stops comes back.
            switch resource(r) {
            case nil: return .failed(notFound(r))
            case .chain: sim.targetStopped.insert(r)
            case .clone: sim.targetStopped.insert(Self.pingCloneID)
            }
            sim.requestPlan(at: sim.now)
        } else if let refusal = sim.apply(action, via: via) {
            return .failed(refusal)
        }
        sim.settle()
        var changes = Self.changes(from: before, to: sim.placement())
        if case .restart = action {
            changes = changes.map { PlannedChange(kind: .restart, resource: $0.resource, node: $0.node) }
        }
        var preview = Preview(changes: changes, via: via, computedBy: "the demo's own simulation")
        if case .move(let r, _) = action {
            var released = sim
            _ = released.apply(.clear(resource: r, node: nil), via: via)
            released.settle()
            preview.afterRelease = Self.changes(from: sim.placement(), to: released.placement())
        }
        return .ready(preview)
    }

    /// Runs the action's command on this copy; its error when the command would fail.
    private mutating func apply(_ action: ClusterAction, via: String) -> String? {
        let id = submit(action, commandLine: "", via: via, at: now)
        guard let job = jobs[id], let code = job.exitCode, code != 0 else { return nil }
        return job.stderr.trimmingWhitespaceAndNewlines()
    }

    /// Lets the copy run until nothing more is planned (bounded: ten simulated minutes).
    private mutating func settle() {
        advance(to: now + 600)
    }

    /// Where each running resource is: the chain's primitives and the ping clone's instances.
    private func placement() -> [String: String] {
        var out: [String: String] = [:]
        for (i, spec) in Self.chain.enumerated() where chain[i].phase == .started {
            out[spec.id] = chain[i].node
        }
        for (node, phase) in ping where phase == .started {
            out["\(Self.pingCloneID) on \(node)"] = node
        }
        return out
    }

    private static func changes(from a: [String: String], to b: [String: String]) -> [PlannedChange] {
        let order = chain.map(\.id) + Set(a.keys).union(b.keys).filter { k in !chain.contains { $0.id == k } }.sorted()
        return order.compactMap { key in
            let rsc = key.components(separatedBy: " on ").first ?? key
            switch (a[key], b[key]) {
            case (let x?, let y?) where x != y: return PlannedChange(kind: .move, resource: rsc, node: x, target: y)
            case (let x?, nil): return PlannedChange(kind: .stop, resource: rsc, node: x)
            case (nil, let y?): return PlannedChange(kind: .start, resource: rsc, node: y)
            default: return nil
            }
        }
    }
}
