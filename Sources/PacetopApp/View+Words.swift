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

    /// A time crm_mon wrote, in the screen's format: "2026-11-25 04:55:47Z" (UTC) is converted
    /// to the screen's zone; "Wed Nov 25 04:55:46 2026" carries no zone (it is the node's
    /// clock), so it is only put in the same layout.
    static func crmTime(_ text: String, utc: Bool) -> String {
        let words = text.split(separator: " ").map(String.init)
        // "2026-11-25 04:55:47Z"
        if words.count == 2, words[1].hasSuffix("Z") {
            let date = words[0].split(separator: "-").compactMap { Int($0) }
            let time = words[1].dropLast().split(separator: ":").compactMap { Int($0) }
            if date.count == 3, time.count == 3 {
                var parts = tm()
                parts.tm_year = Int32(date[0] - 1900)
                parts.tm_mon = Int32(date[1] - 1)
                parts.tm_mday = Int32(date[2])
                parts.tm_hour = Int32(time[0])
                parts.tm_min = Int32(time[1])
                parts.tm_sec = Int32(time[2])
                return stamp(Date(timeIntervalSince1970: Double(timegm(&parts))), utc: utc)
            }
        }
        // "Wed Nov 25 04:55:46 2026"
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        if words.count == 5, let month = months.firstIndex(of: words[1]), let day = Int(words[2]), Int(words[4]) != nil {
            return words[4] + cFormat("-%02d-%02d ", month + 1, day) + words[3]
        }
        return text
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
