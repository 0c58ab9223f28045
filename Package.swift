// swift-tools-version:6.2
// obsw: a command shell for Huawei Cloud workflow executions (OBS Data+, DWR).
// Layers and dependency direction are described in Sources/README.md. obsw is built and
// tested on Linux only (glibc): no other platform is claimed.
import PackageDescription

let package = Package(
    name: "obsw",
    products: [
        .executable(name: "obsw", targets: ["obsw"]),
        .library(name: "OBSWorkflow", targets: ["OBSWorkflow"]),
        .library(name: "OBSWorkflowEmulator", targets: ["OBSWorkflowEmulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // No traits: the default 'FullFoundation' links Foundation's DateFormatter, and with it
        // ICU's data (tens of MB in a static binary); 'ConfigurationSupport' is not used.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    ],
    targets: [
        // libedit, through non-variadic wrappers (Sources/CLibEdit/shim.h).
        .systemLibrary(
            name: "CLibEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),
        // The SIGINT/SIGTERM handlers, in C: they must only record the signal (and forward it).
        .target(name: "CShellSignals"),
        // Text from outside, escaped once for each place it is written (terminal, TAP, YAML,
        // TSV, XML, HTML, the language's own literals); no dependency.
        .target(name: "ObswText", exclude: ["README.md"]),
        // What obsw asks of the operating system: files it writes for a user (never clobbering
        // a device, a FIFO or a symlink's target), files it reads line by line, threads, child
        // processes, the interrupt flag.
        .target(name: "ObswSystem", exclude: ["README.md"]),
        // JSON values that keep key order, with a parser and writer; no other dependency.
        .target(
            name: "ObswJSON",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        // The client core: configuration, signing, transport, models, errors, retries, pagination.
        .target(
            name: "OBSWorkflow",
            dependencies: [
                "ObswJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"]
        ),
        // The local Data+ emulator; shares models and the signer with the client core.
        .target(
            name: "OBSWorkflowEmulator",
            dependencies: [
                "OBSWorkflow",
                "ObswText",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        // The command language: lexer, parser, resolver, interpreter. No networking, no terminal.
        .target(
            name: "ObswLang",
            dependencies: ["ObswJSON", "ObswText", "ObswSystem", .product(name: "OrderedCollections", package: "swift-collections")],
            exclude: ["README.md"]
        ),
        // The operations on the client core, in typed values and errors of their own (no
        // language): bulk resume with canary and pace, wait, the journal, the lock, triage,
        // the incident report, saved plans (their digest is SHA-256: Crypto).
        .target(
            name: "ObswOperations",
            dependencies: ["OBSWorkflow", "ObswJSON", "ObswText", "ObswSystem", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]
        ),
        // Binds the language to the operations: the service commands, their arguments read
        // into typed inputs and their results and errors made values, once each.
        .target(
            name: "ObswRuntime",
            dependencies: ["ObswLang", "ObswOperations", "OBSWorkflow", "ObswJSON", "ObswSystem", "ObswText"],
            exclude: ["README.md"]
        ),
        // What the runner and the shell share at a terminal: standard streams and the
        // terminal's size, colour, Ctrl-C and SIGTERM, the live progress line, tables, TSV,
        // the reports for CI, exit statuses.
        .target(
            name: "ObswTerminal",
            dependencies: ["CShellSignals", "ObswLang", "ObswOperations", "ObswJSON", "ObswText", "ObswSystem"],
            exclude: ["README.md"]
        ),
        // The interactive shell: line reader (libedit or plain), history, completion, the loop.
        .target(
            name: "ObswShell",
            dependencies: ["CLibEdit", "ObswLang", "ObswRuntime", "ObswTerminal", "OBSWorkflow", "ObswJSON", "ObswText", "ObswSystem"],
            exclude: ["README.md"]
        ),
        // `obsw lsp`: the Language Server Protocol on standard input and output, from the
        // language's own parser, declarations and formatter.
        .target(
            name: "ObswLanguageServer",
            dependencies: ["ObswLang", "ObswJSON", "ObswText", "ObswSystem"],
            exclude: ["README.md"]
        ),
        // What the fuzzers drive, by name (the language, JSON, dates, durations, config, the
        // emulator's request handling); also replayed by the tests.
        .target(
            name: "ObswFuzzTargets",
            dependencies: ["ObswLang", "ObswJSON", "ObswText", "ObswTerminal", "OBSWorkflow", "OBSWorkflowEmulator"]),
        // libFuzzer entry point; see scripts/fuzz.
        .executableTarget(
            name: "obsw-fuzz", dependencies: ["ObswFuzzTargets"],
            // One file with @main and a @_cdecl entry: compile it as a library file.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "obsw",
            dependencies: [
                "OBSWorkflow",
                "OBSWorkflowEmulator",
                "ObswLang",
                "ObswLanguageServer",
                "ObswOperations",
                "ObswRuntime",
                "ObswShell",
                "ObswTerminal",
                "ObswText",
                "ObswSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["BuildInfo"]
        ),
        // Before each build: the commit and day `obsw --version` shows (Plugins/BuildInfo).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // Shared by every test target: a scriptable HTTP server on 127.0.0.1, temp files.
        .target(
            name: "OBSWTestSupport",
            dependencies: [
                "ObswJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/OBSWTestSupport",
            exclude: ["README.md"]
        ),
        .testTarget(
            name: "OBSWorkflowTests",
            dependencies: ["OBSWorkflow", "OBSWTestSupport"]
        ),
        .testTarget(
            name: "OBSWorkflowEmulatorTests",
            dependencies: [
                "OBSWorkflow", "OBSWorkflowEmulator", "OBSWTestSupport", "ObswFuzzTargets",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ObswLangTests", dependencies: ["ObswLang"]),
        // The operations against a fake service in memory: fast, no sockets.
        .testTarget(
            name: "ObswOperationsTests",
            dependencies: ["ObswOperations", "OBSWorkflow", "ObswJSON", "ObswSystem", "OBSWTestSupport"]
        ),
        .testTarget(
            name: "ObswRuntimeTests",
            dependencies: [
                "ObswRuntime", "ObswLang", "ObswOperations", "ObswTerminal", "ObswText", "OBSWorkflow", "OBSWorkflowEmulator",
                "OBSWTestSupport",
            ]
        ),
        .testTarget(name: "ObswShellTests", dependencies: ["ObswShell", "ObswLang", "ObswTerminal", "ObswText"]),
        // Runs the built binary; depending on it makes `swift test` build it first.
        .testTarget(
            name: "ObswCLITests",
            dependencies: ["obsw", "OBSWorkflow", "OBSWorkflowEmulator", "ObswLang", "ObswRuntime", "ObswSystem", "ObswTerminal", "OBSWTestSupport"]
        ),
    ]
)
