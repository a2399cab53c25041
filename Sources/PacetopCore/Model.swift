import FoundationEssentials

/// One snapshot of a Pacemaker cluster, as crm_mon reported it.
public struct ClusterStatus: Sendable, Equatable, Codable {
    /// Which document it came from: `pacemaker-result` (2.0.3+) or the legacy `crm_mon` root.
    public var format: DocumentFormat
    /// `api-version` for `pacemaker-result`, `version` for the legacy root.
    public var apiVersion: String
    /// The `<summary>` block: DC, quorum, counts and cluster-wide options.
    public var summary: ClusterSummary
    /// Cluster nodes (members, remote, guest), in crm_mon's order.
    public var nodes: [Node]
    /// The resource tree in crm_mon's order.
    public var resources: [Resource]
    /// Per-node transient attributes (`crm_mon -A`), e.g. ping scores.
    public var nodeAttributes: [NodeAttributes]
    /// Per-node operation history: fail counts and recent operations of each resource.
    public var history: [NodeHistory]
    /// Failed resource operations not yet cleaned up (`crm_resource --cleanup` clears them).
    public var failures: [FailedAction]
    /// Negative-score location constraints crm_mon lists, `cli-ban-*` and user-written alike.
    public var bans: [Ban]
    /// Multi-site tickets (booth) and whether this site holds them.
    public var tickets: [Ticket]
    /// Location constraints made by `crm_resource --move/--ban` (`cli-prefer-*`, `cli-ban-*`).
    /// crm_mon never shows `cli-prefer-*`, so a source fills this from the CIB; nil = not known.
    public var cliConstraints: [LocationConstraint]?
    /// The CIB's `cluster-name` property, when a source could read it (crm_mon does not say).
    public var clusterName: String?
    /// Daemon status per node name (SSH sources, checked at a slow interval); nil when unknown.
    public var daemons: [String: [DaemonState]]?
    /// Seconds Corosync takes to declare a silent node lost (token + consensus timeouts), when
    /// a source knows its configuration. A failover after a node died started this long before
    /// the cluster noticed.
    public var nodeLossDetectionSeconds: Double?

    /// A snapshot; parsers and demo clusters fill it in, tests build it field by field.
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

/// Root element of a crm_mon XML document; decides which attribute spellings apply.
public enum DocumentFormat: String, Sendable, Codable {
    case pacemakerResult = "pacemaker-result"
    case legacy = "crm_mon"
}

/// Cluster-wide facts from crm_mon's `<summary>`: DC, quorum, counts, cluster options.
public struct ClusterSummary: Sendable, Equatable, Codable {
    /// Cluster stack, e.g. `corosync`.
    public var stack: String?
    /// Name of the designated controller; nil when there is none.
    public var dc: String?
    /// Pacemaker version the DC runs (with its build hash); nil when crm_mon leaves it empty.
    public var dcVersion: String?
    /// Quorum as the DC sees it; nil when there is no DC (then nobody can say).
    public var quorum: Bool?
    /// When crm_mon produced this output (`last_update@time`), as Pacemaker prints it.
    public var lastUpdate: String?
    /// When the CIB last changed (`last_change@time`).
    public var lastChange: String?
    /// User that made the last CIB change.
    public var lastChangeUser: String?
    /// Tool that made the last CIB change, e.g. `crm_resource` or `cibadmin`.
    public var lastChangeClient: String?
    /// Node on which the last CIB change was made.
    public var lastChangeOrigin: String?
    /// Number of nodes in the configuration (members and remote/guest nodes).
    public var nodesConfigured: Int?
    /// Number of resource instances in the configuration.
    public var resourcesConfigured: Int?
    /// How many configured resource instances are disabled (target-role Stopped).
    public var resourcesDisabled: Int?
    /// How many resource instances are blocked (Pacemaker will not touch them).
    public var resourcesBlocked: Int?
    /// Cluster property `maintenance-mode`: Pacemaker starts, stops and monitors nothing.
    public var maintenanceMode: Bool
    /// Cluster property `stonith-enabled` (`fencing-enabled` in 3.0); nil when not reported.
    public var stonithEnabled: Bool?
    /// Cluster property `stop-all-resources` (2.0.5+): every resource is to be stopped.
    public var stopAllResources: Bool
    /// Cluster property `no-quorum-policy`: what a partition without quorum does (stop, freeze, ignore, ...).
    public var noQuorumPolicy: String?
    /// Cluster property `symmetric-cluster`: resources may run anywhere unless constrained; nil when not reported.
    public var symmetricCluster: Bool?
    /// `pacemakerd` state when crm_mon reports it (live clusters, 2.1.5+).
    public var pacemakerdState: String?

