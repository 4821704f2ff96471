// swift-tools-version:6.1
// pdscope: live view of how an LLM server schedules prefill and decode.
// Layers (each depends only on the ones above it):
//   Kernels ← Model ← Engine ← {Trace, Dashboard, Server} ← CLI ← pdscope (executable); Dashboard ← Attach ← CLI
// C side targets: CKernels (SIMD kernels with runtime CPU dispatch), CPlatform (affinity, signals),
// CNcurses (system library, imported by exactly one Dashboard file).
import PackageDescription

/// Release builds: `-Ounchecked` only for the hot loops (Kernels, Model). Elsewhere it would turn
/// checks such as `BlockPool.free`'s double-free precondition into assumptions.
func settings(_ mode: SwiftLanguageMode, unchecked: Bool = false) -> [SwiftSetting] {
    [.swiftLanguageMode(mode), .unsafeFlags([unchecked ? "-Ounchecked" : "-O", "-wmo"], .when(configuration: .release))]
}
let swift6 = settings(.v6)

let package = Package(
    name: "pdscope",
    platforms: [.macOS(.v15)],  // v15: Synchronization.Mutex
    products: [.executable(name: "pdscope", targets: ["pdscope"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // `serve`: HTTP on SwiftNIO; default traits off (no swift-configuration, Foundation essentials).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(name: "CPlatform"),
        // Hot loops are built optimised even in debug builds so `swift test` stays fast.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // No pkgConfig: ncursesw's pkg-config flags are only -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600,
        // which SwiftPM rejects with a "prohibited flag(s)" warning; the modulemap links the libraries.
        .systemLibrary(name: "CNcurses"),
        .target(name: "Kernels", dependencies: ["CKernels", "CPlatform"], swiftSettings: settings(.v6, unchecked: true)),
        .target(name: "Model", dependencies: ["Kernels"], swiftSettings: settings(.v6, unchecked: true)),
        .target(name: "Engine", dependencies: [
            "Model", "CPlatform",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: swift6),
        .target(name: "Trace", dependencies: ["Engine"], swiftSettings: swift6),
        .target(name: "Dashboard", dependencies: ["Engine", "CNcurses", "CPlatform"], swiftSettings: swift6),
        .target(name: "Server", dependencies: [
            "Model", "Engine",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: swift6),
        // `attach`: scrapes real servers (vLLM, SGLang, llama.cpp, pdscope serve) into the dashboard's
        // records; no engine internals (only the Dashboard's ObservedInstance). Scrapes with FoundationNetworking;
        // the --listen proxy serves with Hummingbird (already built for `serve`).
        .target(name: "Attach", dependencies: [
            "Dashboard",
            .product(name: "Hummingbird", package: "hummingbird"),
        ], swiftSettings: swift6),
        .target(name: "CLI", dependencies: [
            "Kernels", "Model", "Engine", "Trace", "Dashboard", "Server", "Attach", "CPlatform",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swift6),
        .executableTarget(name: "pdscope", dependencies: ["CLI"], swiftSettings: swift6),

        // Helpers every test target shares (seeded random numbers, the cached model, event scripts).
        .target(name: "TestSupport", dependencies: ["Engine"], path: "Tests/TestSupport", swiftSettings: swift6),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: swift6),
        .testTarget(name: "ModelTests", dependencies: ["Model", "TestSupport"], exclude: ["Goldens"], swiftSettings: swift6),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport"], swiftSettings: swift6),
        .testTarget(name: "TraceTests", dependencies: ["Trace", "TestSupport"], swiftSettings: swift6),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard"], swiftSettings: swift6),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Engine", "Model"], swiftSettings: swift6),
        .testTarget(name: "AttachTests", dependencies: ["Attach", "Dashboard"], exclude: ["Fixtures"], swiftSettings: swift6),
        .testTarget(name: "CLITests", dependencies: ["CLI", "Attach", "TestSupport"], swiftSettings: swift6),
    ]
)
