import FoundationEssentials
import Glibc
import PacetopCore

/// The demo's versions of the commands `ClusterAction.argv()` builds: same effects on the
/// (simulated) CIB, same exit codes and messages as Pacemaker 2.1.5's tools.
extension DemoCluster {
    private static let user = "root"

    enum Known { case chain(Int), clone }

    func resource(_ id: String) -> Known? {
        if let j = Self.chain.firstIndex(where: { $0.id == id }) { return .chain(j) }
        if id == Self.pingCloneID || id == Self.pingID { return .clone }
        return nil
    }

    /// Starts a command; returns its job id. Commands other than restart finish at once, as
    /// the real ones do (they only write the CIB); a restart waits for the cluster.
    mutating func submit(_ action: ClusterAction, commandLine: String, via: String, at t: Date) -> Int {
        advance(to: t)
        let id = nextJobIDAndBump()
        var job = Job(action: action, commandLine: commandLine, via: via, started: t)
        switch action {
        case .restart(let r): restart(r, job: &job, at: t)
        case .standby(let n): setStandby(n, true, job: &job, at: t)
        case .unstandby(let n): setStandby(n, false, job: &job, at: t)
        case .move(let r, let n): move(r, to: n, job: &job, at: t)
        // The demo shows the expiry but does not act on it: the pin stays until cleared.
        case .moveFor(let r, let n, let m): move(r, to: n, expires: t + Double(m) * 60, job: &job, at: t)
        case .clear(let r, let n): clear(r, on: n, job: &job, at: t)
        case .cleanup(let r, let n): cleanup(r, on: n, job: &job, at: t)
        }
        jobs[id] = job
        checkJobs(at: t)
        return id
    }

    /// A job refused before it ran (bad id, closed source).
    mutating func refuse(_ action: ClusterAction, error: String, via: String, at t: Date) -> Int {
        let id = nextJobIDAndBump()
        var job = Job(action: action, commandLine: "", via: via, started: t)
        job.error = error
        job.finished = t
        jobs[id] = job
        return id
    }

    func outcome(of id: Int) -> ActionOutcome? {
        guard let job = jobs[id], let finished = job.finished else { return nil }
        return ActionOutcome(action: job.action, commandLine: job.commandLine, via: job.via,
                             exitCode: job.exitCode, stdout: job.stdout, stderr: job.stderr,
                             error: job.error, sent: job.error == nil, started: job.started, finished: finished)
    }

    private func finish(_ job: inout Job, _ code: Int32, stderr: String = "", at t: Date) {
        job.exitCode = code
        job.stderr += stderr.isEmpty ? "" : stderr + "\n"
        job.waiting = nil
        job.finished = t
    }

    func notFound(_ r: String) -> String {
        "crm_resource: Resource '\(r)' not found\nError performing operation: No such object"
    }

    // MARK: restart

    private mutating func restart(_ r: String, job: inout Job, at t: Date) {
        let key: String
        let list: [String]
        switch resource(r) {
        case nil:
            return finish(&job, 105, stderr: notFound(r), at: t)
        case .chain(let j):
            key = r
            // The resource and everything ordered after it that runs: they stop and come back.
            list = chain[j].node == nil ? []
                : (j..<chain.count).filter { chain[$0].node != nil }.map { Self.chain[$0].id }
        case .clone:
            // crm_resource lists the clone's active instances by their internal ids.
            key = Self.pingCloneID
            list = (0..<ping.count).map { "\(Self.pingID):\($0)" }
        }
        guard !list.isEmpty else {
            return finish(&job, 105, stderr: "\(r) is not running anywhere and so cannot be restarted", at: t)
        }
        targetStopped.insert(key)
        touch(at: t, user: Self.user, client: "crm_resource", origin: job.via)
        requestPlan(at: t)
        job.stdout = "Set '\(key)' option: id=\(key)-meta_attributes-target-role set=\(key)-meta_attributes "
            + "name=target-role value=stopped\n"
            + "Waiting for \(list.count) resources to stop:\n" + list.map { " * \($0)\n" }.joined()
        job.waiting = Waiting(resource: key, list: list, phase: .stopping,
                              nextCheck: t + scaled(Self.restartPollInterval),
                              deadline: t + scaled(Self.restartTimeout))
    }

