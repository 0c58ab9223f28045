#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ObswSystem

/// How a run ended.
public enum RunOutcome: Sendable {
    /// Finished; the value of the last statement.
    case finished(Value)
    /// Did not compile: every problem found.
    case invalid([Diagnostic])
    /// `exit N`, or an `assert` that failed (status 1).
    case exited(Int32)
    /// An error no `catch` handled.
    case failed(ScriptError)
}

/// Compiles and runs obsw source: one engine per script run or shell session. Globals
/// persist across `run` calls, so a shell line sees the variables of earlier lines.
///
/// Not thread-safe: use it from one thread. Commands may block that thread (the host runs
/// service calls to completion), so run the engine on a thread of its own, not in a task.
public final class Engine {
    public let sources = SourceMap()
    public let interrupt = InterruptFlag()
    public weak var delegate: (any EngineDelegate)?
    public let host: (any CommandHost)?
    /// The language's commands followed by the host's.
    public let catalog: any CommandCatalog
    private(set) var builtins: [String: Function] = [:]

    /// Checks run and failed so far.
    public private(set) var checksPassed = 0
    public private(set) var checksFailed = 0
    /// Every check reaches the delegate (`checkPassed` too) with its message evaluated: for
    /// reports that list each check (`obsw run --junit/--tap`). Off, a passing check's
    /// message is never evaluated.
    public var reportsEveryCheck = false

    /// A command whose value nothing read reported failed targets (a bare `resume`).
    public struct IgnoredFailure: Sendable {
        public var message: String
        public var span: Span
    }
    /// Collected only when the runner asks (`obsw run`, `-c`); the shell shows every value.
    public var tracksIgnoredFailures = false
    public private(set) var ignoredFailures: [IgnoredFailure] = []


    /// Deepest chain of script calls before "recursion too deep".
    public var maximumCallDepth = 1000

    var globals: [String: Int] = [:]
    var globalFrame = Frame(size: 0, parent: nil)
    @exclusivity(unchecked) var callDepth = 0
    var sourceDepth = 0
    /// Directories of the files being run, innermost last (for relative `source` paths).
    var directories: [String] = []

    public init(host: (any CommandHost)? = nil, delegate: (any EngineDelegate)? = nil) {
        self.host = host
        self.delegate = delegate
        let own = LanguageCommands.specs
        catalog = StaticCatalog(own + (host?.catalog.commands.filter { c in !own.contains { $0.name == c.name } } ?? []))
        builtins = Builtins.all(engine: self)
    }

    /// Names declared at the top level so far (the parser needs them to tell a variable
    /// from a command; the shell completes them).
    public var globalNames: Set<String> { Set(globals.keys) }

    /// Declares a global before running (`args`, `vars`).
    public func define(_ name: String, _ value: Value) {
        let slot: Int
        if let existing = globals[name] {
            slot = existing
        } else {
            slot = globals.count
            globals[name] = slot
        }
        growGlobals(to: max(globals.count, slot + 1))
        globalFrame.slots[slot] = value
    }

    func growGlobals(to size: Int) {
        if globalFrame.slots.count < size {
            globalFrame.slots.append(contentsOf: [Value](repeating: .null, count: size - globalFrame.slots.count))
        }
    }

    /// Lets go of every global variable's value, here and now. Releasing a deeply nested
    /// value recurses once per level, so a caller that is done with the engine calls this on
    /// the engine's large-stack thread: a 100,000-deep list released on a small stack (a
    /// task's, the main thread's) overflows it.
    public func releaseGlobals() {
        for slot in globalFrame.slots.indices { globalFrame.slots[slot] = .null }
    }

    /// Parses and resolves without running: every problem found, errors and warnings, in
    /// source order.
    public func check(_ file: SourceFile) -> [Diagnostic] { checkKeepingTree(file).diagnostics }

    /// `check`, with the syntax tree when the file parses (the language server reads the
    /// names a document declares from it, without parsing it twice).
    public func checkKeepingTree(_ file: SourceFile) -> (diagnostics: [Diagnostic], program: Program?) {
        var program: Program?
        switch compile(file, commit: false, tree: &program) {
        case .failure(let diagnostics): return (diagnostics, program)
        case .success: return (lastWarnings, program)
        }
    }

    /// Warnings of the last compile that succeeded (errors are returned as the failure).
    private(set) var lastWarnings: [Diagnostic] = []

    /// Compiles and runs a file, shell line or snippet in the global scope.
    public func run(_ file: SourceFile) -> RunOutcome {
        let code: Code
        switch compile(file, commit: true) {
        case .failure(let diagnostics): return .invalid(diagnostics)
        case .success(let c): code = c
        }
        if !lastWarnings.isEmpty { delegate?.warn(lastWarnings) }
        directories.append(Directory.folder(of: file.name))
        defer { directories.removeLast() }
        let watch = MemoryWatch(flag: interrupt)
        defer { watch.stop() }
        do throws(Unwind) {
            return .finished(try code(globalFrame))
        } catch {
            switch error {
            case .exit(let status): return .exited(status)
            case .failure(let failure): return .failed(failure)
            case .returned(let value): return .finished(value)
            case .breakLoop, .continueLoop: return .finished(.null)
            }
        }
    }

