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

    /// Wall-clock time of day in the local time zone, HH:MM:SS.
    static func clock(_ d: Date) -> String {
        var t = time_t(d.timeIntervalSince1970)
        var tmv = tm()
        localtime_r(&t, &tmv)
        return cFormat("%02d:%02d:%02d", tmv.tm_hour, tmv.tm_min, tmv.tm_sec)
    }
}
