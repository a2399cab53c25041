import FoundationEssentials

/// One snapshot of a Pacemaker cluster, as crm_mon reported it.
public struct ClusterStatus: Sendable, Equatable, Codable {
    /// Which document it came from: `pacemaker-result` (2.0.3+) or the legacy `crm_mon` root.
    public var format: DocumentFormat
    /// `api-version` for `pacemaker-result`, `version` for the legacy root.
    public var apiVersion: String
    public var summary: ClusterSummary
    public var nodes: [Node]
    /// The resource tree in crm_mon's order.
    public var resources: [Resource]
    public var nodeAttributes: [NodeAttributes]
    public var history: [NodeHistory]
    public var failures: [FailedAction]
    public var bans: [Ban]
    public var tickets: [Ticket]
    /// Location constraints made by `crm_resource --move/--ban` (`cli-prefer-*`, `cli-ban-*`).
    /// crm_mon never shows `cli-prefer-*`, so a source fills this from the CIB; nil = not known.
    public var cliConstraints: [LocationConstraint]?
    /// The CIB's `cluster-name` property, when a source could read it (crm_mon does not say).
    public var clusterName: String?
    /// Seconds Corosync takes to declare a silent node lost (token + consensus timeouts), when
    /// a source knows its configuration. A failover after a node died started this long before
    /// the cluster noticed.
    public var nodeLossDetectionSeconds: Double?

    public init(format: DocumentFormat = .pacemakerResult, apiVersion: String = "",
                summary: ClusterSummary = ClusterSummary(), nodes: [Node] = [],
                resources: [Resource] = [], nodeAttributes: [NodeAttributes] = [],
                history: [NodeHistory] = [], failures: [FailedAction] = [], bans: [Ban] = [],
                tickets: [Ticket] = [], cliConstraints: [LocationConstraint]? = nil) {
        self.format = format
        self.apiVersion = apiVersion
        self.summary = summary
        self.nodes = nodes
        self.resources = resources
        self.nodeAttributes = nodeAttributes
        self.history = history
        self.failures = failures
        self.bans = bans
        self.tickets = tickets
        self.cliConstraints = cliConstraints
    }
}

public enum DocumentFormat: String, Sendable, Codable {
    case pacemakerResult = "pacemaker-result"
    case legacy = "crm_mon"
}

public struct ClusterSummary: Sendable, Equatable, Codable {
    public var stack: String?
    /// Name of the designated controller; nil when there is none.
    public var dc: String?
    public var dcVersion: String?
    /// Quorum as the DC sees it; nil when there is no DC (then nobody can say).
    public var quorum: Bool?
    public var lastUpdate: String?
    public var lastChange: String?
    public var lastChangeUser: String?
    public var lastChangeClient: String?
    public var lastChangeOrigin: String?
    public var nodesConfigured: Int?
    public var resourcesConfigured: Int?
    public var resourcesDisabled: Int?
    public var resourcesBlocked: Int?
    public var maintenanceMode: Bool
    public var stonithEnabled: Bool?
    public var stopAllResources: Bool
    public var noQuorumPolicy: String?
    public var symmetricCluster: Bool?
    /// `pacemakerd` state when crm_mon reports it (live clusters, 2.1.5+).
    public var pacemakerdState: String?

    public init(stack: String? = nil, dc: String? = nil, dcVersion: String? = nil,
                quorum: Bool? = nil, lastUpdate: String? = nil, lastChange: String? = nil,
                lastChangeUser: String? = nil, lastChangeClient: String? = nil,
                lastChangeOrigin: String? = nil, nodesConfigured: Int? = nil,
                resourcesConfigured: Int? = nil, resourcesDisabled: Int? = nil,
                resourcesBlocked: Int? = nil, maintenanceMode: Bool = false,
                stonithEnabled: Bool? = nil, stopAllResources: Bool = false,
                noQuorumPolicy: String? = nil, symmetricCluster: Bool? = nil,
                pacemakerdState: String? = nil) {
        self.stack = stack
        self.dc = dc
        self.dcVersion = dcVersion
        self.quorum = quorum
        self.lastUpdate = lastUpdate
        self.lastChange = lastChange
        self.lastChangeUser = lastChangeUser
        self.lastChangeClient = lastChangeClient
        self.lastChangeOrigin = lastChangeOrigin
        self.nodesConfigured = nodesConfigured
        self.resourcesConfigured = resourcesConfigured
        self.resourcesDisabled = resourcesDisabled
        self.resourcesBlocked = resourcesBlocked
        self.maintenanceMode = maintenanceMode
        self.stonithEnabled = stonithEnabled
        self.stopAllResources = stopAllResources
        self.noQuorumPolicy = noQuorumPolicy
        self.symmetricCluster = symmetricCluster
        self.pacemakerdState = pacemakerdState
    }
}

