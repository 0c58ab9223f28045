"""`obsw lsp` as an editor drives it: a real LSP client (pytest-lsp, on pygls) over pipes.

Run by LanguageServerTests (Swift), which passes the built binary in OBSW_BINARY:
    OBSW_BINARY=.build/debug/obsw .venv-sdk/bin/python -m pytest Tests/LanguageServer
"""

import asyncio
import json
import os

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

OBSW = os.environ["OBSW_BINARY"]
URI = "file:///tmp/obsw-lsp-test/runbook.obsw"
# How long a wait for the server may take before the test fails: generous, because the full
# suite loads the machine (the embedded emulator of a --local server starts in a debug
# build); each wait ends as soon as what it waits for has come.
LIMIT = 120

RUNBOOK = """\
fn pick(xs, n = 1) { return xs[0:n] }
let failed = executions thumbnails --sate FAILED
let first = pick($failed)
resume thumbnails $first --con
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[OBSW, "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim"), root_uri="file:///tmp/obsw-lsp-test")
    )
    yield
    await lsp_client.shutdown_session()


def open_document(client, text, uri=URI, version=1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="obsw", version=version, text=text)
        )
    )


async def diagnostics_of(client, uri=URI, until=lambda found: True):
    """The diagnostics published for `uri`, once they satisfy `until` (LIMIT at the most)."""
    while True:
        published = client.diagnostics.get(uri)
        if published is not None and until(published):
            return published
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), LIMIT)


def position_of(text, needle, offset=0):
    """The LSP position (UTF-16 columns) of `needle` in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    prefix = text[index - column:index]
    return types.Position(line=line, character=len(prefix.encode("utf-16-le")) // 2)


async def test_a_misspelt_option_is_underlined_with_the_option_meant(client: LanguageClient):
    open_document(client, RUNBOOK)
    found = await diagnostics_of(client)
    sate = [d for d in found if "--sate" in d.message]
    assert len(sate) == 1, found
    d = sate[0]
    assert d.code == "OBSW308" and d.severity == types.DiagnosticSeverity.Error and d.source == "obsw"
    assert "did you mean --state?" in d.message
    start = position_of(RUNBOOK, "--sate")
    assert d.range.start == start and d.range.end == types.Position(line=start.line, character=start.character + 6)


async def test_columns_are_utf16_code_units(client: LanguageClient):
    # é is one UTF-16 unit (two bytes), 🚀 two units (four bytes): the range must still
    # cover exactly the misspelt option.
    text = 'let note = "é 🚀"; executions thumbnails --sate FAILED\n'
    open_document(client, text)
    found = await diagnostics_of(client)
    d = next(d for d in found if "--sate" in d.message)
    start = position_of(text, "--sate")
    assert (d.range.start.character, d.range.end.character) == (start.character, start.character + 6), d.range
    assert start.character == text.index("--sate") + 1  # the rocket is one character, two code units


async def test_a_change_publishes_what_check_says_now(client: LanguageClient):
    open_document(client, RUNBOOK)
    await diagnostics_of(client)
    sate = position_of(RUNBOOK, "--sate")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=sate, end=types.Position(line=sate.line, character=sate.character + 6)),
                    text="--state",
                )
            ],
        )
    )
    found = await diagnostics_of(client, until=lambda found: not any("--sate" in d.message for d in found))
    assert any("--con" in d.message for d in found), found


async def test_a_bare_variable_name_gets_obsw311(client: LanguageClient):
    text = "let acc = [1]\nprint acc\n"
    open_document(client, text)
    found = await diagnostics_of(client)
    assert [(d.code, d.severity) for d in found] == [("OBSW311", types.DiagnosticSeverity.Warning)], found
    assert "did you mean $acc?" in found[0].message


async def test_completes_an_option_of_the_command(client: LanguageClient):
    open_document(client, RUNBOOK)
    await diagnostics_of(client)
    end = position_of(RUNBOOK, "--con", 5)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=end)
    )
    labels = [item.label for item in result.items]
    assert labels == ["--concurrency"], labels
    edit = result.items[0].text_edit
    assert edit.new_text == "--concurrency" and edit.range.start == position_of(RUNBOOK, "--con")


async def test_completes_values_commands_and_variables(client: LanguageClient):
    text = "let graph = 1\nexecutions thumbnails --state F\nexe\nprint $gr\n"
    open_document(client, text)
    await diagnostics_of(client)

    async def labels(needle, offset):
        result = await client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(text, needle, offset))
        )
        return [item.label for item in result.items]

    assert await labels("--state F", 9) == ["FAILED"]
    assert "executions" in await labels("exe\n", 3) and "execution" in await labels("exe\n", 3)
    assert await labels("$gr", 3) == ["$graph"]


async def test_hover_shows_help(client: LanguageClient):
    open_document(client, RUNBOOK)
    await diagnostics_of(client)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(RUNBOOK, "resume", 2))
    )
    assert "usage: resume GRAPH TARGET..." in hover.contents.value and "--concurrency N" in hover.contents.value
    misspelt = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(RUNBOOK, "--sate", 3))
    )
    assert misspelt is None  # an option the command does not have has no help
    text = "resume thumbnails x --concurrency 4\n"
    open_document(client, text, uri=URI + "2")
    option = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI + "2"), position=position_of(text, "--concurrency", 4))
    )
    assert "resume up to N at once (default 8)" in option.contents.value
    keyword = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(RUNBOOK, "return", 1))
    )
    assert "usage: return" in keyword.contents.value


