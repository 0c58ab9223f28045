import ArgumentParser
import OBSWorkflow
import ObswLang
import ObswRuntime
import ObswSystem
import ObswOperations
import ObswTerminal

/// `obsw report [JOURNAL] --html FILE`: a bulk resume's journal and a final read of its
/// executions as one self-contained HTML page, for the incident's ticket and postmortem.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write an HTML report of a bulk resume from its journal.",
        discussion: """
            JOURNAL is a resume's journal (the summary of every resume names it); without it, \
            the newest one obsw kept by itself (with --local: of the rehearsals). Each execution \
            in it is read once more from the service for its state now, unless --offline. The page \
            needs nothing else to open: no network, no external scripts, styles or fonts.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Write the report to FILE (HTML).", completion: .file(extensions: ["html"])) var html: String

    @Flag(help: "Do not read the executions: report what the journal says alone.") var offline = false

    @Argument(help: "The journal (default: the newest one obsw kept).", completion: .file(extensions: ["jsonl"]))
    var journal: String?

    func run() async throws {
        let environment = currentEnvironment()
        let path: String
        if let journal {
            path = journal
        } else if let latest = JournalHistory.latest(environment: environment, local: connection.local) {
            path = latest
            printNote("report of the newest journal: \(latest)")
        } else if !connection.local, let rehearsal = JournalHistory.latest(environment: environment, local: true) {
            printError("no journal given, and obsw has kept none of resumes against a service; the newest of a --local rehearsal is \(rehearsal): add --local, or name it")
            throw ExitCode(.usage)
        } else {
            printError("no journal given, and obsw has kept none\(connection.local ? " of --local rehearsals" : "") (under \(JournalHistory.folder(environment: environment, local: connection.local))); name one: obsw report JOURNAL --html FILE")
            throw ExitCode(.usage)
        }
        // Before the journal is read or anything is asked of the service: the page must not
        // replace the journal it reports on, nor a device.
        let page = try prepareOutput(html, option: "--html", reading: [("the journal", path)])
        let history: JournalHistory
        do { history = try JournalHistory.read(path) } catch {
            printError(error.description)
            throw ExitCode(.usage)
        }
        for plan in history.plans { printNote("applied \(plan.summary)") }
        let (finals, note) = await finalStates(history)
        if let note { printNote(note) }
        let report = IncidentReport(history: history, finals: finals, finalNote: note)
        do throws(FileError) { try page.write(report.html()) } catch {
            printError("the report: \(error)")
            throw ExitCode(.runtime)
        }
        printNote("wrote \(html): \(report.summary)")
    }

    /// The executions as they are now, or why they were not read.
    func finalStates(_ history: JournalHistory) async -> ([String: ExecutionInfo], String?) {
        if offline { return ([:], "final states not read (--offline)") }
        if history.local {
            return ([:], "final states not read: the journal was written against the embedded emulator (--local), which is gone")
        }
        if connection.local {
            return ([:], "final states not read: --local starts a new emulator, not the service the journal was written against")
        }
        let client: any WorkflowService
        do { client = try connection.client() } catch {
            return ([:], "final states not read: \(error)")
        }
        // A journal of another service says nothing about this one's executions.
        if !history.endpoints.isEmpty, !history.endpoints.contains(client.endpointDescription) {
            await client.shutdown()
            return ([:], "final states not read: the journal was written against \(history.endpoints.joined(separator: ", ")), not \(client.endpointDescription) (choose it with --endpoint or --profile)")
        }
        let (finals, note) = await IncidentReport.readFinals(history, client: client)
        await client.shutdown()
        return (finals, note.map { "final states: \($0)" })
    }
}