public struct Node: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case member, remote, guest, ping, unknown }
    public enum Health: String, Sendable, Codable { case green, yellow, red }

    public var name: String
    public var id: String?
    public var kind: Kind
    public var online: Bool
    public var standby: Bool
    public var standbyOnFail: Bool
    public var maintenance: Bool
    public var pending: Bool
    public var unclean: Bool
    public var shutdown: Bool
    public var expectedUp: Bool
    public var isDC: Bool
    public var resourcesRunning: Int
    public var health: Health?
    /// The container resource of a guest node or bundle replica.
    public var container: String?

    public init(name: String, id: String? = nil, kind: Kind = .member, online: Bool = true,
                standby: Bool = false, standbyOnFail: Bool = false, maintenance: Bool = false,
                pending: Bool = false, unclean: Bool = false, shutdown: Bool = false,
                expectedUp: Bool = true, isDC: Bool = false, resourcesRunning: Int = 0,
                health: Health? = nil, container: String? = nil) {
        self.name = name
        self.id = id
        self.kind = kind
        self.online = online
        self.standby = standby
        self.standbyOnFail = standbyOnFail
        self.maintenance = maintenance
        self.pending = pending
        self.unclean = unclean
        self.shutdown = shutdown
        self.expectedUp = expectedUp
        self.isDC = isDC
        self.resourcesRunning = resourcesRunning
        self.health = health
        self.container = container
    }

    /// The one word the dashboard shows, most severe first.
    public var state: NodeState {
        if unclean { return .unclean }
        if !online { return .offline }
        if pending { return .pending }
        if shutdown { return .shutdown }
        if maintenance { return .maintenance }
        if standby || standbyOnFail { return .standby }
        return .online
    }
}

public enum NodeState: String, Sendable, Codable, CaseIterable {
    case online, standby, maintenance, pending, shutdown, offline, unclean
}

/// Pacemaker roles, with the pre-2.1 names (Master/Slave) folded into the new ones.
public enum ResourceRole: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case started, stopped, promoted, unpromoted
    case starting, stopping, migrating, promoting, demoting
    case unknown(String)

    public init(_ text: String) {
        switch text.lowercased() {
        case "started": self = .started
        case "stopped": self = .stopped
        case "promoted", "master": self = .promoted
        case "unpromoted", "slave": self = .unpromoted
        case "starting": self = .starting
        case "stopping": self = .stopping
        case "migrating": self = .migrating
        case "promoting": self = .promoting
        case "demoting": self = .demoting
        default: self = .unknown(text)
        }
    }

    public var description: String {
        switch self {
        case .started: "Started"
        case .stopped: "Stopped"
        case .promoted: "Promoted"
        case .unpromoted: "Unpromoted"
        case .starting: "Starting"
        case .stopping: "Stopping"
        case .migrating: "Migrating"
        case .promoting: "Promoting"
        case .demoting: "Demoting"
        case .unknown(let s): s
        }
    }

    /// An action is under way.
    public var isPending: Bool {
        switch self {
        case .starting, .stopping, .migrating, .promoting, .demoting: true
        default: false
        }
    }

    /// The resource is up in some form on its node(s).
    public var isActive: Bool {
        switch self {
        case .started, .promoted, .unpromoted, .promoting, .demoting, .migrating: true
        default: false
        }
    }

    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A node of the resource tree: a primitive, or a collection holding children.
