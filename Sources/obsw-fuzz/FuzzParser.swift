// libFuzzer entry point over one of the fuzz targets (`ObswFuzzTargets`), chosen by
// OBSW_FUZZ_TARGET (default: language). Built for fuzzing only by scripts/fuzz (with
// -sanitize=fuzzer); in a normal build the binary says so and exits.
#if canImport(Glibc)
import Glibc
#endif
import ObswFuzzTargets

nonisolated(unsafe) let target: ([UInt8]) -> Void = {
    let name = getenv("OBSW_FUZZ_TARGET").map { String(cString: $0) } ?? "language"
    guard let run = FuzzTargets.named(name) else {
        let message = Array("obsw-fuzz: no target '\(name)'; targets: \(FuzzTargets.all.map(\.name).joined(separator: ", "))\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
    return run
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    target(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// SwiftPM links an executable's `main` to this entry point. It hands over to libFuzzer's
/// driver, found at run time so that an ordinary build links too.
@main
enum FuzzMain {
    static func main() {
        typealias TestOne = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
        typealias Driver = @convention(c) (
            UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>, TestOne
        ) -> CInt
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
            let message = Array("obsw-fuzz: built without -sanitize=fuzzer; use scripts/fuzz\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(1)
        }
        var count = CommandLine.argc
        var arguments = CommandLine.unsafeArgv
        exit(unsafeBitCast(symbol, to: Driver.self)(&count, &arguments, fuzzOneInput))
    }
}
