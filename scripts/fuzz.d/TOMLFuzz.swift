// libFuzzer entry for the TOML 1.0 reader of config and theme files (built by scripts/fuzz
// from PacetopUI's TOML*.swift files alone, as one module). Besides not crashing or hanging,
// every error must point at a line of the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        _ = try TOML.parse(bytes: bytes, file: "fuzz")
    } catch {
        let lines = bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        precondition((1...lines).contains(error.line), "error outside the input: \(error)")
    }
    return 0
}
