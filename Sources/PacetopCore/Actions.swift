import FoundationEssentials

/// Something the user can ask the cluster to do. Builds its own argv from validated ids, so no
/// user text is ever glued into a shell line unchecked.
public enum ClusterAction: Sendable, Equatable, Hashable, Codable {
    case restart(resource: String)
    case standby(node: String)
    case unstandby(node: String)
    /// Moves `resource` (the anchor, which drags its colocated chain) to `node`.
    case move(resource: String, node: String)
    /// A move whose constraint expires after `minutes` (`--lifetime PT<minutes>M`).
    case moveFor(resource: String, node: String, minutes: Int)
    /// Removes `cli-prefer-*`/`cli-ban-*` constraints of `resource` (on `node` only, if given).
    case clear(resource: String, node: String?)
    /// Clears fail counts and failed operations of `resource` (on `node` only, if given).
    case cleanup(resource: String, node: String?)

    /// Seconds `crm_resource --restart` may wait per phase before giving up (exit 124).
    public static let restartTimeoutSeconds = 120

    /// The command, as argv, after validating every id that goes into it.
    public func argv() throws(ActionError) -> [String] {
        switch self {
        case .restart(let r):
            try Validate.resource(r)
            return ["crm_resource", "--restart", "-r", r, "--timeout", "\(Self.restartTimeoutSeconds)s"]
        case .standby(let n):
            try Validate.node(n)
            return ["crm_attribute", "--node", n, "--name", "standby", "--update", "on"]
        case .unstandby(let n):
            try Validate.node(n)
            return ["crm_attribute", "--node", n, "--name", "standby", "--update", "off"]
        case .move(let r, let n):
            try Validate.resource(r)
            try Validate.node(n)
            return ["crm_resource", "--move", "-r", r, "-N", n]
        case .moveFor(let r, let n, let minutes):
            try Validate.resource(r)
            try Validate.node(n)
            guard (1...10_080).contains(minutes) else { throw .invalidLifetime(minutes) }
            return ["crm_resource", "--move", "-r", r, "-N", n, "--lifetime", "PT\(minutes)M"]
        case .clear(let r, let n):
            try Validate.resource(r)
            if let n { try Validate.node(n); return ["crm_resource", "--clear", "-r", r, "-N", n] }
            return ["crm_resource", "--clear", "-r", r]
        case .cleanup(let r, let n):
            try Validate.resource(r)
            if let n { try Validate.node(n); return ["crm_resource", "--cleanup", "-r", r, "-N", n] }
            return ["crm_resource", "--cleanup", "-r", r]
        }
    }

    /// Short words for the confirmation pane and the timeline.
    public var title: String {
        switch self {
        case .restart(let r): "Restart \(r)"
        case .standby(let n): "Put \(n) in standby"
        case .unstandby(let n): "Bring \(n) out of standby"
        case .move(let r, let n): "Move \(r) (the master) to \(n)"
        case .moveFor(let r, let n, let m): "Move \(r) (the master) to \(n) for \(m) min"
        case .clear(let r, let n): n.map { "Clear move/ban constraints of \(r) on \($0)" }
            ?? "Clear move/ban constraints of \(r)"
        case .cleanup(let r, let n): n.map { "Clean up failures of \(r) on \($0)" }
            ?? "Clean up failures of \(r)"
        }
    }

    /// What the user should expect to see happen.
    public var expectation: String {
        switch self {
        case .restart(let r):
            "\(r) and everything that depends on it stop, then start again on the same node. "
                + "The command waits until they are back (up to \(Self.restartTimeoutSeconds) s per phase)."
        case .standby(let n):
            "\(n) stops running resources; everything on it moves to another node."
        case .unstandby(let n):
            "\(n) may run resources again; resources move back only if constraints prefer it."
        case .move(let r, let n):
            "\(r) and the resources colocated with it stop and start on \(n). A cli-prefer-\(r) "
                + "constraint stays behind and pins them there until you clear it."
        case .moveFor(let r, let n, let m):
            "\(r) and the resources colocated with it stop and start on \(n). The cli-prefer-\(r) "
                + "constraint pins them there for \(m) minutes, then stops counting (it stays in the CIB, "
                + "expired, until cleared)."
        case .clear(let r, _):
            "The cluster may move \(r) again on its own; nothing moves unless other constraints say so."
        case .cleanup(let r, _):
            "Fail counts and failed actions of \(r) are forgotten, and Pacemaker re-checks its state."
        }
    }

    /// Every action changes the cluster; a restart or move also interrupts service.
    public var interruptsService: Bool {
        switch self {
        case .restart, .standby, .move, .moveFor: true
        case .unstandby, .clear, .cleanup: false
        }
    }
}

/// Why pacetop refused to build a command: an id that is not safe to put on a command line.
public enum ActionError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidResourceID(String)
    case invalidNodeName(String)
    case invalidLifetime(Int)
    case invalidAddress(String)

    /// The refusal as shown to the user, naming the offending id.
    public var description: String {
        switch self {
        case .invalidResourceID(let s): "refusing to act on resource id \(s.debugDescription): not a valid Pacemaker id"
        case .invalidNodeName(let s): "refusing to act on node \(s.debugDescription): not a valid node name"
        case .invalidLifetime(let m): "refusing a move lifetime of \(m) minutes: 1 to 10080 (a week)"
        case .invalidAddress(let s): "refusing to connect to \(s.debugDescription): not a host name or IP address"
        }
    }
}

