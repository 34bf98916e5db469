// swift-tools-version:5.9
// The Swift Package Manager manifest for LumenKit.
// (The CocoaPods spec, LumenKit.podspec, is kept in step by the release script.)

import PackageDescription

let package = Package(
    name: "LumenKit",
    platforms: [
        .iOS(.v15),
        .macOS(.v12),
        .tvOS(.v15),
    ],
    products: [
        .library(name: "LumenKit", targets: ["LumenKit"]),
        .library(name: "LumenKitUI", targets: ["LumenKitUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .target(
            name: "LumenKit",
            dependencies: [.product(name: "Collections", package: "swift-collections")]
        ),
        .target(name: "LumenKitUI", dependencies: ["LumenKit"]),
        .testTarget(name: "LumenKitTests", dependencies: ["LumenKit"]),
    ]
)
