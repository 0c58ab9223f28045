"""Highlighting of .obsw files: vim's syntax file (editors/vim) and the TextMate grammar
(editors/vscode, which VS Code and most highlighters read) give each kind of word of
sample.obsw the expected group or scope.

Run by HighlightingTests (Swift): .venv-sdk/bin/python -m pytest Tests/Highlighting
"""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(HERE, "sample.obsw")
TEXT = open(SAMPLE, encoding="utf-8").read()

# (text to find, which occurrence (0-based), vim syntax group, TextMate scope)
EXPECTED = [
    ("#!/usr/bin/env obsw", 0, "obswComment", "comment.line.number-sign.obsw"),
    ("TODO", 0, "obswTodo", "comment.line.number-sign.obsw"),
    ("let", 0, "obswStatement", "keyword.other.obsw"),
    ('"thumbnails"', 0, "obswString", "string.quoted.double.obsw"),
    ("executions", 0, "obswCommand", "support.function.command.obsw"),
    ("$graph", 0, "obswVariable", "variable.other.obsw"),
    ("--state", 0, "obswOption", "variable.parameter.option.obsw"),
    ("2h", 0, "obswDuration", "constant.numeric.duration.obsw"),
    ("if", 0, "obswConditional", "keyword.control.obsw"),
    ("len", 0, "obswBuiltin", "support.function.builtin.obsw"),
    ("and", 0, "obswOperator", "keyword.operator.logical.obsw"),
    ("false", 0, "obswConstant", "constant.language.obsw"),
    ("print", 0, "obswCommand", "support.function.command.obsw"),
    ("${", 0, "obswInterpolationDelimiter", "punctuation.section.interpolation.begin.obsw"),
    ("$graph\\n", 0, "obswVariable", "variable.other.obsw"),
    ("\\n", 0, "obswEscape", "constant.character.escape.obsw"),
    ("'as $written'", 0, "obswString", "string.quoted.single.obsw"),
    ("resume", 0, "obswCommand", "support.function.command.obsw"),
    ("--canary-timeout", 0, "obswOption", "variable.parameter.option.obsw"),
    ("1h30m", 0, "obswDuration", "constant.numeric.duration.obsw"),
    ("assert", 0, "obswCheck", "keyword.other.check.obsw"),
    ("1.5e3", 0, "obswNumber", "constant.numeric.obsw"),
    ("$(", 0, "obswInterpolationDelimiter", "punctuation.section.substitution.begin.obsw"),
]


def where(needle, occurrence):
    """1-based line and byte column of the start of `needle` (its `occurrence`-th)."""
    index = -1
    for _ in range(occurrence + 1):
        index = TEXT.index(needle, index + 1)
    line = TEXT.count("\n", 0, index) + 1
    column = len(TEXT[TEXT.rfind("\n", 0, index) + 1:index].encode()) + 1
    return line, column


def test_vim_loads_the_syntax_without_errors_and_groups_each_word():
    vim = shutil.which("vim")
    assert vim, "the highlighting test needs vim (apt-get install vim)"
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "groups")
        positions = ", ".join(f"[{l}, {c}]" for l, c in (where(n, o) for n, o, _, _ in EXPECTED))
        script = os.path.join(scratch, "check.vim")
        with open(script, "w") as f:
            f.write(f"""set runtimepath^={os.path.join(ROOT, "editors", "vim")}
filetype plugin on
syntax on
edit {SAMPLE}
let out = ['filetype=' . &filetype, 'errors=' . v:errmsg, 'shiftwidth=' . &shiftwidth]
for [l, c] in [{positions}]
  call add(out, synIDattr(synID(l, c, 1), 'name'))
endfor
call writefile(out, '{out}')
qa!
""")
        run = subprocess.run([vim, "-u", "NONE", "-N", "-es", "-S", script], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        lines = open(out).read().splitlines()
    assert lines[:3] == ["filetype=obsw", "errors=", "shiftwidth=4"], lines[:3]
    got = lines[3:]
    wrong = [(n, want, have) for (n, _, want, _), have in zip(EXPECTED, got) if want != have]
    assert not wrong, wrong


def scopes_at():
    from textmate_grammar.parsers.base import LanguageParser

    grammar = json.load(open(os.path.join(ROOT, "editors", "vscode", "syntaxes", "obsw.tmLanguage.json")))
    parsed = LanguageParser(grammar).parse_string(TEXT)
    assert parsed is not None, "the TextMate grammar did not tokenize the sample"
    tokens = {}
    for (line, column), _, scopes in parsed.flatten():
        tokens[(line + 1, column + 1)] = scopes
    return tokens


def test_the_textmate_grammar_is_valid_and_scopes_each_word():
    grammar = json.load(open(os.path.join(ROOT, "editors", "vscode", "syntaxes", "obsw.tmLanguage.json")))
    assert grammar["scopeName"] == "source.obsw"
    # Every include names a rule that exists.
    text = json.dumps(grammar)
    for name in {part.split('"')[0] for part in text.split('"include": "#')[1:]}:
        assert name in grammar["repository"], name
    tokens = scopes_at()
    wrong = []
    for needle, occurrence, _, scope in EXPECTED:
        line, column = where(needle, occurrence)
        # The token that covers the column: the nearest start at or before it.
        starts = [c for (l, c) in tokens if l == line and c <= column]
        have = tokens[(line, max(starts))] if starts else []
        if scope not in have:
            wrong.append((needle, scope, have))
    assert not wrong, wrong


def test_the_extension_names_its_files():
    package = json.load(open(os.path.join(ROOT, "editors", "vscode", "package.json")))
    language = package["contributes"]["languages"][0]
    assert language["id"] == "obsw" and ".obsw" in language["extensions"]
    for path in [language["configuration"], package["contributes"]["grammars"][0]["path"], package["main"]]:
        assert os.path.exists(os.path.join(ROOT, "editors", "vscode", path)), path
    config = json.load(open(os.path.join(ROOT, "editors", "vscode", "language-configuration.json")))
    assert config["comments"]["lineComment"] == "#"
