import Foundation

// libFuzzer entry for the built-in ssh_config reader (built by scripts/fuzz together with
// PacetopSSH's sources, as one module): parse, then evaluate a few host names against it.
// Relative Include paths point nowhere, so the input is the only file read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let config = try? SSHConfig.parse(text, file: "fuzz", includeBase: "/nonexistent/pacetop-fuzz") else { return 0 }
    let first = String(text.prefix { $0 != "\n" }.prefix(200))
    for host in ["node1", "10.0.0.1", first] { _ = try? config.evaluate(host) }
    return 0
}
