// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pacetop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pacetop", targets: ["pacetop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries, each with a tiny shim header (see DESIGN.md: macros and globals
        // do not import into Swift 6, so the shims wrap them).
        .systemLibrary(name: "CLibxml2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CLibssh2", pkgConfig: "libssh2",
                       providers: [.apt(["libssh2-1-dev"])]),
        // No pkgConfig: ncursesw.pc carries -D flags SwiftPM rejects with a warning; the shim
        // header defines what is needed instead, and the headers live in /usr/include.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),

        // Cluster model, crm_mon parser, diff, actions, JSON and text report. Foundation + libxml2.
        .target(name: "PacetopCore", dependencies: ["CLibxml2"]),
        // libssh2 transport: session, exec, known_hosts, agent/key auth, ssh_config, jump hosts.
        .target(name: "PacetopSSH", dependencies: ["CLibssh2"]),
        // Where cluster status comes from: SSH poller with node failover, XML file, demo cluster.
        .target(name: "PacetopSource", dependencies: ["PacetopCore", "PacetopSSH"]),
        // Terminal-independent UI: Cell, Buffer, Rect, widgets, themes. No terminal I/O.
        .target(name: "PacetopUI", dependencies: ["PacetopCore"]),
        // The only code that touches curses.
        .target(name: "PacetopCurses", dependencies: ["CNcursesw", "PacetopUI"]),
        // State, Message, update, view, effect runner.
        .target(name: "PacetopApp", dependencies: [
            "PacetopCore", "PacetopSource", "PacetopUI", "PacetopCurses",
        ]),
        .executableTarget(name: "pacetop", dependencies: [
            "PacetopApp",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Counts malloc calls for the benchmark (interposes malloc in that binary only).
        .target(name: "CMallocCounter"),
        .executableTarget(name: "pacetop-bench", dependencies: [
            "PacetopApp", "CMallocCounter", "PacetopTestSupport",
        ]),

        .testTarget(name: "PacetopCoreTests", dependencies: ["PacetopCore"]),
        // Real sshd processes, keys and subprocess helpers, for the tests and the benchmark.
        .target(name: "PacetopTestSupport", path: "Tests/PacetopTestSupport"),
        .testTarget(name: "PacetopSSHTests", dependencies: ["PacetopSSH", "PacetopTestSupport"]),
        .testTarget(name: "PacetopSourceTests", dependencies: ["PacetopSource", "PacetopTestSupport"]),
        .testTarget(name: "PacetopUITests", dependencies: ["PacetopUI", "PacetopCurses"]),
        .testTarget(name: "PacetopAppTests", dependencies: ["PacetopApp"]),
        .testTarget(name: "PacetopE2ETests", dependencies: ["PacetopCore"]),
    ],
    swiftLanguageModes: [.v6]
)
