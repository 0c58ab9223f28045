import ObswLang
import CLibEdit
import ObswTerminal
import ObswText

#if canImport(Glibc)
import Glibc
#endif

/// The terminal line reader on libedit: editing, history (up arrow, Ctrl-R to search it)
/// and Tab completion. Ctrl-C while typing drops the line; Ctrl-D on an empty line ends input.
///
/// Type-ahead: while a command runs, the terminal stays in a mode that holds keys without
/// echoing or interpreting them (no line discipline, so Ctrl-D is just a key), and the next
/// prompt reads them as if typed there. Ctrl-C still interrupts.
public final class EditLineReader: LineReader {
    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private var prompt: UnsafeMutablePointer<CChar>?
    let completer: Completer
    /// The terminal's settings when the shell started; given back at exit and to a pager.
    private var original = termios()
    private var hasTerminal = false
    /// The terminal was given its own settings (a pager); the next read takes it back.
    private var suspended = false

    public init(programName: String, completer: Completer, historyEntries: [String], historySize: Int) {
        shim_use_utf8_locale()
        self.completer = completer
        // Before libedit changes the terminal.
        hasTerminal = tcgetattr(0, &original) == 0
        editLine = el_init(programName, shim_stdin(), shim_stdout(), shim_stderr())
        history = history_init()
        shim_history_set_size(history, Int32(max(historySize, 1)))
        shim_history_set_unique(history, 1)
        for entry in historyEntries { shim_history_enter(history, entry) }
        shim_el_set_editor(editLine, "emacs")
        shim_el_set_signal(editLine, 1)
        shim_el_set_history(editLine, history)
        shim_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        shim_el_set_prompt(editLine) { el in
            guard let el, let data = shim_el_get_clientdata(el) else { return nil }
            return Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue().prompt
        }
        shim_el_add_function(editLine, "obsw-complete", "complete the word") { el, _ in
            guard let el, let data = shim_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue().complete(el)
        }
        shim_el_bind(editLine, "^I", "obsw-complete")
        shim_el_bind(editLine, "^R", "em-inc-search-prev")
        // libedit's mode between lines (and before the first prompt, which it draws before
        // it leaves that mode): no line discipline and no echo. In line mode a Ctrl-D typed
        // as a prompt appeared became end-of-file, and reached the shell as a NUL key.
        shim_el_keep_keys_raw_between_lines(editLine)
        Interrupts.installForShell()
    }

    public func suspend() {
        guard hasTerminal else { return }
        tcsetattr(0, TCSANOW, &original)
        suspended = true
    }

    deinit {
        // The terminal's own settings go back last, after libedit's cleanup.
        el_end(editLine)
        suspend()
        history_end(history)
        free(prompt)
    }

    public func read(prompt text: String) -> LineInput {
        free(prompt)
        prompt = strdup(text)
        fflush(shim_stdout())
        _ = Interrupts.take()
        if suspended {
            shim_el_keep_keys_raw_between_lines(editLine)  // applies at once
            suspended = false
        }
        var count: Int32 = 0
        let result = el_gets(editLine, &count)
        if Interrupts.take() || (result == nil && count == -1 && errno == EINTR) {
            writeOut("\n")
            return .interrupted
        }
        guard let result, count > 0 else { return .end }
        var line = String(cString: result)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }


    public func remember(_ line: String) {
        shim_history_enter(history, line)
    }

    /// Tab: extends the word by what all candidates share, or lists them.
    private func complete(_ el: OpaquePointer) -> UInt8 {
        guard let info = el_line(el) else { return UInt8(CC_ERROR) }
        let start = UnsafeRawPointer(info.pointee.buffer)!
        let cursor = UnsafeRawPointer(info.pointee.cursor)!
        let before = String(decoding: UnsafeRawBufferPointer(start: start, count: cursor - start), as: UTF8.self)
        let (word, candidates) = completer.complete(before)
        guard !candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        if candidates.count == 1 {
            // A word ends with a space; a call (`len(`) goes on inside its brackets.
            let candidate = candidates[0]
            let ending = candidate.hasSuffix("(") ? "" : " "
            if candidate.hasPrefix(word) {
                el_insertstr(el, String(candidate.dropFirst(word.count)) + ending)
            } else {
                // A name that had to be quoted replaces what was typed of it.
                el_deletestr(el, Int32(word.unicodeScalars.count))
                el_insertstr(el, candidate + ending)
            }
            return UInt8(CC_REFRESH)
        }
        let common = Completer.commonExtension(word, candidates)
        if !common.isEmpty {
            el_insertstr(el, common)
            return UInt8(CC_REFRESH)
        }
        writeOut("\n" + candidates.map(Escape.terminal).joined(separator: "  ") + "\n")
        return UInt8(CC_REDISPLAY)
    }
}