async def test_jumps_from_a_call_to_its_fn_and_finds_references(client: LanguageClient):
    open_document(client, RUNBOOK)
    await diagnostics_of(client)
    call = position_of(RUNBOOK, "pick($failed)", 1)
    where = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=call)
    )
    where = where[0] if isinstance(where, list) else where
    assert where.uri == URI and where.range.start == position_of(RUNBOOK, "pick(xs")
    uses = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=position_of(RUNBOOK, "failed ="),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert [u.range.start for u in uses] == [position_of(RUNBOOK, "failed ="), position_of(RUNBOOK, "failed)")]
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert [s.name for s in symbols] == ["pick", "failed", "first"]


async def test_formats_the_document_as_obsw_fmt_does(client: LanguageClient):
    text = "let x=[1 ,2]\nif len(x)>1{\nprint $x\n}\n"
    open_document(client, text)
    await diagnostics_of(client)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=URI), options=types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    assert len(edits) == 1
    assert edits[0].new_text == "let x = [1, 2]\nif len(x) > 1 {\n    print $x\n}\n"
    assert edits[0].range.start == types.Position(line=0, character=0)


async def test_a_request_for_a_document_not_open_is_an_error(client: LanguageClient):
    with pytest.raises(Exception) as error:
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri="file:///nowhere.obsw"), position=types.Position(line=0, character=0))
        )
    assert "not open" in str(error.value)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[OBSW, "lsp"]))
async def local_client(lsp_client: LanguageClient):
    # The editor's settings name the service: here the embedded emulator's demo data.
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim"), initialization_options={"obsw": {"local": True}})
    )
    yield
    await lsp_client.shutdown_session()


async def test_graph_names_come_from_the_service_in_the_background(local_client: LanguageClient):
    text = "executions th"
    open_document(local_client, text)
    params = types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=0, character=13))
    first = await local_client.text_document_completion_async(params)
    assert first.is_incomplete  # names may still be on their way: the editor asks again
    deadline = asyncio.get_running_loop().time() + LIMIT
    while True:
        result = await local_client.text_document_completion_async(params)
        labels = [item.label for item in result.items]
        if "thumbnails" in labels:
            break
        assert asyncio.get_running_loop().time() < deadline, f"no graph names: {labels}"
        await asyncio.sleep(0.1)
    assert "transcode" not in labels  # only names that extend "th"


# Below the client library: bytes an editor, or a broken one, could send.


async def raw_server():
    return await asyncio.create_subprocess_exec(
        OBSW, "lsp", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


def frame(obj):
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_message(stdout):
    headers = await asyncio.wait_for(stdout.readuntil(b"\r\n\r\n"), LIMIT)
    assert headers.startswith(b"Content-Length: "), headers
    length = int(headers.split(b"\r\n")[0].split(b": ")[1])
    return json.loads(await asyncio.wait_for(stdout.readexactly(length), LIMIT))


async def test_survives_garbage_and_writes_only_protocol():
    server = await raw_server()
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 0, "method": "textDocument/hover", "params": {}}))
    before = await read_message(server.stdout)
    assert before["error"]["code"] == -32002, before  # not initialized yet
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}))
    assert "capabilities" in (await read_message(server.stdout))["result"]
    server.stdin.write(b"Content-Type: nothing\r\n\r\n")  # no length: skipped
    server.stdin.write(b"Content-Length: 7\r\n\r\n{oops!}")  # not JSON
    parse_error = await read_message(server.stdout)
    assert parse_error["error"]["code"] == -32700 and parse_error["id"] is None
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "no/such", "params": {}}))
    assert (await read_message(server.stdout))["error"]["code"] == -32601
    server.stdin.write(frame([1, 2, 3]))
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "no/such/notification", "params": {}}))
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 5}}))
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover",
                              "params": {"textDocument": {"uri": "file:///x.obsw"}, "position": {"line": -4, "character": 1e9}}}))
    assert (await read_message(server.stdout))["error"]["code"] == -32602
    # Still serving: a document opens and is checked.
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///x.obsw", "languageId": "obsw", "version": 1, "text": "print \"\\q\"\n"}}}))
    published = await read_message(server.stdout)
    assert published["method"] == "textDocument/publishDiagnostics"
    assert published["params"]["diagnostics"][0]["code"] == "OBSW102"
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover",
                              "params": {"textDocument": {"uri": "file:///x.obsw"}, "position": {"line": 99, "character": 99}}}))
    assert (await read_message(server.stdout))["id"] == 4
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 5, "method": "shutdown"}))
    assert (await read_message(server.stdout)) == {"jsonrpc": "2.0", "id": 5, "result": None}
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    await server.stdin.drain()
    assert await asyncio.wait_for(server.wait(), LIMIT) == 0
    assert await server.stdout.read() == b""  # nothing but protocol, and nothing after exit


async def test_exit_without_shutdown_is_status_1():
    server = await raw_server()
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    await server.stdin.drain()
    assert await asyncio.wait_for(server.wait(), LIMIT) == 1


async def test_a_cancelled_request_is_answered_as_cancelled():
    server = await raw_server()
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}))
    await read_message(server.stdout)
    # Both in one write: the cancel arrives while the request still waits in the queue.
    server.stdin.write(
        frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "file:///c.obsw", "languageId": "obsw", "version": 1, "text": "print 1\n" * 20000}}})
        + frame({"jsonrpc": "2.0", "id": 7, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": "file:///c.obsw"}}})
        + frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 7}})
    )
    messages = [await read_message(server.stdout), await read_message(server.stdout)]
    answer = next(m for m in messages if m.get("id") == 7)
    assert answer["error"]["code"] == -32800, answer
    server.stdin.close()
    assert await asyncio.wait_for(server.wait(), LIMIT) == 1  # input ended without shutdown
