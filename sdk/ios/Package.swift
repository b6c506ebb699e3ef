// swift-tools-version:5.7
import PackageDescription

let package = Package(
    name: "Gangway",
    platforms: [.iOS(.v14), .macOS(.v11)],
    products: [
        .library(name: "Gangway", targets: ["Gangway"]),
        .library(name: "GangwayCore", targets: ["GangwayCore"]),
    ],
    targets: [
        // Platform-free: URL composer, message parsing, results (Foundation only).
        .target(name: "GangwayCore"),
        // UIKit + WebKit: Gangway.launch(token:from:completion:).
        .target(name: "Gangway", dependencies: ["GangwayCore"]),
        .testTarget(
            name: "GangwayCoreTests",
            dependencies: ["GangwayCore"],
            // The shared contract, copied in by `make-vectors.sh` (kept identical by CI's diff).
            resources: [.copy("vectors.json")]
        ),
    ]
)
