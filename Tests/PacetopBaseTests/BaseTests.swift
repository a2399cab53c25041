import Foundation
import Testing
import PacetopBase

/// The Foundation replacements must behave like the Foundation calls they replace.
@Suite("Base: Foundation replacements")
struct BaseTests {
    @Test func trimmingMatchesFoundation() {
        for s in ["", "  ", " a b ", "\ta\t", "\n a \n", "x", " \u{00A0}é\u{2003}", "a\r\n"] {
            #expect(s.trimmingWhitespace() == s.trimmingCharacters(in: .whitespaces), "\(s.debugDescription)")
            #expect(s.trimmingWhitespaceAndNewlines() == s.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(s.debugDescription)")
        }
        #expect("k: v ".split(separator: ":")[1].trimmingWhitespace() == "v")
    }

    @Test func paddingMatchesFoundation() {
        for s in ["", "abc", "exactly-sixteen!", "longer than sixteen characters"] {
            #expect(s.padded(to: 16) == s.padding(toLength: 16, withPad: " ", startingAt: 0))
        }
    }

    @Test func cFormatMatchesStringFormat() {
        #expect(cFormat("%.1f", 2.25) == String(format: "%.1f", 2.25))
        #expect(cFormat("%02d:%02d:%02d", Int32(4), Int32(12), Int32(9)) == "04:12:09")
        #expect(cFormat(" (%.1f s to detect)", 0.04) == " (0.0 s to detect)")
        let long = cFormat("%0300d", 7)
        #expect(long.count == 300 && long.hasSuffix("07"))
    }

    @Test func parentDirectoryMatchesNSString() {
        for p in ["/a/b", "/a/b/", "/a", "/", "a/b", "", "/a//b", "~/x/audit.log", "//a"] {
            #expect(parentDirectory(of: p) == (p as NSString).deletingLastPathComponent, "\(p)")
        }
        // Foundation 6.3.1 traps on a single relative component ("a"), so no oracle there.
        #expect(parentDirectory(of: "audit.log") == "")
    }

    @Test func appendingPathComponentMatchesNSString() {
        for (dir, name) in [("/etc/ssh", "known_hosts"), ("/etc/ssh/", "known_hosts"), ("/", "x"), ("a", "b")] {
            #expect(appendingPathComponent(name, to: dir) == (dir as NSString).appendingPathComponent(name), "\(dir) \(name)")
        }
    }

    @Test func homeDirectoryIsNSHomeDirectory() {
        #expect(homeDirectory() == NSHomeDirectory())
    }

    @Test func readToEndReadsAPipeToEOF() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let payload = [UInt8](repeating: 0x41, count: 200_000)
        startThread(name: "writer") { [fds] in
            payload.withUnsafeBytes { var off = 0; while off < $0.count { off += write(fds[1], $0.baseAddress! + off, $0.count - off) } }
            close(fds[1])
        }
        let data = readToEnd(fd: fds[0])
        close(fds[0])
        #expect(data == Data(payload))
    }

    @Test func conditionWakesAWaiterAndTimesOut() {
        let condition = Condition()
        nonisolated(unsafe) var ready = false
        startThread(name: "signaller") {
            condition.withLock { ready = true; condition.signal() }
        }
        let woke = condition.withLock {
            while !ready { if !condition.wait(until: Date().addingTimeInterval(30)) { return false } }
            return true
        }
        #expect(woke)
        // Nothing signals: the wait gives up (false) once the limit has passed.
        let limit = Date().addingTimeInterval(0.05)
        condition.withLock { while condition.wait(until: limit) {} }
        #expect(Date() >= limit)
    }

    @Test func sleepSecondsReturns() {
        let start = Date()
        sleepSeconds(0.01)
        #expect(Date() >= start.addingTimeInterval(0.01))
    }
}

@Suite("Base: error messages")
struct ErrorMessageTests {
    @Test func fileErrorsReadAsTheSystemsReason() throws {
        let missing = "/nonexistent-\(getpid())/x"
        do { _ = try Data(contentsOf: URL(fileURLWithPath: missing)); Issue.record("read a missing file") } catch {
            #expect(errorMessage(error) == "No such file or directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: "/proc/\(missing)", withIntermediateDirectories: true)
            Issue.record("created a directory under /proc")
        } catch {
            #expect(errorMessage(error) == "No such file or directory")
        }
    }

    @Test func otherErrorsReadAsTheirDescription() {
        struct Custom: Error, CustomStringConvertible { var description: String { "custom reason" } }
        #expect(errorMessage(Custom()) == "custom reason")
    }
}
