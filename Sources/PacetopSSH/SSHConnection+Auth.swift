import CLibssh2
import FoundationEssentials
import Glibc

// Authentication: ssh-agent, then key files (with passphrases), in OpenSSH order.
extension SSHConnection {
    // MARK: Authentication

    func authenticate(_ hop: Hop) throws(SSHError) {
        let ep = hop.endpoint
        let s = hop.session
        var deadline = ContinuousClock.now + .seconds(target.connectTimeout)
        let phase = "authentication"
        var listPtr: UnsafeMutablePointer<CChar>?
        _ = try drive(&deadline, host: ep.name, phase: phase, seconds: target.connectTimeout) {
            listPtr = ep.user.withCString { libssh2_userauth_list(s, $0, UInt32(strlen($0))) }
            return listPtr == nil ? libssh2_session_last_errno(s) : 0
        }
        if listPtr == nil && libssh2_userauth_authenticated(s) == 1 { return }
        let serverMethods = listPtr.map { String(cString: $0) } ?? ""
        var methodsTried: [String] = []
        var keysTried: [String] = []
        var rsaRefused: [String] = []
        var passphraseError: SSHError?
        guard serverMethods.split(separator: ",").contains("publickey") else {
            throw .authFailed(user: ep.user, host: ep.name, methodsTried: [], keysTried: [], serverMethods: serverMethods)
        }

        // 1. The agent (a forwarded one works the same way).
        let agentPath = auth.agentSocket ?? ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]
        if auth.useAgent, let agentPath, !agentPath.isEmpty, let agent = libssh2_agent_init(s) {
            defer { libssh2_agent_disconnect(agent); libssh2_agent_free(agent) }
            libssh2_agent_set_identity_path(agent, agentPath)
            if libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 {
                methodsTried.append("agent")
                let allowed = ep.identitiesOnly ? Set(ep.identityFiles.compactMap(Self.publicBlob)) : nil
                var prev: UnsafeMutablePointer<libssh2_agent_publickey>?
                var ident: UnsafeMutablePointer<libssh2_agent_publickey>?
                while libssh2_agent_get_identity(agent, &ident, prev) == 0, let id = ident {
                    prev = id
                    let blob = Array(UnsafeBufferPointer(start: id.pointee.blob, count: Int(id.pointee.blob_len)))
                    if let allowed, !allowed.contains(blob) { continue }
                    let type = KeyFile.keyType(blob: blob) ?? "key"
                    let comment = id.pointee.comment.map { String(cString: $0) } ?? ""
                    let rc = try drive(&deadline, host: ep.name, phase: phase, seconds: target.connectTimeout) {
                        ep.user.withCString { libssh2_agent_userauth(agent, $0, id) }
                    }
                    if rc == 0 { return }
                    let label = "agent \(type)" + (comment.isEmpty ? "" : " \(comment)")
                    keysTried.append(label)
                    if type == "ssh-rsa" { rsaRefused.append(label) }
                    try sessionAlive(rc, hop)
                }
            }
        }

        // 2. Identity files, in order; encrypted ones only with a passphrase.
        var triedFile = false
        var tooOpen: SSHError?
        for path in ep.identityFiles {
            if let mode = KeyFile.tooOpenMode(path) {
                if tooOpen == nil { tooOpen = .keyFileTooOpen(key: path, mode: mode) }
                continue
            }
            guard let key = KeyFile.inspect(path) else { continue }
            if !triedFile { methodsTried.append("publickey"); triedFile = true }
            var attempt = 1
            while true {
                var pass: String?
                if key.encrypted {
                    pass = passphrases[path]
                    if pass == nil {
                        // The prompt's time does not count against the connect deadline.
                        let before = ContinuousClock.now
                        pass = auth.passphraseProvider?(path, attempt)
                        deadline += ContinuousClock.now - before
                    }
                    guard pass != nil else {
                        if passphraseError == nil { passphraseError = .passphraseNeeded(key: path) }
                        break
                    }
                }
                let rc = try drive(&deadline, host: ep.name, phase: phase, seconds: target.connectTimeout) {
                    ep.user.withCString { u in
                        // An encrypted key gets no .pub: deriving the public key makes libssh2
                        // decrypt first, so a wrong passphrase is told apart from a refused key.
                        libssh2_userauth_publickey_fromfile_ex(s, u, UInt32(strlen(u)), key.encrypted ? nil : key.publicKeyPath,
                                                               path, pass ?? "")
                    }
                }
                if rc == 0 {
                    if let pass { passphrases[path] = pass }
                    return
                }
                if key.encrypted && rc == LIBSSH2_ERROR_FILE {
                    passphrases[path] = nil
                    attempt += 1
                    if attempt <= 3 && auth.passphraseProvider != nil { continue }
                    passphraseError = .passphraseWrong(key: path)
                    break
                }
                keysTried.append(path)
                if key.type == "ssh-rsa" { rsaRefused.append(path) }
                try sessionAlive(rc, hop)
                break
            }
        }

        if !rsaRefused.isEmpty, rsaRefused.count == keysTried.count, !LibSSH2.supportsRSASHA2 {
            throw .rsaKeyUnsupported(user: ep.user, host: ep.name, keys: rsaRefused, libssh2: LibSSH2.version)
        }
        if let passphraseError, keysTried.isEmpty { throw passphraseError }
        if let tooOpen { throw tooOpen }
        throw .authFailed(user: ep.user, host: ep.name, methodsTried: methodsTried, keysTried: keysTried,
                          serverMethods: serverMethods)
    }

    /// A refused key is normal; a broken socket during auth is not.
    func sessionAlive(_ rc: Int32, _ hop: Hop) throws(SSHError) {
        if rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_DISCONNECT {
            throw .disconnected(host: hop.endpoint.name, reason: lastError(hop.session))
        }
    }

    /// The key blob of `path.pub`, to match agent identities under IdentitiesOnly.
    static func publicBlob(_ path: String) -> [UInt8]? {
        guard let text = try? String(contentsOfFile: path + ".pub", encoding: .utf8) else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        return Data(base64Encoded: String(parts[1])).map(Array.init)
    }

    func lastError(_ s: OpaquePointer) -> String {
        var msg: UnsafeMutablePointer<CChar>?
        var len: Int32 = 0
        let rc = libssh2_session_last_error(s, &msg, &len, 0)
        let text = msg.map { String(cString: $0) } ?? ""
        return text.isEmpty ? "libssh2 error \(rc)" : "\(text) (libssh2 \(rc))"
    }
}
