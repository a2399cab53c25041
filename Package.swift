// swift-tools-version:6.0
import PackageDescription

// pacetop runs on Linux (it calls Glibc directly); docs/ARCHITECTURE.md explains the modules.
let package = Package(
    name: "pacetop",
    products: [
        .executable(name: "pacetop", targets: ["pacetop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Tests only: the reference TOML reader (toml++) that our own reader is compared with.
        // It imports Foundation, so the shipped binary must not link it (issue 11).
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: System libraries
        // Each with a tiny shim header: macros and global variables do not import into Swift 6,
        // so the shims wrap them (docs/ARCHITECTURE.md, "C shims").
        .systemLibrary(name: "CLibxml2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CLibssh2", pkgConfig: "libssh2",
                       providers: [.apt(["libssh2-1-dev"])]),
        // No pkgConfig: ncursesw.pc carries -D flags SwiftPM rejects with a warning; the shim
        // header defines what is needed instead, and the headers live in /usr/include.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),

        // MARK: Base
        // Locks, threads, paths and string helpers that Foundation has and FoundationEssentials
        // lacks: the shipped modules import only FoundationEssentials, so ICU is not linked.
        .target(name: "PacetopBase"),

        // MARK: Model
        // Cluster model, crm_mon parser, diff, actions, JSON report, the ClusterSource protocol.
        .target(name: "PacetopCore", dependencies: ["CLibxml2", "PacetopBase"]),

        // MARK: Where status comes from
        // libssh2 transport: session, exec, known_hosts, agent/key auth, ssh_config, jump hosts.
        .target(name: "PacetopSSH", dependencies: ["CLibssh2", "PacetopBase"]),
        // The SSH poller with node failover, and the XML file source.
        .target(name: "PacetopSource", dependencies: ["PacetopBase", "PacetopCore", "PacetopSSH"]),
        // The built-in demo cluster: a simulation that renders crm_mon XML (Core only).
        .target(name: "PacetopDemo", dependencies: ["PacetopBase", "PacetopCore"]),

        // MARK: Screen
        // Terminal-independent UI: Cell, Buffer, Rect, widgets, themes, the Terminal protocol,
        // and the TOML 1.0 reader for config and theme files.
        .target(name: "PacetopUI", dependencies: ["PacetopCore"]),
        // The only code that touches curses.
        .target(name: "PacetopCurses", dependencies: ["CNcursesw", "PacetopUI"]),
        // State, Message, update, view, effects and the runner (talks to a Terminal and a
        // ClusterSource, never to curses or SSH directly).
        .target(name: "PacetopApp", dependencies: ["PacetopBase", "PacetopCore", "PacetopUI"]),

        // MARK: Executables
        // The commit for --version, baked in by scripts/package (a generated header).
        .target(name: "CBuildInfo"),
        .executableTarget(name: "pacetop", dependencies: [
            "CBuildInfo", "PacetopBase", "PacetopApp", "PacetopCore", "PacetopUI", "PacetopCurses", "PacetopSource", "PacetopDemo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Counts malloc calls for the benchmark (interposes malloc in that binary only).
        .target(name: "CMallocCounter"),
        .executableTarget(name: "pacetop-bench", dependencies: [
            "PacetopApp", "PacetopCore", "PacetopUI", "PacetopSSH", "PacetopSource",
            "CMallocCounter", "PacetopTestSupport",
        ]),

        // MARK: Tests
        // Real sshd processes, keys, tmux and subprocess helpers, for the tests and the benchmark.
        .target(name: "PacetopTestSupport"),
        .testTarget(name: "PacetopBaseTests", dependencies: ["PacetopBase"]),
        .testTarget(name: "PacetopCoreTests", dependencies: ["PacetopCore", "PacetopTestSupport"]),
        .testTarget(name: "PacetopSSHTests", dependencies: ["PacetopSSH", "PacetopTestSupport"]),
        .testTarget(name: "PacetopSourceTests", dependencies: [
            "PacetopSource", "PacetopCore", "PacetopSSH", "PacetopTestSupport",
        ]),
        .testTarget(name: "PacetopDemoTests", dependencies: ["PacetopDemo", "PacetopCore", "PacetopTestSupport"]),
        .testTarget(name: "PacetopUITests", dependencies: [
            "PacetopUI", "PacetopCurses", .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .testTarget(name: "PacetopAppTests", dependencies: ["PacetopApp", "PacetopCore", "PacetopUI", "PacetopTestSupport"]),
        .testTarget(name: "PacetopE2ETests", dependencies: ["PacetopTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
