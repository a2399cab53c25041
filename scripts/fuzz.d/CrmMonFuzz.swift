import Foundation

// libFuzzer entry for the crm_mon and CIB parsers (built by scripts/fuzz together with
// PacetopCore's sources, as one module). Any input must give a model or an error: a crash,
// a hang or an address-sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? CrmMonParser.parse(bytes: bytes)
    _ = try? CIBConfiguration.parse(Data(bytes))
    return 0
}