public struct Resource: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case primitive, group, clone, promotable, bundle, replica
    }

    public var id: String
    public var kind: Kind
    /// `class:provider:type` for primitives (normalised from the `ocf::p:t` spelling).
    public var agent: String?
    public var role: ResourceRole?
    public var targetRole: String?
    public var active: Bool
    public var orphaned: Bool
    public var blocked: Bool
    public var managed: Bool
    public var failed: Bool
    public var failureIgnored: Bool
    public var maintenance: Bool
    public var disabled: Bool
    /// crm_mon's `pending` attribute (e.g. "Monitoring").
    public var pending: String?
    /// Node a shutdown lock holds the resource to.
    public var lockedTo: String?
    public var description: String?
    /// Where this instance is active: none = stopped, several = multi-active or migrating.
    public var nodes: [String]
    public var children: [Resource]
    public var unique: Bool
    /// Bundle container type and image.
    public var bundleType: String?
    public var image: String?

    public init(id: String, kind: Kind = .primitive, agent: String? = nil, role: ResourceRole? = nil,
                targetRole: String? = nil, active: Bool = false, orphaned: Bool = false,
                blocked: Bool = false, managed: Bool = true, failed: Bool = false,
                failureIgnored: Bool = false, maintenance: Bool = false, disabled: Bool = false,
                pending: String? = nil, lockedTo: String? = nil, description: String? = nil,
                nodes: [String] = [], children: [Resource] = [], unique: Bool = false,
                bundleType: String? = nil, image: String? = nil) {
        self.id = id
        self.kind = kind
        self.agent = agent
        self.role = role
        self.targetRole = targetRole
        self.active = active
        self.orphaned = orphaned
        self.blocked = blocked
        self.managed = managed
        self.failed = failed
        self.failureIgnored = failureIgnored
        self.maintenance = maintenance
        self.disabled = disabled
        self.pending = pending
        self.lockedTo = lockedTo
        self.description = description
        self.nodes = nodes
        self.children = children
        self.unique = unique
        self.bundleType = bundleType
        self.image = image
    }

    /// This resource and all below it, depth first, in crm_mon's order.
    public func flattened() -> [Resource] {
        var out: [Resource] = [self]
        for c in children { out.append(contentsOf: c.flattened()) }
        return out
    }

    /// The configuration says it should be stopped (target-role Stopped or a disabled parent).
    public var meantToBeStopped: Bool {
        disabled || targetRole?.lowercased() == "stopped"
    }
}

public struct NodeAttributes: Sendable, Equatable, Codable {
    public var node: String
    public var attributes: [Attribute]
    public init(node: String, attributes: [Attribute]) {
        self.node = node
        self.attributes = attributes
    }

    public struct Attribute: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public var expected: String?
        public init(name: String, value: String, expected: String? = nil) {
            self.name = name
            self.value = value
            self.expected = expected
        }
    }
}

/// A fail count: a number or INFINITY.
public enum FailCount: Sendable, Equatable, Hashable, Codable, CustomStringConvertible, Comparable {
    case count(Int)
    case infinity

    public init?(_ text: String) {
        let t = text.trimmedWhitespaces
        if t.uppercased() == "INFINITY" || t == "+INFINITY" { self = .infinity; return }
        guard let n = Int(t), n >= 0 else { return nil }
        // Pacemaker caps scores at 1000000, which it prints as INFINITY elsewhere.
        self = n >= 1_000_000 ? .infinity : .count(n)
    }

    public var isZero: Bool { self == .count(0) }

    public var description: String {
        switch self {
        case .count(let n): String(n)
        case .infinity: "INFINITY"
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .count(n); return }
        let s = try c.decode(String.self)
        guard let v = FailCount(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad fail count \(s)")
        }
        self = v
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .count(let n): try c.encode(n)
        case .infinity: try c.encode("INFINITY")
        }
    }

    public static func < (a: FailCount, b: FailCount) -> Bool {
        switch (a, b) {
        case (.count(let x), .count(let y)): x < y
        case (.count, .infinity): true
        default: false
        }
    }
}

public struct NodeHistory: Sendable, Equatable, Codable {
    public var node: String
    public var resources: [ResourceHistory]
    public init(node: String, resources: [ResourceHistory]) {
        self.node = node
        self.resources = resources
    }
}