    /// A summary; every field defaults to "not reported" (or false for cluster options).
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

/// A cluster node as crm_mon's `<nodes><node>` describes it.
public struct Node: Sendable, Equatable, Codable {
    /// Corosync member, bare Pacemaker Remote node, guest node (runs in a container resource), ping node.
    public enum Kind: String, Sendable, Codable { case member, remote, guest, ping, unknown }
    /// Node health from the `#health-*` attributes (`node@health`, Pacemaker 2.1.3+).
    public enum Health: String, Sendable, Codable { case green, yellow, red }

    /// Node name as Pacemaker knows it (the uname).
    public var name: String
    /// Cluster node id (Corosync nodeid for members); nil when crm_mon omits it.
    public var id: String?
    /// What kind of node this is; see `Kind`.
    public var kind: Kind
    /// The node is a member of the cluster right now.
    public var online: Bool
    /// Pacemaker's `standby` node attribute: the node runs no resources.
    public var standby: Bool
    /// Standby because a resource with `on-fail=standby` failed here.
    public var standbyOnFail: Bool
    /// Per-node maintenance: Pacemaker leaves this node's resources unmanaged.
    public var maintenance: Bool
    /// The node is joining and not yet a full member.
    public var pending: Bool
    /// The cluster lost contact and cannot tell what it runs: it must be fenced ("UNCLEAN").
    public var unclean: Bool
    /// The node is shutting down.
    public var shutdown: Bool
    /// The cluster expects this node up (false is normal for remote nodes).
    public var expectedUp: Bool
    /// This node is the designated controller (DC), which makes the cluster's decisions.
    public var isDC: Bool
    /// Resource instances active on the node, as crm_mon counts them.
    public var resourcesRunning: Int
    /// Health colour; nil when the version does not report it.
    public var health: Health?
    /// The container resource of a guest node or bundle replica.
    public var container: String?

    /// A node; the defaults describe a healthy online member.
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

/// The single status word per node, from most to least severe: `unclean` outranks everything.
public enum NodeState: String, Sendable, Codable, CaseIterable {
    case online, standby, maintenance, pending, shutdown, offline, unclean
}

/// Pacemaker roles, with the pre-2.1 names (Master/Slave) folded into the new ones.
public enum ResourceRole: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case started, stopped, promoted, unpromoted
    case starting, stopping, migrating, promoting, demoting
    case unknown(String)

    /// Parses a crm_mon `role` value; any case, old or new names; unknown text is kept.
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

    /// The role as Pacemaker 2.1+ spells it (`Promoted`, not `Master`).
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

    /// Decodes the role from its crm_mon spelling.
    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the role as its Pacemaker 2.1+ spelling.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A node of the resource tree: a primitive, or a collection holding children.
public struct Resource: Sendable, Equatable, Codable {
    /// Primitive, or the collection holding children: group, clone, promotable clone, bundle, bundle replica.
    public enum Kind: String, Sendable, Codable {
        case primitive, group, clone, promotable, bundle, replica
    }

    /// Resource id from the CIB; clone instances of unique clones carry `:N`.
    public var id: String
    /// Primitive or which kind of collection; see `Kind`.
    public var kind: Kind
    /// `class:provider:type` for primitives (normalised from the `ocf::p:t` spelling).
    public var agent: String?
    /// Current role of a primitive instance; nil for collections.
    public var role: ResourceRole?
    /// The `target-role` meta attribute as configured, in any case (`stopped`, `Started`...).
    public var targetRole: String?
    /// The resource (or for a collection, any child) is active on some node.
    public var active: Bool
    /// The resource is in the status section but no longer configured (crm_mon's orphaned/removed).
    public var orphaned: Bool
    /// Pacemaker cannot manage it safely (e.g. a failed stop without fencing) and leaves it alone.
    public var blocked: Bool
    /// `is-managed`: false means Pacemaker neither starts, stops nor recovers it.
    public var managed: Bool
    /// A resource operation failed and recovery is needed or under way.
    public var failed: Bool
    /// Failures are ignored (`on-fail=ignore`).
    public var failureIgnored: Bool
    /// Per-resource maintenance: Pacemaker does not touch or monitor it.
    public var maintenance: Bool
    /// The collection is disabled (crm_mon's `disabled`, from target-role Stopped).
    public var disabled: Bool
    /// crm_mon's `pending` attribute (e.g. "Monitoring").
    public var pending: String?
    /// Node a shutdown lock holds the resource to.
    public var lockedTo: String?
    /// Free-text `description` from the CIB (Pacemaker 2.1.6+).
    public var description: String?
    /// Where this instance is active: none = stopped, several = multi-active or migrating.
    public var nodes: [String]
    /// Members of a group, instances of a clone, or replicas of a bundle, in crm_mon's order.
    public var children: [Resource]
    /// The clone or bundle has unique (`globally-unique`) instances, named `id:N`.
    public var unique: Bool
    /// Bundle container type and image.
    public var bundleType: String?
    /// Container image the bundle runs.
    public var image: String?

