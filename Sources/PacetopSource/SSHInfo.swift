import PacetopSSH

/// What the app needs from the SSH layer without importing PacetopSSH itself.
public enum SSHInfo {
    /// The libssh2 this binary runs with, for `pacetop --version` ("1.10.0").
    public static var libssh2Version: String { LibSSH2.version }
    /// false on libssh2 < 1.11: RSA user keys cannot log in to OpenSSH 8.8+.
    public static var supportsRSAKeys: Bool { LibSSH2.supportsRSASHA2 }
}

/// (key path, attempt from 1) → passphrase, or nil to skip the key.
public typealias SSHPassphraseProvider = PassphraseProvider