public struct ResourceHistory: Sendable, Equatable, Codable {
    public var id: String
    public var orphan: Bool
    public var migrationThreshold: String?
    public var failCount: FailCount?
    public var lastFailure: String?
    public var operations: [Operation]
    public init(id: String, orphan: Bool = false, migrationThreshold: String? = nil,
                failCount: FailCount? = nil, lastFailure: String? = nil,
                operations: [Operation] = []) {
        self.id = id
        self.orphan = orphan
        self.migrationThreshold = migrationThreshold
        self.failCount = failCount
        self.lastFailure = lastFailure
        self.operations = operations
    }
}

public struct Operation: Sendable, Equatable, Codable {
    public var call: Int?
    public var task: String
    /// Interval in milliseconds (0 for one-shot operations).
    public var intervalMs: Int
    public var lastRCChange: String?
    public var lastRun: String?
    public var execTimeMs: Int?
    public var queueTimeMs: Int?
    public var rc: Int?
    public var rcText: String?
    public init(call: Int? = nil, task: String, intervalMs: Int = 0, lastRCChange: String? = nil,
                lastRun: String? = nil, execTimeMs: Int? = nil, queueTimeMs: Int? = nil,
                rc: Int? = nil, rcText: String? = nil) {
        self.call = call
        self.task = task
        self.intervalMs = intervalMs
        self.lastRCChange = lastRCChange
        self.lastRun = lastRun
        self.execTimeMs = execTimeMs
        self.queueTimeMs = queueTimeMs
        self.rc = rc
        self.rcText = rcText
    }
}

public struct FailedAction: Sendable, Equatable, Codable {
    /// `rsc_task_interval`, e.g. `pbx_monitor_10000`.
    public var opKey: String
    public var resource: String
    public var task: String?
    public var intervalMs: Int?
    public var node: String
    /// OCF exit code; match on this, not on the text (3.0 renamed the strings).
    public var exitCode: Int
    public var exitStatus: String?
    public var exitReason: String?
    public var call: Int?
    public var status: String?
    public var lastRCChange: String?

    public init(opKey: String, resource: String, task: String? = nil, intervalMs: Int? = nil,
                node: String, exitCode: Int, exitStatus: String? = nil, exitReason: String? = nil,
                call: Int? = nil, status: String? = nil, lastRCChange: String? = nil) {
        self.opKey = opKey
        self.resource = resource
        self.task = task
        self.intervalMs = intervalMs
        self.node = node
        self.exitCode = exitCode
        self.exitStatus = exitStatus
        self.exitReason = exitReason
        self.call = call
        self.status = status
        self.lastRCChange = lastRCChange
    }
}

public struct Ban: Sendable, Equatable, Codable {
    public var id: String
    public var resource: String
    public var node: String
    public var weight: Int?
    public var promotedOnly: Bool
    public init(id: String, resource: String, node: String, weight: Int? = nil,
                promotedOnly: Bool = false) {
        self.id = id
        self.resource = resource
        self.node = node
        self.weight = weight
        self.promotedOnly = promotedOnly
    }
}

public struct Ticket: Sendable, Equatable, Codable {
    public var id: String
    public var granted: Bool?
    public var standby: Bool?
    public var lastGranted: String?
    public init(id: String, granted: Bool? = nil, standby: Bool? = nil, lastGranted: String? = nil) {
        self.id = id
        self.granted = granted
        self.standby = standby
        self.lastGranted = lastGranted
    }
}

/// A location constraint written by `crm_resource --move` (prefer) or `--ban` (ban).
public struct LocationConstraint: Sendable, Equatable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case prefer, ban }
    public var id: String
    public var kind: Kind
    public var resource: String
    public var node: String?
    public var score: String?
    public var role: String?
    /// End of a `--lifetime`, as the CIB's date_expression says it.
    public var expires: String?
    public init(id: String, kind: Kind, resource: String, node: String? = nil,
                score: String? = nil, role: String? = nil, expires: String? = nil) {
        self.id = id
        self.kind = kind
        self.resource = resource
        self.node = node
        self.score = score
        self.role = role
        self.expires = expires
    }
}