    /// `obsw fmt`'s layout of a file, read with this engine's commands and names.
    public func format(_ file: SourceFile) -> Formatter.Outcome {
        Formatter.format(file, fileID: sources.add(file), catalog: catalog, knownNames: globalNames)
    }

    /// Whether source text ends in the middle of a construct (the shell then asks for more).
    public func isIncomplete(_ text: String) -> Bool {
        let file = SourceFile(name: "<input>", text: text)
        var parser = Parser(file: file, fileID: -1, catalog: catalog, knownNames: globalNames)
        let diagnostics = parser.parseProgram().1
        return diagnostics.first?.isIncompleteInput ?? false
    }

    enum CompileResult {
        case success(Code)
        case failure([Diagnostic])
    }

    func compile(_ file: SourceFile, commit: Bool) -> CompileResult {
        var tree: Program?
        return compile(file, commit: commit, tree: &tree)
    }

    func compile(_ file: SourceFile, commit: Bool, tree: inout Program?) -> CompileResult {
        let id = sources.add(file)
        var parser = Parser(file: file, fileID: id, catalog: catalog, knownNames: globalNames)
        let (program, syntax) = parser.parseProgram()
        if !syntax.isEmpty { return .failure(syntax) }
        tree = program
        let compiler = Compiler(engine: self, globals: globals, globalSize: globalFrame.slots.count)
        let code = compiler.compileProgram(program)
        if !compiler.diagnostics.isEmpty {
            return .failure(compiler.diagnostics.sorted { ($0.span.file, $0.span.start) < ($1.span.file, $1.span.start) })
        }
        lastWarnings = compiler.warnings.sorted { ($0.span.file, $0.span.start) < ($1.span.file, $1.span.start) }
        if commit {
            globals = compiler.globals
            growGlobals(to: compiler.globalSize)
        }
        return .success(code)
    }

    // MARK: Calls