    private func isStopped(_ id: String) -> Bool {
        if id.hasPrefix(Self.pingID + ":") { return ping.isEmpty }
        guard let j = Self.chain.firstIndex(where: { $0.id == id }) else { return true }
        return chain[j].node == nil
    }

    private func isStarted(_ id: String) -> Bool {
        if id.hasPrefix(Self.pingID + ":") {
            let wanted = nodes.filter { $0.online && !$0.unclean && !$0.standby }
            return !wanted.isEmpty && wanted.allSatisfy { ping[$0.name] == .started }
        }
        guard let j = Self.chain.firstIndex(where: { $0.id == id }) else { return false }
        return chain[j].phase == .started
    }

    /// Moves waiting restarts along: like crm_resource, they look at the cluster every 2 s.
    mutating func checkJobs(at t: Date) {
        for id in jobs.keys.sorted() {
            guard var job = jobs[id], var w = job.waiting, w.nextCheck <= t else { continue }
            let poll = scaled(Self.restartPollInterval)
            switch w.phase {
            case .stopping:
                if w.list.allSatisfy(isStopped) {
                    targetStopped.remove(w.resource)
                    touch(at: t, user: Self.user, client: "crm_resource", origin: job.via)
                    requestPlan(at: t)
                    job.stdout += "Deleted '\(w.resource)' option: id=\(w.resource)-meta_attributes-target-role "
                        + "name=target-role\n"
                        + "Waiting for \(w.list.count) resources to start again:\n"
                        + w.list.map { " * \($0)\n" }.joined()
                    w.phase = .starting
                    w.deadline = t + scaled(Self.restartTimeout)
                    w.nextCheck = t + poll
                    job.waiting = w
                } else if t >= w.deadline {
                    // crm_resource puts the target-role back before it gives up.
                    targetStopped.remove(w.resource)
                    touch(at: t, user: Self.user, client: "crm_resource", origin: job.via)
                    requestPlan(at: t)
                    let left = w.list.filter { !isStopped($0) }
                    job.stdout += left.map { " * \($0)\n" }.joined()
                    finish(&job, 124, stderr: "Could not complete shutdown of \(w.resource), "
                           + "\(left.count) resources remaining", at: t)
                } else {
                    job.waiting?.nextCheck = t + poll
                }
            case .starting:
                if w.list.allSatisfy(isStarted) {
                    finish(&job, 0, at: t)
                } else if t >= w.deadline {
                    let left = w.list.filter { !isStarted($0) }
                    job.stdout += left.map { " * \($0)\n" }.joined()
                    finish(&job, 124, stderr: "Could not complete restart of \(w.resource), "
                           + "\(left.count) resources remaining", at: t)
                } else {
                    job.waiting?.nextCheck = t + poll
                }
            }
            jobs[id] = job
        }
    }

    // MARK: standby

    private mutating func setStandby(_ n: String, _ on: Bool, job: inout Job, at t: Date) {
        guard let i = nodeIndex(n) else {
            return finish(&job, 105, stderr: "Could not map name=\(n) to a UUID", at: t)
        }
        if nodes[i].standby != on {
            nodes[i].standby = on
            touch(at: t, user: Self.user, client: "crm_attribute", origin: job.via)
            requestPlan(at: t)
        }
        finish(&job, 0, at: t)
    }

    // MARK: move / clear

    private mutating func move(_ r: String, to n: String, expires: Date? = nil, job: inout Job, at t: Date) {
        guard let known = resource(r) else { return finish(&job, 105, stderr: notFound(r), at: t) }
        guard nodeIndex(n) != nil else {
            return finish(&job, 105, stderr: "crm_resource: Node '\(n)' not found\nError performing operation: No such object", at: t)
        }
        // A clone active in several places has no single "current" node: the prefer is just
        // written (and changes nothing here, its instances run everywhere anyway).
        if case .chain(let j) = known, chain[j].node == n {
            return finish(&job, 108, stderr: "crm_resource: Error performing operation: Requested item already exists", at: t)
        }
        // --move drops the resource's old cli-prefer and any ban on the target, then prefers it.
        constraints.removeAll { c in
            c.resource == r && (c.kind == .prefer || c.node == n)
        }
        constraints.append(LocationConstraint(id: "cli-prefer-\(r)", kind: .prefer, resource: r, node: n,
                                              score: "INFINITY", role: "Started",
                                              expires: expires.map { $0.formatted(.iso8601) }))
        touch(at: t, user: Self.user, client: "crm_resource", origin: job.via)
        requestPlan(at: t)
        finish(&job, 0, at: t)
    }

