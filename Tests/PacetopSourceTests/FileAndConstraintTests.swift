import Foundation
import PacetopCore
import Testing
import PacetopTestSupport
@testable import PacetopSource

@Suite("FileSource and constraint parsing")
struct FileAndConstraintTests {
    @Test func cliConstraintsFromCibadminOutput() throws {
        let c = try CIBConfiguration.parse(Data(constraintsXML.utf8)).cliConstraints
        #expect(c == [
            LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx", node: "node2", score: "INFINITY", role: "Started"),
            LocationConstraint(id: "cli-ban-vip-on-node1", kind: .ban, resource: "vip", node: "node1", score: "-INFINITY", role: "Started"),
            LocationConstraint(id: "cli-prefer-ebs", kind: .prefer, resource: "ebs", node: "node3", score: "INFINITY", role: "Started",
                               expires: "2026-11-25 06:00:00 +00:00"),
            LocationConstraint(id: "cli-ban-a&b-on-n", kind: .ban, resource: "ab", node: "n", score: "-INFINITY"),
        ])
        #expect(try CIBConfiguration.parse(Data("<constraints/>".utf8)).cliConstraints.isEmpty)
        #expect(throws: CrmMonError.self) { try CIBConfiguration.parse(Data("<constraints".utf8)) }
        let cib = try CIBConfiguration.parse(Data("""
            <configuration><crm_config><cluster_property_set id="o">
            <nvpair id="o-name" name="cluster-name" value="portsip-lab"/></cluster_property_set></crm_config>
            <constraints/></configuration>
            """.utf8))
        #expect(cib == CIBConfiguration(cliConstraints: [], clusterName: "portsip-lab"))
    }

    @Test func fileSourceRereadsTheFileEveryPoll() throws {
        let dir = try TempDir()
        let path = dir.file("status.xml")
        try statusXML(dc: "node1").write(toFile: path, atomically: true, encoding: .utf8)
        let source = FileSource(path: path)
        #expect(!source.canPerformActions)
        #expect(source.label == "file \(path)")
        let first = source.poll()
        #expect(first.via == path)
        #expect(try first.result.get().summary.dc == "node1")
        try statusXML(dc: "node2").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try source.poll().result.get().summary.dc == "node2")

        try "<html/>".write(toFile: path, atomically: true, encoding: .utf8)
        guard case .failure(let e) = source.poll().result else { Issue.record("expected a parse error"); return }
        #expect(e.kind == .parse)
        #expect(e.message.contains("not crm_mon output"))

        let missing = FileSource(path: dir.file("nope.xml")).poll()
        guard case .failure(let m) = missing.result else { Issue.record("expected a file error"); return }
        #expect(m.kind == .file)
        #expect(m.message.hasPrefix("cannot read \(dir.file("nope.xml"))"))

        let outcome = source.perform(try PreparedAction(.restart(resource: "pbx"), remote: source.remote, node: "x"))
        #expect(!outcome.sent)
        #expect(outcome.error?.contains("not a cluster") == true)
        #expect(outcome.commandLine.hasSuffix("crm_resource --restart -r pbx --timeout 120s"))
    }

    @Test func onceExitCodes() {
        #expect(OnceExitCode.forFailure(SourceError(.hostKey, "")) == .hostKeyRefused)
        #expect(OnceExitCode.forFailure(SourceError(.connect, "")) == .connectFailed)
        #expect(OnceExitCode.forFailure(SourceError(.timeout, "")) == .connectFailed)
        #expect(OnceExitCode.forFailure(SourceError(.parse, "")) == .unreadable)
        #expect(OnceExitCode.forFailure(SourceError(.file, "")) == .unreadable)
    }
}

@Test func libssh2VersionIsExported() {
    #expect(SSHInfo.libssh2Version.split(separator: ".").count == 3)
    #expect(SSHInfo.supportsRSAKeys == (SSHInfo.libssh2Version.compare("1.11.0", options: .numeric) != .orderedAscending))
}
