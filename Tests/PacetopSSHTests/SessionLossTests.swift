import Foundation
import Testing
import PacetopTestSupport
@testable import PacetopSSH

/// A session the server ends between commands is noticed while idle, not at the next exec;
/// a server that is merely silent is not a loss.
@Suite("SSH session lost while idle", .serialized, .enabled(if: TestEnv.sshdAvailable, Comment(rawValue: TestEnv.skipReason)))
struct SessionLossTests {
    /// A connection that ran one command and is now idle, with its losses recorded.
    func idle(_ c: SSHConnection) throws -> LossBox {
        let lost = LossBox()
        c.onIdleLoss { lost.set($0) }
        _ = try c.exec("true", timeout: 10)
        #expect(c.isConnected)
        return lost
    }

    @Test func sessionsKilledOnTheServerAreNoticedWhileIdle() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let server = fixture.server
        // Keepalives every 60 s: only watching the socket can notice the loss in time.
        let c = try connect(server, keys: [fixture.key], alive: 60)
        defer { c.close() }
        let lost = try idle(c)
        server.dropSessions()
        #expect(waitUntil(20) { lost.get() != nil }, "the loss is reported without another exec")
        #expect(!c.isConnected)
        let error = try #require(lost.get())
        // Killed with unread data in its socket, the server's kernel may answer with a reset.
        #expect([.disconnected(host: "127.0.0.1", reason: "the server closed the connection"),
                 .disconnected(host: "127.0.0.1", reason: "the connection was reset")].contains(error), "\(error)")
        // The listener is still there: the next exec reconnects by itself.
        #expect(try c.exec("echo back", timeout: 10).stdoutString == "back\n")
        #expect(server.log.components(separatedBy: "Accepted publickey").count == 3)
    }

    @Test func aStoppedServerIsNoticedWhileIdle() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let server = fixture.server
        let c = try connect(server, keys: [fixture.key], alive: 60)
        defer { c.close() }
        let lost = try idle(c)
        server.stop()
        #expect(waitUntil(20) { lost.get() != nil })
        #expect(!c.isConnected)
        expectSSHError({ _ = try c.exec("true", timeout: 5) }) { $0 == .connectRefused(host: "127.0.0.1", port: server.port) }
    }

    @Test func throughAJumpHostBothEndsAreWatched() throws {
        let keys = try TempDir()
        let key = try makeKey(keys, "id", type: "ed25519")
        let inner = try TestSSHD(address: "127.0.0.2", authorized: [key])
        let outer = try TestSSHD(authorized: [key], extra: "PermitOpen 127.0.0.2:\(inner.port)")
        let kh = keys.file("known_hosts")
        try (outer.knownHostsLines() + inner.knownHostsLines()).write(toFile: kh, atomically: false, encoding: .utf8)
        let jump = SSHEndpoint(name: "jump", host: outer.address, port: outer.port, user: localUser, identityFiles: [key])
        let c = try connect(inner, keys: [key], knownHosts: kh, jumps: [jump], alive: 60)
        defer { c.close() }
        // The target ends the session: its close comes through the tunnel.
        let lost = try idle(c)
        inner.dropSessions()
        #expect(waitUntil(20) { lost.get() != nil })
        #expect(lost.get().map { if case .disconnected(let host, _) = $0 { host == "127.0.0.2" } else { false } } == true,
                "\(String(describing: lost.get()))")
        // The jump host ends its session: the tunnel and everything in it is gone.
        let lost2 = try idle(c)
        outer.dropSessions()
        #expect(waitUntil(20) { lost2.get() != nil })
        #expect(lost2.get().map { if case .disconnected(_, let why) = $0 { why.hasPrefix("jump host jump: ") } else { false } } == true,
                "\(String(describing: lost2.get()))")
        #expect(!c.isConnected)
    }

    @Test func aSilentServerIsNotALoss() throws {
        let fixture = try KeyAndServer("id", type: "ed25519")
        let server = fixture.server
        let c = try connect(server, keys: [fixture.key], alive: 1)
        defer { c.close() }
        let lost = try idle(c)
        server.freeze(true)
        // Several keepalive intervals of silence while idle (an observation period, not a sync).
        let reported = waitUntil(4) { lost.get() != nil || !c.isConnected }
        server.freeze(false)
        #expect(!reported, "silence alone is not a loss: \(String(describing: lost.get()))")
        #expect(try c.exec("echo same", timeout: 10).stdoutString == "same\n")
        #expect(server.log.components(separatedBy: "Accepted publickey").count == 2, "the same session carried on")
        #expect(lost.get() == nil)
    }
}

final class LossBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: SSHError?
    func set(_ e: SSHError) { lock.lock(); if value == nil { value = e }; lock.unlock() }
    func get() -> SSHError? { lock.lock(); defer { lock.unlock() }; return value }
}
