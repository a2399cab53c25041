import FoundationEssentials
import Glibc
import PacetopBase
import PacetopCore

/// Reads a crm_mon XML file at every poll, so pacetop can watch a file another process
/// rewrites (`crm_mon --output-as=xml > status.xml` in a loop). `-` reads stdin, once.
public final class FileSource: ClusterSource, @unchecked Sendable {
    public let path: String
    private let lock = Lock()
    private var stdinData: Data?
    /// The last bytes parsed and their result: an unchanged file is not parsed again.
    private var last: (data: Data, result: Result<ClusterStatus, SourceError>)?

    public init(path: String) {
        self.path = path
    }

    public var label: String { path == "-" ? "file (stdin)" : "file \(path)" }
    public var isDemo: Bool { false }
    public var canPerformActions: Bool { false }
    public var statusIsCurrent: Bool { false }

    public func poll() -> PollOutcome {
        let via = path == "-" ? "stdin" : path
        let data: Data
        do {
            data = try read()
        } catch {
            return PollOutcome(result: .failure(SourceError(.file, "cannot read \(via): \(Self.reason(path))")), via: via)
        }
        if let last = lock.withLock({ last }), last.data == data {
            return PollOutcome(result: last.result, via: via)
        }
        let result: Result<ClusterStatus, SourceError>
        do {
            result = .success(try CrmMonParser.parse(data))
        } catch {
            result = .failure(SourceError(.parse, "\(via): \(error.description)"))
        }
        lock.withLock { last = (data, result) }
        return PollOutcome(result: result, via: via)
    }

    /// Why `path` cannot be read, in the words `cat` would use (Foundation's own message is
    /// "The operation could not be completed (NSCocoaErrorDomain error 256.)").
    static func reason(_ path: String) -> String {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory { return "is a directory" }
        guard let file = fopen(path, "r") else { return String(cString: strerror(errno)).lowercased() }
        fclose(file)
        return "read error"
    }

    private func read() throws -> Data {
        guard path == "-" else { return try Data(contentsOf: URL(fileURLWithPath: path)) }
        lock.lock(); defer { lock.unlock() }
        if let stdinData { return stdinData }
        let d = readToEnd(fd: 0)
        stdinData = d
        return d
    }

    public var remote: RemoteCommand { RemoteCommand() }

    public func perform(_ command: PreparedAction) -> ActionOutcome {
        .notSent(command, via: label, because: "this is a file, not a cluster: actions need an SSH connection")
    }

    public func close() {}
}
