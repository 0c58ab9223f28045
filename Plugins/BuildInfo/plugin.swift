import Foundation
import PackagePlugin

/// `obsw --version` names the commit it was built from and the day: `obsw 0.14.0 (abc1234,
/// 2026-12-07)`. Before each build a shell command asks git for the commit (`-dirty` when
/// tracked files have changes) and rewrites `BuildInfo.swift` only when that changed, so an
/// unchanged tree recompiles nothing. The day is SOURCE_DATE_EPOCH's when set (reproducible
/// builds: `scripts/package` sets it to the commit's time), else today's (UTC). Without git
/// (a source tarball) the commit is `unknown`.
@main struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo")
        var environment: [String: String] = [:]
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] { environment["SOURCE_DATE_EPOCH"] = epoch }
        return [
            .prebuildCommand(
                displayName: "obsw: build info (commit and day)", executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", Self.script, "build-info", context.package.directoryURL.path, output.path],
                environment: environment, outputFilesDirectory: output)
        ]
    }

    static let script = #"""
        set -eu
        package=$1
        out=$2
        mkdir -p "$out"
        commit=unknown
        if command -v git >/dev/null 2>&1 && git -C "$package" rev-parse --git-dir >/dev/null 2>&1; then
          commit=$(git -C "$package" rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
          if [ -n "$(git -C "$package" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
        fi
        if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then day=$(date -u -d "@$SOURCE_DATE_EPOCH" +%F); else day=$(date -u +%F); fi
        text="// Made before each build by Plugins/BuildInfo: what obsw --version names.
        enum BuildInfo {
            static let commit = \"$commit\"
            static let day = \"$day\"
        }"
        if [ ! -f "$out/BuildInfo.swift" ] || [ "$(cat "$out/BuildInfo.swift")" != "$text" ]; then
          printf '%s\n' "$text" > "$out/BuildInfo.swift"
        fi
        """#
}