    /// A `crm_resource --ban`: the demo has no ban action, but tests and scenarios use this to
    /// show how bans look.
    mutating func ban(_ r: String, on n: String, at t: Date) {
        let id = "cli-ban-\(r)-on-\(n)"
        guard resource(r) != nil, nodeIndex(n) != nil, !constraints.contains(where: { $0.id == id }) else { return }
        constraints.append(LocationConstraint(id: id, kind: .ban, resource: r, node: n,
                                              score: "-INFINITY", role: "Started"))
        touch(at: t, user: Self.user, client: "crm_resource", origin: Self.nodeNames[0])
        requestPlan(at: t)
    }

    private mutating func clear(_ r: String, on n: String?, job: inout Job, at t: Date) {
        guard resource(r) != nil else { return finish(&job, 105, stderr: notFound(r), at: t) }
        if let n, nodeIndex(n) == nil {
            return finish(&job, 105, stderr: "crm_resource: Node '\(n)' not found\nError performing operation: No such object", at: t)
        }
        // With -N only that node's ban goes, plus a prefer for that node.
        let gone = constraints.filter { c in c.resource == r && (n == nil || c.node == n) }
        guard !gone.isEmpty else { return finish(&job, 0, at: t) }
        constraints.removeAll { c in gone.contains(c) }
        job.stdout = gone.map { "Removing constraint: \($0.id)\n" }.joined()
        touch(at: t, user: Self.user, client: "crm_resource", origin: job.via)
        requestPlan(at: t)
        finish(&job, 0, at: t)
    }

    // MARK: cleanup

    private mutating func cleanup(_ r: String, on n: String?, job: inout Job, at t: Date) {
        guard let known = resource(r) else { return finish(&job, 105, stderr: notFound(r), at: t) }
        if let n, nodeIndex(n) == nil {
            return finish(&job, 105, stderr: "crm_resource: Node '\(n)' not found\nError performing operation: No such object", at: t)
        }
        let rid: String
        switch known {
        case .chain(let j): rid = Self.chain[j].id
        case .clone: rid = Self.pingID
        }
        // Like crm_resource: every online node (the controller of an offline one cannot answer).
        let targets = n.map { [$0] } ?? nodes.filter(\.online).map(\.name)
        var cleaned = 0
        for node in targets {
            guard let ni = nodeIndex(node), var h = history[node]?[rid],
                  h.failCount > 0 || h.lastFailure != nil else { continue }
            cleaned += 1
            let running: Bool
            switch known {
            case .chain(let j):
                running = chain[j].node == node && chain[j].phase == .started
                if running { chain[j].failed = false }
            case .clone:
                running = ping[node] == .started
            }
            // The history is wiped and the resource re-probed: found running, it gets a new
            // recurring monitor; found stopped, the probe result ("not running") is not shown.
            h = History()
            if running {
                let interval: Int
                let exec: Int
                if case .chain(let j) = known {
                    interval = Self.chain[j].monitorIntervalMs
                    exec = Self.chain[j].monitorExecMs
                } else {
                    interval = Self.pingMonitorMs
                    exec = Self.pingMonitorExecMs
                }
                h.last = record(node: ni, task: "probe", interval: 0, rc: 0, at: t, exec: exec)
                h.monitor = record(node: ni, task: "monitor", interval: interval, rc: 0, at: t, exec: exec)
            }
            history[node]?[rid] = h.isEmpty ? nil : h
        }
        job.stdout = targets.map { "Cleaned up \(r) on \($0)\n" }.joined()
        // One controller request (and reply) per node whose failed history was erased.
        if cleaned > 0 {
            job.stdout += "Waiting for \(cleaned) \(cleaned == 1 ? "reply" : "replies") from the controller\n"
                + Array(repeating: "... got reply\n", count: cleaned - 1).joined()
                + "... got reply (done)\n"
        }
        if cleaned > 0 {
            touch(at: t, user: Self.user, client: "crm_resource", origin: job.via)
            requestPlan(at: t)
        }
        finish(&job, 0, at: t)
    }
}