    /// Calls a function value with arguments (user functions, builtins, and callbacks of
    /// `map`/`filter`/`count`).
    func call(_ function: Function, _ arguments: [Value], span: Span) throws(Unwind) -> Value {
        guard function.arity.contains(arguments.count) else {
            let range = function.arity
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)"
                : range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw ScriptError.runtime(
                "\(function.name) takes \(expected) argument\(expected == "1" ? "" : "s"), not \(arguments.count)", span,
                code: .badArgument)
        }
        if let builtin = function.builtin { return try builtin(arguments, span) }
        try enterCall(function, span: span)
        defer { callDepth -= 1 }
        let frame = takeFrame(for: function)
        defer { giveBack(frame, to: function) }
        for (i, value) in arguments.enumerated() { frame.slots[i] = value }
        if arguments.count < function.parameters.count {
            for i in arguments.count..<function.parameters.count {
                let value = try function.defaults[i]?(frame) ?? .null
                frame.slots[i] = value
            }
        }
        return try runBody(of: function, in: frame)
    }

    /// Calls a script function whose parameters are all given, evaluating the arguments (in
    /// the caller's frame) straight into the callee's: no argument array on the way.
    func call(_ function: Function, evaluating arguments: [Compiler.Step], in caller: Frame, span: Span) throws(Unwind) -> Value {
        let frame = takeFrame(for: function)
        defer { giveBack(frame, to: function) }
        for (i, argument) in arguments.enumerated() { frame.slots[i] = try argument.run(caller) }
        try enterCall(function, span: span)
        defer { callDepth -= 1 }
        return try runBody(of: function, in: frame)
    }

    /// Ctrl-C and the recursion cap, checked as a call starts; counts the call in
    /// `callDepth` (the caller counts it out).
    @inline(__always) private func enterCall(_ function: Function, span: Span) throws(Unwind) {
        if interrupt.isRaised { throw Self.interrupted(span, clearing: interrupt) }
        guard callDepth < maximumCallDepth else {
            throw ScriptError.runtime("recursion deeper than \(maximumCallDepth) calls (in \(function.name))", span, code: .recursionTooDeep)
        }
        callDepth += 1
    }

    /// A frame for a call: a finished call's, when the function allows it, else a new one.
    @inline(__always) private func takeFrame(for function: Function) -> Frame {
        function.spareFrames.popLast() ?? Frame(size: function.frameSize, parent: function.captured)
    }

    /// Keeps a finished call's frame, emptied, for the next call — when nothing made during
    /// the call can have captured it.
    @inline(__always) private func giveBack(_ frame: Frame, to function: Function) {
        guard function.reusesFrames else { return }
        for i in frame.slots.indices { frame.slots[i] = .null }
        function.spareFrames.append(frame)
    }

    /// The body run in its filled frame; `return` ends it with its value.
    @inline(__always) private func runBody(of function: Function, in frame: Frame) throws(Unwind) -> Value {
        do throws(Unwind) {
            return try function.body!(frame)
        } catch .returned(let value) {
            return value
        }
    }

    /// Calls `callee` if it is a function; otherwise says what it is instead.
    func callValue(_ callee: Value, _ arguments: [Value], calleeName: String, span: Span) throws(Unwind) -> Value {
        guard case .function(let function) = callee else {
            let what = Operators.describe(callee)
            throw ScriptError.runtime("\(calleeName) is \(what), not a function", span, code: callee.isNull ? .nullValue : .typeError)
        }
        return try call(function, arguments, span: span)
    }

    static func iterate(_ sequence: Value, span: Span) throws(Unwind) -> [Value] {
        switch sequence {
        case .list(let items): return items
        case .map(let m): return m.keys.map(Value.string)
        case .string(let s): return s.map { .string(String($0)) }
        case .null: return []
        default: throw ScriptError.runtime("cannot loop over a \(sequence.typeName)", span)
        }
    }

    /// The interruption as an error. Raising it consumes the flag: the error now carries the
    /// interruption up, and a `catch` handler can clean up (print, call) before it goes on.
    static func interrupted(_ span: Span, clearing flag: InterruptFlag) -> Unwind {
        let memory = flag.memoryBytes
        flag.clear()
        if memory > 0 { return MemoryLimit.exceeded(memory, what: "the script holds", span) }
        return .failure(ScriptError(.interrupted, "interrupted", code: .interrupted, span: span))
    }

    func runCommand(_ invocation: CommandInvocation) throws(Unwind) -> Value {
        if interrupt.isRaised { throw Self.interrupted(invocation.span, clearing: interrupt) }
        if let own = LanguageCommands.run(invocation, engine: self) { return try own.get() }
        guard let host else {
            throw ScriptError.runtime("'\(invocation.name)' is not available here", invocation.span, code: .unknownCommand)
        }
        do {
            let value = try host.run(try checked(invocation), engine: self)
            // A value nothing reads: the host says whether it holds failures to report.
            if tracksIgnoredFailures, !invocation.resultKept, let message = host.failures(of: invocation, value: value) {
                ignoredFailures.append(IgnoredFailure(message: message, span: invocation.span))
            }
            return value
        } catch {
            var failure = error
            if failure.span == .none { failure.span = invocation.span }
            // The error now carries the interruption (as when the engine raises it).
            if failure.kind == .interrupted { interrupt.clear() }
            throw .failure(failure)
        }
    }

    /// The invocation with each option's value checked against its declared type and in its
    /// checked form (`"8"` → 8, `"15m"` → 15m, `failed` → `FAILED`); a wrong value or a
    /// missing required option is an error with the message the compiler gives for a literal.
    func checked(_ invocation: CommandInvocation) throws(ScriptError) -> CommandInvocation {
        guard let spec = catalog.command(named: invocation.name) else { return invocation }
        var checked = invocation
        for index in checked.options.indices {
            guard let option = spec.option(checked.options[index].name), let value = checked.options[index].value else { continue }
            switch option.accept(value) {
            case .success(let value): checked.options[index].value = value
            case .failure(let problem):
                throw ScriptError(.runtime, "\(spec.name): \(problem.message)", code: .badArgument, span: invocation.span)
            }
        }
        if let problem = spec.missingOptions(given: Set(checked.options.map(\.name))).first {
            throw ScriptError(.runtime, problem.message, code: .badArgument, span: invocation.span)
        }
        return checked
    }

    // MARK: Checks

    func recordCheck(ok: Bool, _ failure: @autoclosure () throws(Unwind) -> CheckResult) throws(Unwind) {
        if ok {
            checksPassed += 1
            if reportsEveryCheck {
                var check = try failure()
                check.passed = true
                delegate?.checkPassed(check)
            }
            return
        }
        checksFailed += 1
        let details = try failure()
        delegate?.checkFailed(details)
        if details.hard { throw .exit(1) }
    }

    // MARK: Output

    func write(_ text: String) { delegate?.write(text) }
    func log(_ line: String) { delegate?.log(line) }

    // MARK: source

    func source(_ path: String, span: Span) throws(Unwind) -> Value {
        guard sourceDepth < 50 else {
            throw ScriptError.runtime("source nested more than 50 deep (does a file source itself?)", span, code: .sourceFailed)
        }
        let resolved = path.hasPrefix("/") ? path : (directories.last.map { $0 + "/" } ?? "") + path
        guard let bytes = Self.readFile(resolved) else {
            throw ScriptError.runtime("cannot read '\(path)'", span, code: .sourceFailed)
        }
        sourceDepth += 1
        defer { sourceDepth -= 1 }
        switch run(SourceFile(name: resolved, bytes: bytes)) {
        case .finished(let value): return value
        case .exited(let status): throw .exit(status)
        case .failed(let failure): throw .failure(failure)
        case .invalid(let diagnostics):
            var failure = ScriptError(.runtime, "'\(path)' has errors", code: .sourceFailed, span: span)
            failure.details["diagnostics"] = .list(diagnostics.map { .string(DiagnosticRenderer(sources: sources).render($0)) })
            throw .failure(failure)
        }
    }

    /// Reads a whole file; nil when it cannot be read. Scripts up to 64 MiB.
    public static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > 64 << 20 { return nil }
        }
    }
}