    /// A resource; the defaults describe a stopped, managed primitive.
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

/// The transient attributes of one node (crm_mon `-A`).
public struct NodeAttributes: Sendable, Equatable, Codable {
    /// Node the attributes belong to.
    public var node: String
    /// Attributes in crm_mon's order.
    public var attributes: [Attribute]
    /// Attributes of one node.
    public init(node: String, attributes: [Attribute]) {
        self.node = node
        self.attributes = attributes
    }

    /// One node attribute, e.g. `pingd` with its value.
    public struct Attribute: Sendable, Equatable, Codable {
        /// Attribute name, e.g. `pingd` or `master-db`.
        public var name: String
        /// Current value as text.
        public var value: String
        /// Value crm_mon expects (e.g. for ping attributes); nil when it does not say.
        public var expected: String?
        /// One attribute value.
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

    /// Parses `3`, `INFINITY` or `+INFINITY`; nil for negative or non-numeric text.
    public init?(_ text: String) {
        let t = text.trimmedWhitespaces
        if t.uppercased() == "INFINITY" || t == "+INFINITY" { self = .infinity; return }
        guard let n = Int(t), n >= 0 else { return nil }
        // Pacemaker caps scores at 1000000, which it prints as INFINITY elsewhere.
        self = n >= 1_000_000 ? .infinity : .count(n)
    }

    /// No failures recorded.
    public var isZero: Bool { self == .count(0) }

    /// The count as crm_mon prints it (`INFINITY` for infinity).
    public var description: String {
        switch self {
        case .count(let n): String(n)
        case .infinity: "INFINITY"
        }
    }

    /// Decodes a number or the `INFINITY` string.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .count(n); return }
        let s = try c.decode(String.self)
        guard let v = FailCount(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad fail count \(s)")
        }
        self = v
    }

    /// Encodes a number, or `"INFINITY"`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .count(let n): try c.encode(n)
        case .infinity: try c.encode("INFINITY")
        }
    }

