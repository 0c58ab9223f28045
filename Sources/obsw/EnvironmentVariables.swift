/// Every environment variable obsw reads, with what it does — said once: the man page's
/// ENVIRONMENT section is made from this list, and a test (`EnvironmentDriftTests`) reads
/// the sources and fails when the code reads a variable this list lacks, or this list names
/// one nothing reads.
enum EnvironmentVariables {
    struct Entry {
        let names: [String]
        let meaning: String
    }

    static let all: [Entry] = [
        Entry(names: ["OBSW_SERVICE"], meaning: "the workflow service, obs or dwr (as --service)"),
        Entry(names: ["OBSW_PROFILE", "OBSW_CONFIG_FILE"], meaning: "the profile and the config file"),
        Entry(names: ["OBS_ENDPOINT", "OBS_REGION"], meaning: "OBS Data+: where to connect"),
        Entry(
            names: ["OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY", "OBS_SECURITY_TOKEN"],
            meaning: "OBS Data+: the credentials (the token for temporary keys)"),
        Entry(
            names: ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"],
            meaning: "DWR: the credentials, under the official Huawei Cloud SDK's names"),
        Entry(names: ["HUAWEICLOUD_SDK_PROJECT_ID"], meaning: "DWR: the project id (as --project-id)"),
        Entry(names: ["OBSW_MEMORY_LIMIT"], meaning: "the most memory a script's values may hold (default 4GB; 0: no limit)"),
        Entry(
            names: ["OBSW_LOG"],
            meaning: "the client log on standard error: debug traces every request and answer (signatures and tokens redacted); trace, info, notice, warning (the default), error, critical"),
        Entry(names: ["NO_COLOR"], meaning: "no colour unless --color always"),
        Entry(names: ["TERM"], meaning: "dumb: no colour unless --color always"),
        Entry(names: ["PAGER"], meaning: "the pager for long tables in the shell (default: less -FRX)"),
        Entry(
            names: ["LOGNAME", "USER"],
            meaning: "who makes or approves a resume plan (resume --plan, obsw plan approve); without them, the user's name in the password database"),
        Entry(names: ["TMPDIR"], meaning: "where obsw test keeps each test's output while it runs (default: /tmp)"),
        Entry(names: ["XDG_CONFIG_HOME"], meaning: "the config file is $XDG_CONFIG_HOME/obsw/config when set"),
        Entry(names: ["XDG_STATE_HOME"], meaning: "history, journals and locks are under $XDG_STATE_HOME/obsw/ when set"),
        Entry(names: ["HOME"], meaning: "the config and state folders' default place (~/.config/obsw, ~/.local/state/obsw)"),
    ]

    static var names: Set<String> { Set(all.flatMap(\.names)) }
}
