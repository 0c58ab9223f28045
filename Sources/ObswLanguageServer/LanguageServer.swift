#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import ObswJSON
import ObswLang
import ObswSystem
import ObswText

/// What the server needs from the program it runs in.
public struct LanguageServerHost: Sendable {
    /// A fresh engine as `obsw check` makes it: every command known, `args` and `vars`
    /// defined, nothing connected.
    public var makeEngine: @Sendable () -> Engine
    /// Graph names of the service the settings reach (`profile`, `local`); nil when none
    /// can be reached. Called on a thread of its own, never while a keystroke waits.
    public var graphNames: @Sendable (_ profile: String?, _ local: Bool) -> [String]?
    public var version: String

    public init(
        makeEngine: @escaping @Sendable () -> Engine, graphNames: @escaping @Sendable (String?, Bool) -> [String]?, version: String
    ) {
        self.makeEngine = makeEngine
        self.graphNames = graphNames
        self.version = version
    }
}

/// `obsw lsp`: the Language Server Protocol over standard input and output. Diagnostics are
/// exactly `obsw check`'s; completion, hover, definition, references, symbols and
/// formatting come from the same parser, declarations and formatter.
///
/// One thread reads messages into a queue (so a `$/cancelRequest` can reach a request still
/// waiting); the server handles them in order. Nothing but protocol is written to standard
/// output; notes go to standard error.
public final class LanguageServer: @unchecked Sendable {
    enum ErrorCode: Int {
        case parseError = -32700, invalidRequest = -32600, methodNotFound = -32601, invalidParams = -32602
        case serverNotInitialized = -32002, requestCancelled = -32800
    }

    struct Failure: Error {
        var code: ErrorCode
        var message: String
    }

    let host: LanguageServerHost
    let writer: MessageWriter
    private var documents: [String: Document] = [:]
    /// The last analysis of each document that parsed: completion and hover use it while
    /// the text being typed does not parse.
    var analyses: [String: Analysis] = [:]
    private var initialized = false
    private var shutDown = false
    var profile: String?
    var local = false
    let graphs = GraphNames()
    /// What every engine the host makes knows alike: the commands, and the names a run
    /// defines (`args`, `vars`). Read once; a check still gets an engine of its own.
    let catalog: any CommandCatalog
    let globals: Set<String>

    private let inbox = Locked(Inbox())
    private let arrived = DispatchSemaphore(value: 0)

    struct Inbox: Sendable {
        var messages: [Framing.Read] = []
        var cancelled: Set<String> = []
    }

    public init(host: LanguageServerHost, output: Int32 = 1) {
        self.host = host
        writer = MessageWriter(fd: output)
        let engine = host.makeEngine()
        catalog = engine.catalog
        globals = engine.globalNames
    }

    /// Serves until `exit` or the end of input; returns the exit status.
    public func run(input: Int32 = 0) -> Int32 {
        OSThread.start { [inbox, arrived] in
            var reader = MessageReader(fd: input)
            while true {
                let read = reader.next()
                inbox.withLock { box in
                    if case .message(let m) = read, m.text("method") == "$/cancelRequest", let id = m["params"]?["id"] {
                        box.cancelled.insert(id.jsonText)
                    }
                    box.messages.append(read)
                }
                arrived.signal()
                if case .end = read { return }
            }
        }
        while true {
            arrived.wait()
            let read = inbox.withLock { box -> Framing.Read in box.messages.removeFirst() }
            switch read {
            case .end:
                return shutDown ? 0 : 1
            case .skipped(let why):
                log("skipped \(why)")
            case .invalidJSON(let why):
                respond(id: .null, failure: Failure(code: .parseError, message: why))
            case .message(let message):
                if let status = handle(message) { return status }
            }
        }
    }

    func log(_ text: String) { _ = writeFully(2, Array("obsw lsp: \(text)\n".utf8)) }

    // MARK: Dispatch

    /// Handles one message; a status when the server is to exit.
    func handle(_ message: JSONValue) -> Int32? {
        guard case .object = message, let method = message.text("method") else {
            if let id = message["id"] { respond(id: id, failure: Failure(code: .invalidRequest, message: "not a request: no method")) }
            return nil
        }
        let id = message["id"]
        let params = message["params"] ?? .null
        if method == "exit" { return shutDown ? 0 : 1 }
        guard let id else {
            notification(method, params)
            return nil
        }
        // A cancel that came after its answer would stay: the set is kept small.
        if inbox.withLock({ box in
            defer { if box.cancelled.count > 1024 { box.cancelled.removeAll() } }
            return box.cancelled.remove(id.jsonText) != nil
        }) {
            respond(id: id, failure: Failure(code: .requestCancelled, message: "cancelled"))
            return nil
        }
        do {
            respond(id: id, result: try request(method, params))
        } catch let failure as Failure {
            respond(id: id, failure: failure)
        } catch {
            respond(id: id, failure: Failure(code: .invalidRequest, message: "\(error)"))
        }
        return nil
    }

    func respond(id: JSONValue, result: JSONValue) {
        writer.send(["jsonrpc": "2.0", "id": id, "result": result])
    }

    func respond(id: JSONValue, failure: Failure) {
        writer.send(["jsonrpc": "2.0", "id": id, "error": ["code": .int(failure.code.rawValue), "message": .string(failure.message)]])
    }

