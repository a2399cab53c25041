import Foundation

// pacetop-bench [--quick] [parse] [frame] [terminal] [ssh] [scale] [failover] [soak]
// Prints one table per section and a one-line summary. Figures, never assertions: the exit
// status is 0 unless a section could not run at all.

let usage = """
    usage: pacetop-bench [--quick] [section...]
    sections: parse frame terminal ssh scale failover (default: these), soak (only when named: long)
      --quick   fewer iterations; terminal idle-CPU windows of 10 s instead of 60 s; soak 4,320 polls
    """
let allSections = ["parse", "frame", "terminal", "ssh", "scale", "failover", "soak"]
var sections: [String] = []
var quick = false
for a in CommandLine.arguments.dropFirst() {
    switch a {
    case "--quick": quick = true
    case "-h", "--help": print(usage); exit(0)
    case _ where allSections.contains(a): sections.append(a)
    default: FileHandle.standardError.write(Data("pacetop-bench: unknown argument \(a)\n\(usage)\n".utf8)); exit(2)
    }
}
if sections.isEmpty { sections = allSections.filter { $0 != "soak" } }

let root = packageRoot()
let report = Report()
var broken: [String] = []
#if DEBUG
print("warning: debug build; figures are only meaningful with -c release")
#endif
print("pacetop-bench \(quick ? "(quick) " : "")on \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.operatingSystemVersionString)")

do {
    let needsLarge = sections.contains("parse") || sections.contains("frame") || sections.contains("terminal")
    let docs = try Documents.load(root: root, largeOptional: !needsLarge)
    for s in sections {
        do {
            switch s {
            case "parse": runParse(docs, report, quick: quick)
            case "frame": runFrame(docs, report, quick: quick)
            case "terminal": try runTerminal(docs, report, quick: quick)
            case "ssh": try runSSH(docs, report, quick: quick)
            case "scale": try runScale(docs, report, quick: quick)
            case "failover": try runFailover(docs, report, quick: quick)
            case "soak": try runSoak(docs, report, quick: quick)
            default: break
            }
        } catch {
            print("   section \(s) could not run: \(error)")
            broken.append(s)
        }
    }
} catch {
    print("pacetop-bench: \(error)")
    exit(1)
}

let failed = report.failures
let floors = report.rows.filter { $0.row.verdict != .info }.count
var summary = "summary: \(floors - failed.count)/\(floors) floors met"
if !failed.isEmpty { summary += "; below floor: " + failed.map { "\($0.section)/\($0.row.name)" }.joined(separator: ", ") }
if !broken.isEmpty { summary += "; sections not run: " + broken.joined(separator: ", ") }
print("\n" + summary)
exit(broken.isEmpty ? 0 : 1)
