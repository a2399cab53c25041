import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopUI

/// The Enter overlay: everything known about one node or resource.
enum Details {
    static func lines(_ target: DetailTarget, _ state: AppState, _ env: ViewEnv) -> [Line] {
        guard let st = state.status else { return [Line("no status yet")] }
        switch target {
        case .node(let name): return node(name, st, state, env)
        case .resource(let id): return resource(id, st, state, env)
        }
    }

    private static func kv(_ k: String, _ v: String, _ env: ViewEnv, _ style: Style? = nil) -> Line {
        Line([Span(k.padded(to: 16), style: env.style(.uiDim)),
              Span(v, style: style ?? env.style(.uiText))])
    }

    private static func node(_ name: String, _ st: ClusterStatus, _ state: AppState, _ env: ViewEnv) -> [Line] {
        guard let n = st.node(named: name) else { return [Line("\(name) is no longer in the cluster status")] }
        var out: [Line] = [
            kv("state", n.state.rawValue, env, View.nodeStyle(n.state, env)),
            kv("type", n.kind.rawValue, env),
            kv("id", n.id ?? "-", env),
            kv("DC", n.isDC ? "yes" : "no", env),
            kv("master", state.digest?.master == n.name ? "yes" : "no", env),
        ]
        if let h = n.health { out.append(kv("health", h.rawValue, env)) }
        let flags = [("standby", n.standby), ("standby on fail", n.standbyOnFail), ("maintenance", n.maintenance),
                     ("pending", n.pending), ("unclean", n.unclean), ("shutdown", n.shutdown)]
            .filter(\.1).map(\.0)
        if !flags.isEmpty { out.append(kv("flags", flags.joined(separator: ", "), env)) }
        var running: [String] = []
        st.forEachPrimitive { r, _ in if r.nodes.contains(n.name) { running.append(r.id) } }
        out.append(kv("running", running.isEmpty ? "nothing" : running.joined(separator: " "), env))
        if let daemons = st.daemons?[n.name] {
            out.append(kv("daemons", daemons.map { "\($0.name) \($0.active)/\($0.enabled)" }.joined(separator: " · ")
                          + (daemons.allSatisfy { $0.active == "unknown" } ? " (no systemd)" : ""), env,
                          daemons.contains { $0.problem(on: n.name) != nil } ? env.style(.warning) : nil))
        }
        if let attrs = st.nodeAttributes.first(where: { $0.node == n.name }), !attrs.attributes.isEmpty {
            out.append(Line(""))
            out.append(Line("Attributes", style: env.style(.uiTitle)))
            for a in attrs.attributes {
                out.append(kv("  " + a.name, a.value + (a.expected.map { " (expected \($0))" } ?? ""), env))
            }
        }
        let counts = st.failCounts().filter { $0.node == n.name }
        if !counts.isEmpty {
            out.append(Line(""))
            out.append(Line("Fail counts", style: env.style(.uiTitle)))
            for c in counts { out.append(kv("  " + c.resource, c.count.description, env, env.style(.resourceFailed))) }
        }
        return out
    }

    private static func resource(_ id: String, _ st: ClusterStatus, _ state: AppState, _ env: ViewEnv) -> [Line] {
        let instances = st.resources.flatMap { $0.flattened() }.filter { $0.id == id }
        guard let r = instances.first else { return [Line("\(id) is no longer in the cluster status")] }
        var out: [Line] = [kv("kind", r.kind.rawValue, env)]
        if let a = r.agent { out.append(kv("agent", a, env)) }
        if let d = r.description { out.append(kv("description", d, env)) }
        if r.kind == .primitive {
            for (i, inst) in instances.enumerated() {
                let label = instances.count > 1 ? "instance \(i + 1)" : "role"
                let where_ = inst.nodes.isEmpty ? "" : " on " + inst.nodes.joined(separator: ", ")
                out.append(kv(label, (inst.role?.description ?? "?") + where_, env))
            }
        } else {
            let prims = r.flattened().filter { $0.kind == .primitive }
            out.append(kv("members", prims.map(\.id).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .joined(separator: " "), env))
        }
        if let t = r.targetRole { out.append(kv("target role", t, env)) }
        let flags = [("managed", r.managed), ("failed", r.failed), ("blocked", r.blocked), ("orphaned", r.orphaned),
                     ("maintenance", r.maintenance), ("failure ignored", r.failureIgnored)]
        out.append(kv("flags", flags.map { "\($0.0) \($0.1 ? "yes" : "no")" }.joined(separator: ", "), env))
        if let l = r.lockedTo { out.append(kv("locked to", l, env)) }
        let cons = st.lingeringConstraints().filter { $0.resource == id }
        for c in cons { out.append(kv("constraint", "\(c.id) (\(c.kind.rawValue) \(c.node ?? "?"))", env, env.style(.warning))) }
        for h in st.history {
            guard let rh = h.resources.first(where: { $0.id == id }) else { continue }
            out.append(Line(""))
            var title = [Span("History on \(h.node)", style: env.style(.uiTitle))]
            if let fc = rh.failCount, !fc.isZero {
                title.append(Span("  fail-count \(fc)", style: env.style(.resourceFailed)))
                if let lf = rh.lastFailure { title.append(Span(" last failure \(View.crmTime(lf, state))", style: env.style(.uiDim))) }
            }
            if let mt = rh.migrationThreshold { title.append(Span("  migration-threshold \(mt)", style: env.style(.uiDim))) }
            out.append(Line(title))
            for op in rh.operations.suffix(8) {
                let interval = op.intervalMs > 0 ? " every \(op.intervalMs / 1000) s" : ""
                let rc = op.rc.map { $0 == 0 ? "ok" : View.ocfMeaning($0) } ?? "?"
                out.append(Line([Span("  #\(op.call.map(String.init) ?? "?") \(op.task)\(interval): ", style: env.style(.uiText)),
                                 Span(rc, style: op.rc == 0 ? env.style(.ok) : env.style(.alert)),
                                 Span(op.lastRCChange.map { "  " + View.crmTime($0, state) } ?? "", style: env.style(.uiDim)),
                                 Span(op.execTimeMs.map { "  \($0) ms" } ?? "", style: env.style(.uiDim))]))
            }
        }
        return out
    }
}
