import ArgumentParser
import CBuildInfo
import FoundationEssentials
import Glibc
import PacetopBase
import PacetopApp
import PacetopCore
import PacetopCurses
import PacetopDemo
import PacetopSource
import PacetopUI

@main
struct Pacetop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pacetop",
        abstract: "A live terminal dashboard for Pacemaker/Corosync clusters.",
        discussion: """
            pacetop NODE [NODE...]      watch a cluster over SSH (node 1 first, the others on failure)
            pacetop --demo [failover]   a simulated PortSIP cluster, no cluster needed
            pacetop --xml-file FILE     re-read a crm_mon XML file every poll ('-' reads stdin once)

            --once prints the status as text (or --json) and exits with: 0 ok, 1 degraded,
            2 critical, 3 status unreadable, 4 could not connect, 5 host key refused.
            """,
        version: "pacetop 0.1.0 (commit \(String(cString: pacetop_build_commit())), libssh2 \(SSHInfo.libssh2Version)\(SSHInfo.supportsRSAKeys ? "" : ", no rsa-sha2: use ed25519/ECDSA keys"))")

    @Argument(help: "Cluster nodes to read from, in order of preference (ssh_config aliases work).")
    var nodes: [String] = []

    @Flag(help: "Run on the built-in demo cluster ('--demo failover' stages a master failure every minute).")
    var demo = false

    @Option(name: .customLong("xml-file"), help: "Read crm_mon XML from FILE ('-' for stdin) instead of a cluster.")
    var xmlFile: String?

    @Flag(help: "Print the status once as text and exit with the health code.")
    var once = false

    @Flag(help: "With --once: print the model as JSON.")
    var json = false

    @Option(help: "Seconds between polls (at least 0.5).")
    var interval: Double?

    @Flag(name: .customLong("read-only"), help: "Offer no actions at all.")
    var readOnly = false

    @Option(help: "Theme name or path to a theme file.")
    var theme: String?

    @Flag(name: .customLong("no-color"), help: "No colours (NO_COLOR does the same).")
    var noColor = false

    @Flag(help: "ASCII glyphs even in a UTF-8 locale.")
    var ascii = false

    @Flag(help: "Show times in UTC instead of the local time zone.")
    var utc = false

    @Option(help: "The resource that marks the master (default pbx).")
    var anchor: String?

    @Option(help: "The colocated chain, comma-separated, in start order.")
    var chain: String?

    @Option(help: "Config file (default $XDG_CONFIG_HOME/pacetop/config.toml).")
    var config: String?

    @Option(name: .customLong("audit-log"), help: "Where confirmed actions are logged.")
    var auditLog: String?

    @OptionGroup var ssh: SSHArguments

    /// `pacetop help` and `pacetop version`, alone, do what --help and --version do, instead
    /// of trying to reach a node called "help".
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        main(args == ["help"] ? ["--help"] : args == ["version"] ? ["--version"] : nil)
    }

    func validate() throws {
        if demo && xmlFile != nil { throw ValidationError("--demo and --xml-file exclude each other") }
        if (demo && nodes.count > 1) || (demo && nodes.count == 1 && nodes[0] != "failover" && nodes[0] != "steady") {
            throw ValidationError("--demo takes at most one scenario: 'failover' or 'steady'")
        }
        if (demo || xmlFile != nil) && !nodes.isEmpty && !demo {
            throw ValidationError("--xml-file does not take nodes")
        }
        if let interval { try Numbers.seconds(interval, "--interval", Numbers.intervalRange) }
        if let t = ssh.connectTimeout { try Numbers.seconds(t, "--connect-timeout", Numbers.timeoutRange) }
        if let p = ssh.port { try Numbers.port(p, "--port") }
        try ssh.validateOptions()
        if json && !once { throw ValidationError("--json goes with --once") }
        if let anchor { do { try Validate.resource(anchor) } catch { throw ValidationError(error.description) } }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let file: ConfigFile
        do {
            // `--config /dev/null`: no config at all.
            file = config == "/dev/null" ? ConfigFile()
                : try ConfigFile.load(path: config ?? ConfigFile.standardPath(environment: env), mustExist: config != nil)
        } catch {
            throw fail("config: \(error)", code: 64)
        }
        var layout = MasterLayout.portSIP
        if let a = anchor ?? file.anchor { layout.anchor = a }
        if let c = chain.map({ $0.split(separator: ",").map { $0.trimmingWhitespace() } }) ?? file.chain {
            layout.chain = c
        }
        let interval = self.interval ?? file.interval ?? 2
        do { try Numbers.seconds(interval, "interval", Numbers.intervalRange) } catch let e as ValidationError {
            throw fail("config: \(e.message)", code: 64)
        }
        let sudo = ssh.sudo || (file.sudo ?? false)
        let source = try makeSource(file: file, interval: interval, sudo: sudo)


        if once { return try runOnce(source, layout: layout, utc: utc || (file.utc ?? false)) }

        let themes = ThemeLoader.standard(environment: env)
        let themeName = theme ?? file.theme ?? ThemeLoader.builtinName
        let loaded: Theme
        do { loaded = try themes.load(themeName) } catch { throw fail("theme: \(error)", code: 64) }
        var appConfig = AppConfig(
            layout: layout, interval: interval, readOnly: readOnly || (file.readOnly ?? false),
            sourceLabel: source.label, isDemo: source.isDemo, canPerformActions: source.canPerformActions,
            remote: source.remote, keyMap: KeyMap.standard.remapped(file.keys),
            user: env["USER"] ?? env["LOGNAME"] ?? "unknown")
        appConfig.utc = utc || (file.utc ?? false)
        appConfig.statusIsCurrent = source.statusIsCurrent
        appConfig.alerts = AlertSettings(bell: file.bell ?? false, onEvent: file.onEvent)
        var state = AppState(config: appConfig, themeNames: themes.availableThemes(), themeName: loaded.name)
        if loaded.isBuiltIn {
            state.message = StatusMessage(text: "no theme files found: using the built-in theme", level: .degraded, at: state.now)
        }
        // What stderr said before the screen took over stays readable in the timeline.
        for w in (source as? SSHClusterSource)?.warnings ?? [] {
            state.timeline.append(TimelineEntry(time: state.now, text: "warning: \(w)", severity: .degraded))
        }
        // Keys come from the terminal even when stdin is a pipe (`--xml-file -`).
        var input: Int32 = 0
        if isatty(0) == 0 {
            input = open("/dev/tty", O_RDWR | O_CLOEXEC)
            guard input >= 0, isatty(1) != 0 else {
                throw fail("the live screen needs a terminal; use --once (and --json) in scripts", code: 64)
            }
        }
        let runner = Runner(source: source, state: state, themes: themes, theme: loaded,
                            audit: AuditLog(path: auditLog ?? file.auditLog ?? AuditLog.standardPath(environment: env)),
                            terminal: CursesTerminal(options: CursesTerminal.Options(
                                noColor: noColor, forceASCII: ascii, environment: env, inputFD: input)))
        // Curses is given back on crashes; SIGINT, SIGTERM and SIGHUP go to the app (the runner
        // routes them through its wake-up pipe), so quitting always takes one path.
        CursesTerminal.installRestoreHandlers(interrupts: false)
        let reason: QuitReason
        do { reason = try runner.run() } catch { throw fail("terminal: \(error)", code: 1) }
        if reason != .user { throw ExitCode(reason.exitCode) }
    }

    private func runOnce(_ source: ClusterSource, layout: MasterLayout, utc: Bool) throws {
        let outcome = source.poll()
        source.close()
        for k in (source as? SSHClusterSource)?.acceptedHostKeys ?? [] {
            writeStandardError("pacetop: \(k)\n")
        }
        let report = JSONReport(outcome: outcome, source: source.label, layout: layout)
        if json {
            var bytes = report.encodedBytes()
            bytes.append(0x0A)
            writeAll(bytes, to: 1)
        } else {
            var state = AppState(config: AppConfig(layout: layout, sourceLabel: source.label, isDemo: source.isDemo,
                                                   canPerformActions: false),
                                 now: outcome.at)
            state.config.utc = utc
            state.config.statusIsCurrent = source.statusIsCurrent
            _ = App.update(&state, .polled(outcome))
            if let error = report.error {
                writeStandardError("pacetop: \(SafeText.strip(error.message))\n")
            } else {
                print(SafeText.strip(OnceReport.text(state, width: onceWidth(), glyphs: onceGlyphs())), terminator: "")
            }
        }
        // Exit here rather than unwinding: freeing the parsed document and the report's
        // buffers one by one costs more than the output itself on a large cluster.
        fflush(nil)
        Glibc.exit(report.exitCode.rawValue)
    }

    /// Like `top -b`: whole lines into a pipe or file unless COLUMNS says otherwise; on a
    /// terminal, its width.
    private func onceWidth() -> Int? {
        if let columns = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? ""), columns > 0 { return max(60, columns) }
        guard isatty(1) != 0 else { return nil }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return max(60, Int(size.ws_col)) }
        return 100
    }

    /// ASCII when asked or when the locale is not UTF-8, as on the live screen.
    private func onceGlyphs() -> GlyphSet {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET))).uppercased()
        return ascii || (codeset != "UTF-8" && codeset != "UTF8") ? .ascii : .unicode
    }

    private func makeSource(file: ConfigFile, interval: Double, sudo: Bool) throws -> ClusterSource {
        if demo {
            return DemoSource(scenario: nodes.first == "failover" ? .failover : .steady)
        }
        if let xmlFile {
            return FileSource(path: xmlFile)
        }
        let targets = nodes.isEmpty ? (file.nodes ?? []) : nodes
        guard !targets.isEmpty else {
            throw fail("no cluster given: name the nodes (pacetop NODE...), or try pacetop --demo", code: 64)
        }
        let source: SSHClusterSource
        do {
            source = try ssh.makeSource(nodes: targets, addresses: file.addresses, interval: interval, sudo: sudo)
        } catch let e as SourceError {
            throw fail(e.message, code: OnceExitCode.forFailure(e).rawValue)
        }
        for w in source.warnings { writeStandardError("pacetop: warning: \(w)\n") }
        if !once {
            // Passphrase prompts happen now, before the screen owns the terminal. A refused host
            // key stops here, loudly; an unreachable node is left to the poller's failover.
            writeStandardError("pacetop: connecting to \(targets[0])…\n")
            do { try source.connectFirst() } catch where error.kind == .hostKey {
                throw fail(error.message, code: OnceExitCode.hostKeyRefused.rawValue)
            } catch {
                writeStandardError("pacetop: \(SafeText.strip(error.message)); trying the other nodes\n")
            }
            for k in source.acceptedHostKeys { writeStandardError("pacetop: \(k)\n") }
            source.stopPrompting()
        }
        return source
    }

    private func fail(_ message: String, code: Int32) -> ExitCode {
        writeStandardError("pacetop: \(SafeText.strip(message))\n")
        return ExitCode(code)
    }
}
