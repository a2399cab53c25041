import Foundation

// libFuzzer entry for the known_hosts and RevokedHostKeys readers and the host matching
// (built by scripts/fuzz together with PacetopSSH's sources, as one module).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var kh = KnownHosts()
    try? kh.add(bytes: bytes, file: "fuzz")
    var revoked = KnownHosts()
    try? revoked.addRevokedKeys(bytes: bytes, file: "fuzz")
    // Look up a few names, and the input's own first line as a name, against what was read.
    let first = String(decoding: bytes.prefix { $0 != 10 }.prefix(300), as: UTF8.self)
    for name in ["node1", "[10.0.0.1]:2222", first] {
        _ = kh.knownKeyTypes(for: name)
        for e in kh.entries.prefix(8) { _ = kh.verify(name: name, key: e.key) }
    }
    return 0
}