/// Ids that may go into a command. Deliberately narrower than what XML allows.
public enum Validate {
    /// Pacemaker ids are XML NCNames; we accept the ASCII subset, no leading dash.
    public static func resource(_ s: String) throws(ActionError) {
        guard isID(s, extra: "_.-") else { throw .invalidResourceID(s) }
    }

    /// Host names (letters, digits, '-', '.', '_'), no leading dash.
    public static func node(_ s: String) throws(ActionError) {
        guard isID(s, extra: "_.-") else { throw .invalidNodeName(s) }
    }

    /// A peer address learned from the cluster: a host name as above, or an IPv4/IPv6
    /// literal. Never `user@host`, never anything ssh could read as an option.
    public static func address(_ s: String) throws(ActionError) {
        if isID(s, extra: "_.-") { return }
        let ipv6 = s.contains(":") && s.utf8.count <= 45 && s.unicodeScalars.allSatisfy { c in
            c.properties.isASCIIHexDigit || c == ":" || c == "."
        }
        guard ipv6 else { throw .invalidAddress(s) }
    }

    private static func isID(_ s: String, extra: String) -> Bool {
        guard let first = s.unicodeScalars.first, first != "-", first != ".", s.utf8.count <= 255
        else { return false }
        return s.unicodeScalars.allSatisfy { c in
            c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c)
                || ("0"..."9").contains(c) || extra.unicodeScalars.contains(c))
        }
    }
}

/// POSIX shell quoting, for the one place a command becomes a string: the SSH exec request.
public enum ShellQuote {
    /// One argument, single-quoted unless it is made only of characters the shell leaves alone.
    public static func quote(_ s: String) -> String {
        if !s.isEmpty, s.unicodeScalars.allSatisfy({ c in
            c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c)
                || ("0"..."9").contains(c) || "-_./=:,+@%".unicodeScalars.contains(c))
        }) { return s }
        return "'" + s.replacing("'", with: "'\\''") + "'"
    }

    /// An argv as one shell line, each argument quoted as needed.
    public static func join(_ argv: [String]) -> String {
        argv.map(quote).joined(separator: " ")
    }
}

/// How commands are run on a cluster node: UTC times and the C locale, the tools by absolute
/// path (a non-login exec channel's PATH may lack /usr/sbin), and optionally `sudo -n`.
///
/// No `env` wrapper: `TZ=UTC LC_ALL=C sudo -n /usr/sbin/crm_mon …` sets the variables in the
/// remote shell, and sudo passes TZ and LC_* through its `env_check` list. A sudoers rule can
/// therefore name exactly the commands pacetop runs (README "Least privilege").
public struct RemoteCommand: Sendable, Equatable {
    /// Prefix commands with `sudo -n` (never prompts: a missing sudo rule fails instead of hanging).
    public var sudo: Bool
    /// Where Pacemaker's tools live on every distribution that ships it.
    public static let sbin = "/usr/sbin/"

    /// Wrapping with or without `sudo -n`.
    public init(sudo: Bool = false) { self.sudo = sudo }

    /// The shell words of the command line: variable assignments, sudo, the tool's path, its
    /// arguments (`command[0]` is a Pacemaker tool name such as "crm_resource").
    public func argv(_ command: [String]) -> [String] {
        guard let tool = command.first else { return [] }
        return ["TZ=UTC", "LC_ALL=C"] + (sudo ? ["sudo", "-n"] : []) + [Self.sbin + tool] + command.dropFirst()
    }

    /// `command` wrapped and quoted as the single line an SSH exec request carries.
    public func line(_ command: [String]) -> String { ShellQuote.join(argv(command)) }

    /// crm_mon's XML status. `legacy` is `--as-xml`, for Pacemaker older than 2.0.3, which
    /// rejects `--output-as` (a source switches to it when the modern form is refused).
    public func statusLine(legacy: Bool = false) -> String {
        line(["crm_mon", legacy ? "--as-xml" : "--output-as=xml"])
    }

    /// Corosync's configuration, for how long it takes to notice a dead node. World-readable
    /// on every distribution, so never through sudo.
    public var corosyncConfLine: String { ShellQuote.join(["/bin/cat", "/etc/corosync/corosync.conf"]) }

    /// The move/ban constraints crm_mon does not show (see `CIBConfiguration`). Only the
    /// constraints section: the rest of the configuration holds fence-device passwords.
    public var constraintsLine: String {
        line(["cibadmin", "--query", "--scope", "constraints"])
    }

    /// The cluster's name (the `cluster-name` property), printed alone on a line.
    public var clusterNameLine: String {
        line(["crm_attribute", "--type", "crm_config", "--name", "cluster-name", "--query", "--quiet"])
    }
}
