"""End-to-end tests of the interactive shell in a pseudo-terminal.

Usage: shell_pty_tests.py OBSW_BINARY   (OBSW_PTY_ONLY=WORD runs only the tests whose name holds WORD)
Each test drives the real binary with pexpect, synchronised on the numbered prompt
("[N]> "), with TERM=xterm, a UTF-8 locale and a private history folder. Prints one line
per test and closes with "N passed, N failed"; exits 1 on any failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import pexpect

BINARY = sys.argv[1]
STATE = tempfile.mkdtemp(prefix="obsw-pty-")
HISTORY = os.path.join(STATE, "obsw", "history")


def environment(state=STATE, extra_env=None):
    env = {"TERM": "xterm", "LANG": "C.UTF-8", "HOME": STATE, "XDG_STATE_HOME": state, "PATH": "/usr/bin:/bin"}
    env.update(extra_env or {})
    return env


def spawn(*arguments, state=STATE, extra_env=None, under=(), cwd=None):
    """obsw in a pseudo-terminal; `under`: a command to run it under (strace ...)."""
    command = [*under, BINARY, *arguments]
    return pexpect.spawn(command[0], command[1:], env=environment(state, extra_env), encoding="utf-8",
                         timeout=15, dimensions=(40, 160), cwd=cwd)


def prompt(child, n):
    child.expect_exact(f"[{n}]> ")


def tab_until(child, pattern, tries=20):
    """Presses Tab until `pattern` shows: names from the service may take longer than the
    300 ms a Tab waits for them (a slow machine); the fetch then fills the cache for the
    next Tab."""
    for _ in range(tries):
        child.send("\t")
        try:
            child.expect(pattern, timeout=1)
            return
        except pexpect.TIMEOUT:
            pass
    raise AssertionError(f"Tab never offered {pattern!r}")


def finish(child, timeout=-1):
    child.sendcontrol("d")
    child.expect(pexpect.EOF, timeout=timeout)
    child.close()
    assert child.exitstatus == 0, f"exit status {child.exitstatus}, signal {child.signalstatus}"


def start_emulator(*arguments):
    """`obsw emulator` in a process of its own; returns it and its endpoint once it serves."""
    emulator = subprocess.Popen([BINARY, "emulator", "--port", "0", *arguments],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = ""
    while "control:" not in banner:
        line = emulator.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator did not start:\n{banner}")
        banner += line
    return emulator, re.search(r"API on (http://[\d.:]+)", banner).group(1)


def emulator_env(endpoint):
    return {"OBS_ENDPOINT": endpoint, "OBS_ACCESS_KEY_ID": "OBSWEMULATORDEMOKEY",
            "OBS_SECRET_ACCESS_KEY": "obsw-emulator-demo-secret-key"}


def test_prompt_and_table():
    child = spawn("--local")
    child.expect_exact("obsw (local emulator) [1]> ")
    child.sendline("executions thumbnails --state FAILED --limit 3")
    child.expect(r"execution_name\s+execution_state")
    child.expect(r"exec-\d+\s+(\x1b\[31m)?FAILED")  # coloured on a terminal
    child.expect_exact("(3 rows")
    prompt(child, 2)
    child.sendline("let n = 2")
    prompt(child, 3)
    child.sendline("n * 21")
    child.expect_exact("42")
    prompt(child, 4)
    finish(child)


def test_dwr_prompt_and_the_same_commands():
    child = spawn("--local", "--service", "dwr")
    child.expect_exact("obsw (local emulator, DWR) [1]> ")
    child.sendline("executions thumbnails --state FAILED --limit 3")
    child.expect(r"execution_name\s+execution_state")
    child.expect(r"exec-\d+\s+(\x1b\[31m)?FAILED")
    child.expect_exact("(3 rows")
    prompt(child, 2)
    child.sendline("let d = execution thumbnails $_[0].execution_name")
    prompt(child, 3)
    child.sendline("d.failed_states[0].name")
    child.expect(r"(publish|make-thumbnail)\r\n")
    prompt(child, 4)
    finish(child)


def test_multiline_for_block():
    child = spawn()
    prompt(child, 1)
    child.sendline("for x in [1, 2] {")
    child.expect_exact("...> ")
    child.sendline('print "item $x"')
    child.expect_exact("...> ")
    child.sendline("}")
    child.expect_exact("item 1")
    child.expect_exact("item 2")
    prompt(child, 2)
    child.sendline('let s = "open')
    child.expect_exact("...> ")
    child.sendline('string"')
    prompt(child, 3)
    child.sendline("len(s)")
    child.expect_exact("11")
    # Ctrl-D only once the prompt is up: sent while a line runs, the terminal is not yet
    # in the line editor's hands and the EOF can be lost.
    prompt(child, 4)
    finish(child)


def test_history_recalled_in_next_session_and_secrets_kept_out():
    child = spawn()
    prompt(child, 1)
    child.sendline('print "from-session-one"')
    child.expect_exact("from-session-one")
    prompt(child, 2)
    child.sendline('print "my secret is hunter2"')
    prompt(child, 3)
    finish(child)
    child = spawn()
    prompt(child, 1)
    child.send("\x1b[A")  # up arrow: the last line stored is the one without a secret
    time.sleep(0.2)
    child.send("\r")
    child.expect_exact("from-session-one")
    prompt(child, 2)
    finish(child)
    text = open(HISTORY, encoding="utf-8").read()
    assert "hunter2" not in text, text
    assert oct(os.stat(HISTORY).st_mode & 0o777) == "0o600"


def test_concurrent_sessions_keep_all_lines():
    state = tempfile.mkdtemp(prefix="obsw-pty-concurrent-")
    a, b = spawn(state=state), spawn(state=state)
    prompt(a, 1)
    prompt(b, 1)
    for i in range(1, 6):
        a.sendline(f'print "a-{i}"')
        a.expect_exact(f"a-{i}")
        prompt(a, i + 1)
        b.sendline(f'print "b-{i}"')
        b.expect_exact(f"b-{i}")
        prompt(b, i + 1)
    finish(a)
    finish(b)
    text = open(os.path.join(state, "obsw", "history"), encoding="utf-8").read()
    for name in ["a", "b"]:
        for i in range(1, 6):
            assert f'print "{name}-{i}"' in text, text
    shutil.rmtree(state)


def test_completion_of_command_and_graph_names():
    child = spawn("--local")
    prompt(child, 1)
    child.send("help resu")
    child.send("\t")
    time.sleep(0.3)
    child.send("\r")
    child.expect_exact("usage: resume GRAPH TARGET...")
    prompt(child, 2)
    child.send("graph thu")
    tab_until(child, "mbnails ")
    child.send("\r")
    child.expect(r"name\s+thumbnails")
    prompt(child, 3)
    child.send("executions thumbnails --sta")
    child.send("\t")
    time.sleep(0.3)
    child.send("FAILED --limit 1\r")
    child.expect_exact("(1 row")
    prompt(child, 4)
    finish(child)


def test_ctrl_c_cancels_a_running_command_and_clears_a_line():
    child = spawn()
    prompt(child, 1)
    child.sendline('print "sleeping"; sleep 30s')
    child.expect_exact("sleeping")
    started = time.time()
    child.sendcontrol("c")
    child.expect_exact("interrupted")
    prompt(child, 2)
    # Not a measure of speed: that the 30 s sleep was cut short, on however busy a machine.
    assert time.time() - started < 10, time.time() - started
    child.send("this line is dropped")
    child.expect_exact("this line is dropped")  # echoed: the line editor has it
    child.sendcontrol("c")
    prompt(child, 2)
    child.sendline('print "still works ✓ héllo"')
    child.expect_exact("still works ✓ héllo")
    prompt(child, 3)
    finish(child)


def test_ctrl_c_during_a_bulk_resume_returns_to_the_prompt_with_counts():
    # An emulator of its own whose every answer takes 300 ms, so the resume is still going.
    import urllib.request
    emulator, endpoint = start_emulator("--faults", "slow=1,slow-ms=300")
    try:
        child = spawn(extra_env=emulator_env(endpoint))
        prompt(child, 1)
        child.sendline("let failed = executions thumbnails --state FAILED")
        prompt(child, 2)
        child.sendline("let results = resume thumbnails $failed --concurrency 2")
        # More than 20 executions: the shell asks first.
        child.expect(r"resume (\d+) executions of thumbnails\? \(p: write a plan to approve instead\) \[y/N/p\] ")
        total_targets = int(child.match.group(1))
        child.sendline("y")
        child.expect(r"resume thumbnails: \d+/\d+")  # the progress line: it has started
        time.sleep(1)
        child.sendcontrol("c")
        child.expect(r"interrupted \(resume thumbnails: (\d+) resumed, (\d+) not_attempted in [\d.]+s[;)]")
        resumed, not_attempted = int(child.match.group(1)), int(child.match.group(2))
        child.expect_exact(f"the {total_targets} results so far are in _")
        prompt(child, 3)
        assert resumed > 0 and not_attempted > 0 and resumed + not_attempted == total_targets, (resumed, not_attempted)
        # What the shell says it resumed is what the service applied.
        with urllib.request.urlopen(endpoint + "/-/emulator/restores") as answer:
            total = int(re.search(r'"total":(\d+)', answer.read().decode()).group(1))
        assert total == resumed, (total, resumed)
        # The partial results are kept in _ (the variable itself was never assigned).
        child.sendline('[len(_), len([r for r in _ if r.outcome == "not_attempted"]), results]')
        child.expect_exact(f"[{total_targets}, {not_attempted}, null]")
        prompt(child, 4)
        finish(child)
    finally:
        emulator.terminate()
        emulator.wait()


def test_a_large_resume_asks_first_unless_yes():
    child = spawn("--local", state=tempfile.mkdtemp(prefix="obsw-pty-confirm-"))
    prompt(child, 1)
    child.sendline("let failed = executions thumbnails --state FAILED")
    prompt(child, 2)
    child.sendline("resume thumbnails $failed")
    child.expect(r"resume (\d+) executions of thumbnails\? \(p: write a plan to approve instead\) \[y/N/p\] ")
    count = int(child.match.group(1))
    assert count > 20, count
    child.sendline("n")
    child.expect_exact("not confirmed; nothing was sent (--yes skips the question)")
    prompt(child, 3)
    # Nothing was resumed: all are still FAILED.
    child.sendline("len($(executions thumbnails --state FAILED))")
    child.expect_exact(str(count))
    prompt(child, 4)
    # A small resume does not ask.
    child.sendline("let one = resume thumbnails $failed[0]")
    child.expect_exact("resume thumbnails: 1 resumed in")
    prompt(child, 5)
    finish(child)
    child = spawn("--local", "--yes", state=tempfile.mkdtemp(prefix="obsw-pty-yes-"))
    prompt(child, 1)
    child.sendline("let r = resume thumbnails $(executions thumbnails --state FAILED)")
    child.expect(r"resume thumbnails: (\d+) resumed in")
    assert int(child.match.group(1)) > 20
    prompt(child, 2)
    finish(child)


def test_a_large_resume_can_write_a_plan_instead():
    folder = tempfile.mkdtemp(prefix="obsw-pty-plan-")
    child = spawn("--local", state=folder, cwd=folder, extra_env={"LOGNAME": "alice"})
    prompt(child, 1)
    child.sendline("let failed = executions thumbnails --state FAILED")
    prompt(child, 2)
    child.sendline("resume thumbnails $failed --concurrency 4")
    child.expect(r"resume (\d+) executions of thumbnails\? \(p: write a plan to approve instead\) \[y/N/p\] ")
    count = int(child.match.group(1))
    child.sendline("p")
    child.expect(rf"resumes:  {count} FAILED executions")
    child.expect(r"Approve: obsw plan approve (resume-thumbnails-\d{8}T\d{6}Z\.plan)   Apply: obsw apply \1")
    name = child.match.group(1)
    prompt(child, 3)
    # Nothing was resumed: all are still FAILED.
    child.sendline("len($(executions thumbnails --state FAILED))")
    child.expect_exact(str(count))
    prompt(child, 4)
    finish(child)
    shown = subprocess.run([BINARY, "plan", "show", "--format", "json", os.path.join(folder, name)], capture_output=True,
                           text=True, env=environment(folder), timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert f'"targets":{count}' in shown.stdout and '"author":"alice@' in shown.stdout, shown.stdout
    assert '"options":{"concurrency":4' in shown.stdout, shown.stdout


def test_type_ahead_is_kept_while_a_command_runs():
    child = spawn()
    prompt(child, 1)
    child.sendline("sleep 1s")
    # Typed while sleep runs, before any prompt: a line, then Ctrl-D on the empty line after it.
    time.sleep(0.2)
    child.send('print "typed ahead"\r')
    child.sendcontrol("d")
    child.expect_exact("typed ahead")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    # The terminal is given back as it was: line editing and echo on after obsw ends, even
    # when it ends in the middle of held type-ahead.
    shell = pexpect.spawn("/bin/sh", ["-c", f"'{BINARY}'; stty -a"], env=environment(), encoding="utf-8", timeout=15)
    prompt(shell, 1)
    shell.sendline("sleep 500ms")
    shell.sendline("exit 4")
    shell.expect(r"(-?icanon).*?(-?echo) ")
    assert shell.match.group(1) == "icanon" and shell.match.group(2) == "echo", shell.match.group(0)
    shell.expect(pexpect.EOF)


def test_underscore_holds_the_last_result_and_values_render_for_reading():
    child = spawn("--local", extra_env={"PAGER": "sed s/^/PAGED:/", "NO_COLOR": "1"})
    prompt(child, 1)
    child.sendline("graphs")
    child.expect(r"name\s+")
    prompt(child, 2)
    child.sendline("len(_) > 0")
    child.expect_exact("true")
    prompt(child, 3)
    # An execution shows its state first.
    child.sendline("let f = executions thumbnails --state FAILED --limit 1; execution thumbnails $f[0].execution_name")
    child.expect(r"\n(PAGED:)?execution_state\s+FAILED\r\n")
    prompt(child, 4)
    # group(...) is a table of key and count.
    child.sendline('group($(executions thumbnails), "execution_state")')
    child.expect(r"key\s+count")
    child.expect(r"FAILED\s+\d+")
    child.expect(r"\(\d rows?\)")
    prompt(child, 5)
    # Taller than the terminal (40 rows): through $PAGER.
    child.sendline("executions thumbnails")
    child.expect_exact("PAGED:execution_name")
    prompt(child, 6)
    # A short one is not paged.
    child.sendline("executions thumbnails --limit 2")
    child.expect(r"\r\nexecution_name")
    prompt(child, 7)
    # wait ends with a summary line, as resume does.
    child.sendline("let w = wait thumbnails $(executions thumbnails --state FAILED --limit 2)")
    child.expect(r"wait thumbnails: 2 FAILED in \d+\.\ds")
    prompt(child, 8)
    finish(child)


def test_colour_in_tables_unless_no_color():
    child = spawn("--local")
    prompt(child, 1)
    child.sendline("executions thumbnails --state FAILED --limit 1")
    child.expect_exact("\x1b[31mFAILED\x1b[0m")
    prompt(child, 2)
    child.sendline("print $nosuch")
    child.expect_exact("\x1b[31merror:\x1b[0m")
    prompt(child, 3)
    finish(child)
    child = spawn("--local", extra_env={"NO_COLOR": "1"})
    prompt(child, 1)
    child.sendline("executions thumbnails --state FAILED --limit 1")
    child.expect(r"exec-\d+\s+FAILED")
    assert "\x1b[31m" not in child.before + child.after
    prompt(child, 2)
    finish(child)


def test_completion_of_everything():
    child = spawn("--local")
    prompt(child, 1)
    # Each: typed, Tab, the rest of the line; the completed line runs and shows its effect.
    cases = [
        ("pri", ' "completed-print"', "completed-print"),  # a language command
        ("executions thumbnails --state F", " --limit 1", "(1 row"),  # an option's value
        ("let n = le", "[1, 2, 3]); print \"n=$n\"", "n=3"),  # `len(`  # a builtin in an expression
    ]
    for number, (typed, rest, shown) in enumerate(cases, start=1):
        child.send(typed)
        child.send("\t")
        time.sleep(0.3)
        child.send(rest + "\r")
        child.expect_exact(shown)
        prompt(child, number + 1)
    # The values of --until, and execution names of the graph typed (from the service).
    # (Ctrl-U empties the line; the next line's output — not its echo — proves the prompt is back.)
    child.send("wait thumbnails --until \t\t")
    child.expect(r"success\s+terminal")
    child.sendcontrol("u")
    child.sendline('print "after" "until"')
    child.expect_exact("after until")
    prompt(child, 5)
    child.send("execution thumbnails exec-00")
    tab_until(child, r"exec-00\d\d\s+exec-00\d\d")
    child.sendcontrol("u")
    child.sendline('print "after" "names"')
    child.expect_exact("after names")
    prompt(child, 6)
    finish(child)


def test_ctrl_r_searches_history():
    child = spawn(state=tempfile.mkdtemp(prefix="obsw-pty-search-"))
    prompt(child, 1)
    child.sendline('print "needle-in-history"')
    child.expect_exact("needle-in-history")
    prompt(child, 2)
    child.sendline('print "something else"')
    prompt(child, 3)
    child.sendcontrol("r")
    child.send("needle")
    time.sleep(0.3)
    child.send("\r")
    child.expect_exact("needle-in-history")
    prompt(child, 4)
    finish(child)


def test_prompt_names_the_profile():
    state = tempfile.mkdtemp(prefix="obsw-pty-profile-")
    config = os.path.join(state, "config")
    with open(config, "w") as f:
        f.write("[prod]\nendpoint = https://obs.cn-north-4.myhuaweicloud.com\naccess_key_id = AK\nsecret_access_key = SK\n")
    os.chmod(config, 0o600)
    child = spawn("--profile", "prod", "--config-file", config, state=state)
    child.expect_exact("obsw (prod) [1]> ")
    finish(child)


def test_ctrl_d_the_moment_the_first_prompt_shows_ends_the_shell():
    # libedit draws the prompt before it leaves line mode; a Ctrl-D typed in that gap was
    # taken by the terminal's line discipline and reached the shell as a NUL key (the shell
    # then waited for more). Under strace, which slows each system call, the gap is wide
    # enough that the old shell missed 6 Ctrl-Ds of 10; without strace it is microseconds.
    traced = shutil.which("strace") and subprocess.run(
        ["strace", "-o", "/dev/null", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not traced:
        print("note: strace cannot trace here; the Ctrl-D test runs without widening the gap")
    tracer = ("strace", "-f", "-o", "/dev/null") if traced else ()
    for attempt in range(10):
        # Every other time at the prompt after a pager, which gives the terminal its own
        # settings (there the gap did not show in 10 traced tries: this checks the path works).
        paged = attempt % 2 == 1
        child = spawn(extra_env={"PAGER": "sed s/^/PAGED:/"}, under=tracer)
        child.delaybeforesend = None
        prompt(child, 1)
        if paged:
            child.sendline('[{"i": i} for i in range(60)]')
            child.expect_exact("PAGED:")
            prompt(child, 2)
        finish(child, timeout=10)


def test_dash_c_on_a_terminal_shows_a_table():
    # Piped, -c prints no value unless --output is given (CommandLineTests); on a terminal it
    # shows the value as the shell would.
    child = spawn("--local", "-c", "executions thumbnails --state FAILED --limit 2")
    child.expect(r"execution_name\s+execution_state")
    child.expect_exact("(2 rows")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.exitstatus

def test_a_throttled_resume_shows_its_pace_on_the_live_line():
    # A quota of 5 restores a second (a bucket of one): the first burst of 8 is refused.
    scenario = os.path.join(tempfile.mkdtemp(prefix="obsw-pty-quota-"), "quota.json")
    with open(scenario, "w") as f:
        f.write('{"graphs": [{"name": "bulk", "states": ["work"], "seed": {"count": 30, "failed": 1, "fail_always": 0, "running": 0}}]}')
    emulator, endpoint = start_emulator("--scenario", scenario, "--rate-limit", "5")
    try:
        child = spawn("-c", "let f = executions bulk --state FAILED\nresume bulk $f --concurrency 8",
                      extra_env=emulator_env(endpoint))
        child.timeout = 60
        # The live line: counts, the rate, the pace and the refusals absorbed so far.
        child.expect(r"resume bulk: \d+/30 — \d+ resumed, 0 skipped, 0 failed, \d+/s \(paced to \d+/s, [1-9]\d* throttled\)")
        child.expect(r"resume bulk: 30 resumed in [\d.]+m?s; ([1-9]\d*) throttled \(429/503\) and retried, paced to \d+/s")
        child.expect(pexpect.EOF)
    finally:
        emulator.terminate()
        emulator.wait()


def test_errors_keep_the_shell_running():
    child = spawn()
    prompt(child, 1)
    child.sendline("let x = faild")
    child.expect_exact("undeclared variable 'faild'")
    prompt(child, 2)
    child.sendline("1 / 0")
    child.expect_exact("division by zero")
    prompt(child, 3)
    child.sendline("history 2")
    child.expect_exact("1 / 0")
    prompt(child, 4)
    finish(child)


def hostile_service():
    """A v2 service whose only FAILED execution has a name that is code in obsw's language:
    `exec-0002;print "PWNED"`. Answers listings, and reads of any execution."""
    import http.server
    import json
    import threading
    import urllib.parse
    name = 'exec-0002;print "PWNED"'

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/v2/workflowexecutions?"):
                body = {"count": 1, "is_truncated": False, "executions": [
                    {"execution_name": name, "execution_state": "FAILED", "execution_type": "APICALL",
                     "started_at": "2026-12-01T10:00:00.000Z", "stopped_at": "2026-12-01T10:01:00.000Z"}]}
            else:
                requested = urllib.parse.unquote(self.path.split("?")[0].rsplit("/", 1)[-1])
                body = {"execution_info": {"execution_name": requested, "execution_state": "FAILED", "state_map": {}}}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_a_name_from_the_service_completes_as_one_quoted_argument():
    # Tab once inserted a service's name verbatim: `exec-0002;print "PWNED"` completed as
    # code, and Enter ran the second statement. Now a name that is not a plain word is
    # inserted quoted, replacing what was typed of it, and names one execution.
    server, endpoint = hostile_service()
    try:
        child = spawn(extra_env=emulator_env(endpoint))
        prompt(child, 1)
        child.send("execution thumbnails exec-0002")
        # libedit inserts the opening quote in place, then the rest: the tail shows whole.
        tab_until(child, re.escape(';print \\"PWNED\\"" '))
        child.send("\r")
        child.expect(r"execution_name\s+exec-0002;print \"PWNED\"")
        prompt(child, 2)
        assert not re.search(r"^PWNED\r?$", child.before, re.MULTILINE), child.before
        finish(child)
    finally:
        server.shutdown()


tests = [value for name, value in sorted(globals().items()) if name.startswith("test_")]
passed = failed = 0
only = os.environ.get("OBSW_PTY_ONLY")
for test in tests:
    if only and only not in test.__name__:
        continue
    try:
        test()
        passed += 1
        print(f"ok   {test.__name__}")
    except Exception:
        failed += 1
        print(f"FAIL {test.__name__}")
        traceback.print_exc()
shutil.rmtree(STATE, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