    func notify(_ method: String, _ params: JSONValue) {
        writer.send(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    func request(_ method: String, _ params: JSONValue) throws -> JSONValue {
        if method == "initialize" { return initialize(params) }
        guard initialized else { throw Failure(code: .serverNotInitialized, message: "initialize first") }
        guard !shutDown else { throw Failure(code: .invalidRequest, message: "the server is shut down") }
        switch method {
        case "shutdown":
            shutDown = true
            return .null
        case "textDocument/completion": return try completion(params)
        case "textDocument/hover": return try hover(params)
        case "textDocument/definition": return try definition(params)
        case "textDocument/references": return try references(params)
        case "textDocument/documentSymbol": return try documentSymbols(params)
        case "textDocument/formatting": return try formatting(params)
        default: throw Failure(code: .methodNotFound, message: "unknown method \(method)")
        }
    }

    func notification(_ method: String, _ params: JSONValue) {
        switch method {
        case "initialized": break
        case "textDocument/didOpen":
            guard initialized, let item = params["textDocument"], let uri = item.text("uri"), let text = item.text("text") else { return }
            documents[uri] = Document(uri: uri, version: item.number("version") ?? 0, text: text)
            publishDiagnostics(uri)
        case "textDocument/didChange":
            guard initialized, let uri = params["textDocument"]?.text("uri"), var document = documents[uri] else { return }
            for change in params.list("contentChanges") ?? [] where !document.apply(change) {
                log("a change to \(uri) that is not a range and text; ignored")
            }
            document.version = params["textDocument"]?.number("version") ?? document.version
            documents[uri] = document
            publishDiagnostics(uri)
        case "textDocument/didClose":
            guard let uri = params["textDocument"]?.text("uri") else { return }
            documents[uri] = nil
            analyses[uri] = nil
            notify("textDocument/publishDiagnostics", ["uri": .string(uri), "diagnostics": []])
        case "workspace/didChangeConfiguration":
            readSettings(params["settings"])
        default:
            break  // `$/...` and anything else a server may ignore
        }
    }

    // MARK: Lifecycle

    func initialize(_ params: JSONValue) -> JSONValue {
        initialized = true
        readSettings(params["initializationOptions"])
        return [
            "capabilities": [
                "positionEncoding": "utf-16",
                "textDocumentSync": ["openClose": true, "change": 2],
                "completionProvider": ["triggerCharacters": ["-", "$", " "]],
                "hoverProvider": true,
                "definitionProvider": true,
                "referencesProvider": true,
                "documentSymbolProvider": true,
                "documentFormattingProvider": true,
            ],
            "serverInfo": ["name": "obsw", "version": .string(host.version)],
        ]
    }

    /// Graph names come from this profile's service, or the embedded emulator (`local`),
    /// unless the editor's settings say otherwise.
    public func reach(profile: String?, local: Bool) {
        if profile != self.profile || local != self.local { graphs.forget() }
        self.profile = profile
        self.local = local
    }

    /// `{"obsw": {"profile": P, "local": true}}`, `{"obsw.profile": P}` or `{"profile": P}`.
    func readSettings(_ settings: JSONValue?) {
        guard let settings, case .object = settings else { return }
        let scoped = settings["obsw"].flatMap { if case .object = $0 { $0 } else { nil } } ?? settings
        let newProfile = scoped.text("profile") ?? settings.text("obsw.profile")
        let newLocal = scoped.flag("local") ?? settings.flag("obsw.local")
        guard newProfile != nil || newLocal != nil else { return }
        reach(profile: newProfile, local: newLocal ?? false)
    }

    // MARK: Documents

    func document(_ params: JSONValue) throws -> Document {
        guard let uri = params["textDocument"]?.text("uri") else { throw Failure(code: .invalidParams, message: "no textDocument.uri") }
        guard let document = documents[uri] else { throw Failure(code: .invalidParams, message: "\(uri) is not open") }
        return document
    }

    func offset(_ params: JSONValue, in document: Document) throws -> Int {
        guard let position = Position(params["position"]) else { throw Failure(code: .invalidParams, message: "no position") }
        return document.offset(of: position)
    }

    /// Checks the document as `obsw check` would and publishes what it found.
    func publishDiagnostics(_ uri: String) {
        guard let document = documents[uri] else { return }
        let analysis = Analysis(document, engine: host.makeEngine())
        if analysis.symbols != nil { analyses[uri] = analysis }
        let diagnostics: [JSONValue] = analysis.diagnostics.map { d in
            var message = d.message
            if !d.notes.isEmpty { message += "\n" + d.notes.map { $0.trimmingBlanks }.joined(separator: "\n") }
            return [
                "range": document.range(of: d.span),
                "severity": .int(d.severity == .error ? 1 : d.severity == .warning ? 2 : 3),
                "code": .string(d.code.rawValue),
                "source": "obsw",
                "message": .string(message),
            ]
        }
        notify("textDocument/publishDiagnostics", ["uri": .string(uri), "version": .int(document.version), "diagnostics": .array(diagnostics)])
    }
}

/// Graph names for completion, fetched in the background and kept for a minute: a
/// completion answers at once with what is known, and asks for a refresh when it is old.
final class GraphNames: Sendable {
    struct State: Sendable {
        var names: [String] = []
        var fetchedAt: Int?
        var fetching = false
        var generation = 0
    }

    let state = Locked(State())
    static let freshFor = 60_000

    func forget() { state.withLock { $0 = State(generation: $0.generation + 1) } }

    func current(refresh: @escaping @Sendable () -> [String]?) -> [String] {
        let now = WallClock.nowMilliseconds()
        let (names, start, generation) = state.withLock { s -> ([String], Bool, Int) in
            let stale = s.fetchedAt.map { now - $0 > Self.freshFor } ?? true
            let start = stale && !s.fetching
            if start { s.fetching = true }
            return (s.names, start, s.generation)
        }
        if start {
            OSThread.start { [state] in
                let fetched = refresh()
                state.withLock { s in
                    guard s.generation == generation else { return }
                    s.fetching = false
                    s.fetchedAt = WallClock.nowMilliseconds()
                    if let fetched { s.names = fetched }
                }
            }
        }
        return names
    }
}
