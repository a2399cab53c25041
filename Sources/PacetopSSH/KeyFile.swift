import FoundationEssentials
import Glibc
import PacetopBase

/// Just enough of a private key file to decide how to use it: its type (an RSA key needs a
/// special diagnosis on libssh2 < 1.11) and whether it needs a passphrase (only then is the
/// user asked).
struct KeyFile: Equatable {
    var path: String
    /// "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ... or nil if not recognized.
    var type: String?
    var encrypted: Bool
    /// The matching `.pub` file, when present (libssh2 then need not derive it).
    var publicKeyPath: String?

    /// OpenSSH's rule (sshkey_perm_ok): a key file of ours that group or others may access
    /// is ignored. Returns its mode as ssh prints it ("0644"), or nil when the file is fine.
    static func tooOpenMode(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_uid == getuid(), st.st_mode & 0o077 != 0 else { return nil }
        return cFormat("0%03o", Int(st.st_mode & 0o777))
    }

    static func inspect(_ path: String) -> KeyFile? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let pub = path + ".pub"
        var key = KeyFile(path: path, type: nil, encrypted: false,
                          publicKeyPath: FileManager.default.isReadableFile(atPath: pub) ? pub : nil)
        if let pubText = key.publicKeyPath.flatMap({ try? String(contentsOfFile: $0, encoding: .utf8) }) {
            key.type = pubText.split(separator: " ").first.map(String.init)
        }
        if text.contains("BEGIN OPENSSH PRIVATE KEY") {
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            if let blob = Data(base64Encoded: body).map(Array.init) {
                let parsed = parseOpenSSH(blob)
                key.encrypted = parsed.encrypted
                if key.type == nil { key.type = parsed.type }
            }
        } else {
            key.encrypted = text.contains("ENCRYPTED")
            if key.type == nil {
                if text.contains("BEGIN RSA PRIVATE KEY") { key.type = "ssh-rsa" }
                else if text.contains("BEGIN EC PRIVATE KEY") { key.type = "ecdsa-sha2" }
                else if text.contains("BEGIN DSA PRIVATE KEY") { key.type = "ssh-dss" }
            }
        }
        return key
    }

    /// openssh-key-v1: magic, cipher name, kdf name, kdf options, key count, public key blob
    /// (whose first string is the key type).
    static func parseOpenSSH(_ b: [UInt8]) -> (type: String?, encrypted: Bool) {
        let magic = Array("openssh-key-v1\0".utf8)
        guard b.count > magic.count, Array(b[0..<magic.count]) == magic else { return (nil, false) }
        var i = magic.count
        func string() -> [UInt8]? {
            guard i + 4 <= b.count else { return nil }
            let n = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            i += 4
            guard n >= 0, i + n <= b.count else { return nil }
            defer { i += n }
            return Array(b[i..<i + n])
        }
        guard let cipher = string() else { return (nil, false) }
        let encrypted = String(decoding: cipher, as: UTF8.self) != "none"
        guard string() != nil, string() != nil, i + 4 <= b.count else { return (nil, encrypted) }
        i += 4
        guard let pubBlob = string() else { return (nil, encrypted) }
        return (keyType(blob: pubBlob), encrypted)
    }

    /// The type name at the start of an SSH public key blob (also agent identities).
    static func keyType(blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let n = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard n > 0, 4 + n <= blob.count else { return nil }
        return String(decoding: blob[4..<4 + n], as: UTF8.self)
    }
}
