import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore
import PacetopUI

// The words and styles every part of the screen shares.
extension View {
    // MARK: Words and styles

    static func healthWord(_ l: HealthVerdict.Level) -> String {
        switch l {
        case .ok: "OK"
        case .degraded: "DEGRADED"
        case .critical: "CRITICAL"
        }
    }

    static func healthStyle(_ l: HealthVerdict.Level, _ env: ViewEnv) -> Style {
        switch l {
        case .ok: env.style(.healthOK)
        case .degraded: env.style(.healthDegraded)
        case .critical: env.style(.healthCritical)
        }
    }

    static func nodeStyle(_ s: NodeState, _ env: ViewEnv) -> Style {
        switch s {
        case .online: env.style(.nodeOnline)
        case .standby: env.style(.nodeStandby)
        case .maintenance: env.style(.nodeMaintenance)
        case .pending, .shutdown: env.style(.nodePending)
        case .offline: env.style(.nodeOffline)
        case .unclean: env.style(.nodeUnclean)
        }
    }

    /// OCF exit codes in words; the number is always shown too.
    static func ocfMeaning(_ rc: Int) -> String {
        let word: String = switch rc {
        case 0: "ok"
        case 1: "generic error"
        case 2: "invalid argument"
        case 3: "unimplemented"
        case 4: "insufficient privileges"
        case 5: "not installed"
        case 6: "not configured"
        case 7: "not running"
        case 8: "running (promoted)"
        case 9: "failed (promoted)"
        case 190: "degraded"
        case 191: "degraded (promoted)"
        default: "error"
        }
        return "\(word) (rc \(rc))"
    }

    /// Time of day, HH:MM:SS, in the one zone the whole screen uses (local unless `--utc`).
    static func clock(_ d: Date, utc: Bool) -> String {
        let parts = fields(d, utc: utc)
        return cFormat("%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// A date and time, YYYY-MM-DD HH:MM:SS, in the screen's zone.
    static func stamp(_ d: Date, utc: Bool) -> String {
        let parts = fields(d, utc: utc)
        return cFormat("%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// A time crm_mon wrote, in the screen's format and zone. Zone-less times are the node's
    /// clock: read in the node's zone when the poll told it (`AppState.nodeUTCOffset`), else in
    /// this machine's. Text that is no time crm_mon writes is shown as it is.
    static func crmTime(_ text: String, _ state: AppState) -> String {
        guard let date = CrmTime.date(text, nodeOffset: state.nodeUTCOffset) else { return text }
        return stamp(date, utc: state.config.utc)
    }

    /// The zone every time on screen is in, named once in the header.
    static func zoneName(utc: Bool) -> String {
        utc ? "UTC" : (TimeZone.current.abbreviation() ?? TimeZone.current.identifier)
    }

    private static func fields(_ d: Date, utc: Bool) -> tm {
        var t = time_t(d.timeIntervalSince1970)
        var parts = tm()
        if utc { gmtime_r(&t, &parts) } else { localtime_r(&t, &parts) }
        return parts
    }
}
