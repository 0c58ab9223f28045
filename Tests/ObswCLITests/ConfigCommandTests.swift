import Foundation
import OBSWTestSupport
import Testing

/// `obsw config` run as a user would: the built binary, a config file, the environment.
@Suite(.timeLimit(.minutes(5))) struct ConfigCommandTests {
    @Test func showsEachSettingWithItsOriginAndNeverTheSecret() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("config", "[ops]\nendpoint = obs.cn-north-4.myhuaweicloud.com\naccess_key_id = AK-OPS\nsecret_access_key = SK-VERY-SECRET\nsecurity_token = TK-VERY-SECRET\n")
        let result = try await runObswInBackground(
            ["config", "--profile", "ops", "--config-file", file], environment: ["OBS_REGION": "cn-north-4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("endpoint: https://obs.cn-north-4.myhuaweicloud.com  (from profile 'ops' in \(file))"))
        #expect(result.stdout.contains("region: cn-north-4  (from OBS_REGION)"))
        #expect(result.stdout.contains("access_key_id: AK-OPS"))
        #expect(result.stdout.contains("secret_access_key: <redacted>"))
        #expect(result.stdout.contains("security_token: <redacted>"))
        #expect(!(result.stdout + result.stderr).contains("VERY-SECRET"))
    }

    @Test func refusesAReadableCredentialsFileWithTheFix() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("config", "[default]\naccess_key_id = A\nsecret_access_key = S\n", mode: 0o644)
        let result = try await runObswInBackground(["config", "--config-file", file])
        #expect(result.status == 2)
        #expect(result.stderr == "obsw: error: refusing to read credentials from \(file): its mode 644 lets other users read it; fix it with: chmod 600 \(file)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func badEndpointIsAUsageError() async throws {
        let result = try await runObswInBackground(["config", "--endpoint", "https://host/bucket"], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("invalid endpoint 'https://host/bucket'"))
    }
}
