#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials

// Path and file helpers that Foundation has and FoundationEssentials lacks.

/// `(path as NSString).deletingLastPathComponent`: "/a/b" → "/a", "/a" → "/", "a" → "".
public func parentDirectory(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p.removeLast() }
    guard let slash = p.lastIndex(of: "/") else { return "" }
    if slash == p.startIndex { return "/" }
    var parent = p[..<slash]
    while parent.count > 1, parent.hasSuffix("/") { parent.removeLast() }
    return String(parent)
}

/// `(dir as NSString).appendingPathComponent(name)`: one slash between them.
public func appendingPathComponent(_ name: String, to dir: String) -> String {
    if dir.isEmpty { return name }
    return dir.hasSuffix("/") ? dir + name : dir + "/" + name
}

/// `NSHomeDirectory()`: $HOME, else the password database, else "/".
public func homeDirectory() -> String {
    if let h = getenv("HOME"), h.pointee != 0 { return String(cString: h) }
    if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
    return "/"
}

/// Writes `text` to standard error, unbuffered (FileHandle.standardError without Foundation).
public func writeStandardError(_ text: String) {
    writeAll(Array(text.utf8), to: 2)
}

/// Writes all of `bytes` to `fd` (FileHandle.write without Foundation); gives up on an error.
public func writeAll(_ bytes: [UInt8], to fd: Int32) {
    var rest = bytes[...]
    while !rest.isEmpty {
        let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        rest = rest.dropFirst(n)
    }
}

/// Reads `fd` to its end (FileHandle.readDataToEndOfFile without Foundation).
public func readToEnd(fd: Int32) -> Data {
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return data }
        data.append(contentsOf: chunk[..<n])
    }
}

/// A short reason for a file error, for messages ("No such file or directory"): Foundation's
/// `localizedDescription` is not in FoundationEssentials, whose errors print as structs.
public func errorMessage(_ error: any Error) -> String {
    var e: any Error = error
    if let cocoa = e as? CocoaError, let underlying = cocoa.underlying { e = underlying }
    if let posix = e as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    if let cocoa = e as? CocoaError {
        switch cocoa.code {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "No such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
        default: return "file error \(cocoa.code.rawValue)"
        }
    }
    return "\(error)"
}