    /// Orders counts; INFINITY is above every number.
    public static func < (a: FailCount, b: FailCount) -> Bool {
        switch (a, b) {
        case (.count(let x), .count(let y)): x < y
        case (.count, .infinity): true
        default: false
        }
    }
}

/// The resource operation history Pacemaker keeps on one node (`node_history`).
public struct NodeHistory: Sendable, Equatable, Codable {
    /// Node the history was recorded on.
    public var node: String
    /// History per resource on this node.
    public var resources: [ResourceHistory]
    /// History of one node.
    public init(node: String, resources: [ResourceHistory]) {
        self.node = node
        self.resources = resources
    }
}

/// One resource's history on a node: fail count and recorded operations.
public struct ResourceHistory: Sendable, Equatable, Codable {
    /// Resource id (clone instances as `id:N` for unique clones).
    public var id: String
    /// The resource is no longer configured but has history here.
    public var orphan: Bool
    /// `migration-threshold`: failures before the resource moves away (text; may be INFINITY).
    public var migrationThreshold: String?
    /// Failures on this node; moves the resource away when it reaches the migration threshold.
    public var failCount: FailCount?
    /// When the last failure happened, as crm_mon prints it.
    public var lastFailure: String?
    /// Recorded operations, in crm_mon's order.
    public var operations: [Operation]
    /// History of one resource.
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

/// One resource operation recorded in the node history (start, stop, monitor...).
public struct Operation: Sendable, Equatable, Codable {
    /// Call id the executor gave the operation; orders operations on one node.
    public var call: Int?
    /// Operation name: `start`, `stop`, `monitor`, `promote`, `migrate_to`...
    public var task: String
    /// Interval in milliseconds (0 for one-shot operations).
    public var intervalMs: Int
    /// When the result last changed, as crm_mon prints it.
    public var lastRCChange: String?
    /// When the operation last ran.
    public var lastRun: String?
    /// How long the agent took, in milliseconds.
    public var execTimeMs: Int?
    /// How long the operation waited in the executor's queue, in milliseconds.
    public var queueTimeMs: Int?
    /// OCF exit code of the operation (0 = success, 7 = not running, ...).
    public var rc: Int?
    /// Exit code as text; display only (the spelling changed in 3.0).
    public var rcText: String?
    /// One operation.
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

/// A failed resource operation from crm_mon's `<failures>`; it stays until cleaned up.
public struct FailedAction: Sendable, Equatable, Codable {
    /// `rsc_task_interval`, e.g. `pbx_monitor_10000`.
    public var opKey: String
    /// Resource the operation ran on.
    public var resource: String
    /// Operation that failed, e.g. `monitor`; from the op key when crm_mon omits it.
    public var task: String?
    /// Interval of the failed operation in milliseconds (0 = a one-shot operation like start).
    public var intervalMs: Int?
    /// Node the operation failed on.
    public var node: String
    /// OCF exit code; match on this, not on the text (3.0 renamed the strings).
    public var exitCode: Int
    /// Exit status as text; display only (`Error`, `Timed Out`; spelling changed in 3.0).
    public var exitStatus: String?
    /// The agent's explanation (`exitreason`); nil when empty or `none`.
    public var exitReason: String?
    /// Call id of the failed operation.
    public var call: Int?
    /// Operation status as text (`complete`/`Done`, `Timed Out`); display only.
    public var status: String?
    /// When it failed, as crm_mon prints it.
    public var lastRCChange: String?

    /// A failure as crm_mon reports it.
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

/// A location constraint keeping a resource off a node (`<bans>`): a negative score.
public struct Ban: Sendable, Equatable, Codable {
    /// Constraint id, e.g. `cli-ban-pbx-on-node1`; for lifetime bans the rule's id.
    public var id: String
    /// Resource kept away.
    public var resource: String
    /// Node the resource is kept off.
    public var node: String
    /// Constraint score (-1000000 for -INFINITY).
    public var weight: Int?
    /// Applies to the promoted role only (`promoted-only`, older `master_only`).
    public var promotedOnly: Bool
    /// A ban as crm_mon lists it.
    public init(id: String, resource: String, node: String, weight: Int? = nil,
                promotedOnly: Bool = false) {
        self.id = id
        self.resource = resource
        self.node = node
        self.weight = weight
        self.promotedOnly = promotedOnly
    }
}

/// A multi-site ticket (booth): resources depending on it run only while it is granted.
public struct Ticket: Sendable, Equatable, Codable {
    /// Ticket name.
    public var id: String
    /// The ticket is granted to this site; nil when not reported.
    public var granted: Bool?
    /// The ticket is in standby: resources depending on it are stopped; nil when not reported.
    public var standby: Bool?
    /// When the ticket was last granted, as crm_mon prints it.
    public var lastGranted: String?
    /// A ticket as crm_mon lists it.
    public init(id: String, granted: Bool? = nil, standby: Bool? = nil, lastGranted: String? = nil) {
        self.id = id
        self.granted = granted
        self.standby = standby
        self.lastGranted = lastGranted
    }
}

/// A location constraint written by `crm_resource --move` (prefer) or `--ban` (ban).
public struct LocationConstraint: Sendable, Equatable, Hashable, Codable {
    /// Made by `--move` (positive `cli-prefer-*`) or by `--ban` (negative `cli-ban-*`).
    public enum Kind: String, Sendable, Codable { case prefer, ban }
    /// Constraint id, e.g. `cli-prefer-pbx`.
    public var id: String
    /// Prefer or ban; see `Kind`.
    public var kind: Kind
    /// Resource the constraint applies to.
    public var resource: String
    /// Node it names; nil when it uses a rule instead.
    public var node: String?
    /// Score as written in the CIB (`INFINITY`, `-INFINITY`).
    public var score: String?
    /// Role it is limited to (`Promoted` for `--promoted`); nil for any role.
    public var role: String?
    /// End of a `--lifetime`, as the CIB's date_expression says it.
    public var expires: String?
    /// A constraint as read from the CIB.
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
