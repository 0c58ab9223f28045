"""End-to-end tests of the interactive shell in a pseudo-terminal.

Usage: shell_pty_tests.py OBSW_BINARY
Each test drives the real binary with pexpect, synchronised on the numbered prompt
("[N]> "), with TERM=xterm, a UTF-8 locale and a private history folder. Prints one line
per test and closes with "N passed, N failed"; exits 1 on any failure.
"""
import os
import shutil
import sys
import tempfile
import time
import traceback

import pexpect

BINARY = sys.argv[1]
STATE = tempfile.mkdtemp(prefix="obsw-pty-")
HISTORY = os.path.join(STATE, "obsw", "history")


def spawn(*arguments, state=STATE, extra_env=None):
    env = {"TERM": "xterm", "LANG": "C.UTF-8", "HOME": STATE, "XDG_STATE_HOME": state, "PATH": "/usr/bin:/bin"}
    env.update(extra_env or {})
    child = pexpect.spawn(BINARY, list(arguments), env=env, encoding="utf-8", timeout=15, dimensions=(40, 160))
    return child


def prompt(child, n):
    child.expect_exact(f"[{n}]> ")


def finish(child):
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, f"exit status {child.exitstatus}, signal {child.signalstatus}"


def test_prompt_and_table():
    child = spawn("--local")
    child.expect_exact("obsw (local emulator) [1]> ")
    child.sendline("executions thumbnails --state FAILED --limit 3")
    child.expect(r"execution_name\s+execution_state")
    child.expect(r"exec-\d+\s+FAILED")
    child.expect_exact("(3 rows")
    prompt(child, 2)
    child.sendline("let n = 2")
    prompt(child, 3)
    child.sendline("n * 21")
    child.expect_exact("42")
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
    child.send("\t")
    time.sleep(0.5)
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
    child.sendline("sleep 30s")
    time.sleep(0.5)
    started = time.time()
    child.sendcontrol("c")
    child.expect_exact("interrupted")
    prompt(child, 2)
    assert time.time() - started < 1.0, time.time() - started
    child.send("this line is dropped")
    time.sleep(0.2)
    child.sendcontrol("c")
    prompt(child, 2)
    child.sendline('print "still works ✓ héllo"')
    child.expect_exact("still works ✓ héllo")
    prompt(child, 3)
    finish(child)


def test_ctrl_c_during_a_bulk_resume_returns_to_the_prompt_with_counts():
    # An emulator of its own whose every answer takes 300 ms, so the resume is still going.
    import re
    import subprocess
    import urllib.request
    emulator = subprocess.Popen([BINARY, "emulator", "--port", "0", "--faults", "slow=1,slow-ms=300"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = ""
        while "control:" not in banner:
            banner += emulator.stdout.readline()
        endpoint = re.search(r"API on (http://[\d.:]+)", banner).group(1)
        child = spawn(extra_env={"OBS_ENDPOINT": endpoint, "OBS_ACCESS_KEY_ID": "OBSWEMULATORDEMOKEY",
                                 "OBS_SECRET_ACCESS_KEY": "obsw-emulator-demo-secret-key"})
        prompt(child, 1)
        child.sendline("let failed = executions thumbnails --state FAILED")
        prompt(child, 2)
        child.sendline("resume thumbnails $failed --concurrency 2")
        time.sleep(2)
        child.sendcontrol("c")
        child.expect(r"interrupted \(resume thumbnails: (\d+) resumed, (\d+) skipped")
        resumed, skipped = int(child.match.group(1)), int(child.match.group(2))
        prompt(child, 3)
        assert resumed > 0 and skipped > 0, (resumed, skipped)
        # What the shell says it resumed is what the service applied.
        with urllib.request.urlopen(endpoint + "/-/emulator/restores") as answer:
            total = int(re.search(r'"total":(\d+)', answer.read().decode()).group(1))
        assert total == resumed, (total, resumed)
        child.sendline('print "still here"')
        child.expect_exact("still here")
        prompt(child, 4)
        finish(child)
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


tests = [value for name, value in sorted(globals().items()) if name.startswith("test_")]
passed = failed = 0
for test in tests:
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
