// swift-tools-version:6.0
// pdscope: live view of how an LLM server schedules prefill and decode.
// Layers (each depends only on the ones above it):
//   Kernels ← Model ← Engine ← {Trace, Dashboard} ← CLI ← pdscope (executable)
// C side targets: CKernels (SIMD kernels with runtime CPU dispatch), CSystem (affinity),
// CNcurses (system library, imported by exactly one Dashboard file).
import PackageDescription

let swift5: [SwiftSetting] = [
    .swiftLanguageMode(.v5),
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "pdscope",
    platforms: [.macOS(.v13)],
    products: [.executable(name: "pdscope", targets: ["pdscope"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .target(name: "CSystem"),
        // Hot loops are built optimised even in debug builds so `swift test` stays fast.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw",
                       providers: [.apt(["libncurses-dev"])]),
        .target(name: "Kernels", dependencies: ["CKernels", "CSystem"], swiftSettings: swift5),
        .target(name: "Model", dependencies: ["Kernels"], swiftSettings: swift5),
        .target(name: "Engine", dependencies: [
            "Model", "CSystem",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: swift5),
        .target(name: "Trace", dependencies: ["Engine"], swiftSettings: swift5),
        .target(name: "Dashboard", dependencies: ["Engine", "CNcurses"], swiftSettings: swift5),
        .target(name: "CLI", dependencies: [
            "Kernels", "Model", "Engine", "Trace", "Dashboard", "CSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swift5),
        .executableTarget(name: "pdscope", dependencies: ["CLI"], swiftSettings: swift5),

        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], swiftSettings: swift5),
        .testTarget(name: "ModelTests", dependencies: ["Model"], exclude: ["Goldens"], swiftSettings: swift5),
        .testTarget(name: "EngineTests", dependencies: ["Engine"], swiftSettings: swift5),
        .testTarget(name: "TraceTests", dependencies: ["Trace"], swiftSettings: swift5),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard"], swiftSettings: swift5),
        .testTarget(name: "CLITests", dependencies: ["CLI"], swiftSettings: swift5),
    ]
)
