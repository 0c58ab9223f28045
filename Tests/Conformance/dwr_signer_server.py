"""A small DWR v3 stand-in that checks every request with the official SDK's own signer.

Usage: dwr_signer_server.py ACCESS_KEY SECRET_KEY PROJECT_ID
Prints "listening on PORT" once it serves. Each request under /v3/ is re-signed with
huaweicloudsdkcore.signer.signer.Signer — the code the official SDK signs with — from what
arrived on the wire (method, raw path, decoded query, the headers its SignedHeaders names,
the body); the Authorization must be the one the SDK computes, else 401 APIG.0301. Answers
are canned DWR records, enough for obsw's DWR client to run every operation it uses.
GET /-/report (unsigned) returns {"verified": [...], "refused": [...]}: one line per request.
Run by Tests/OBSWorkflowTests/DWRSignedBySDKTests.swift.
"""
import json
import os
import signal
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

os.environ["HOME"] = tempfile.mkdtemp(prefix="obsw-dwr-signer-")

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

ACCESS_KEY, SECRET_KEY, PROJECT = sys.argv[1:4]
report = {"verified": [], "refused": []}
lock = threading.Lock()
MANY = 450  # executions of graph "many": three pages of 200


def sdk_authorization(method, raw_path, raw_query, headers, signed_names, body):
    """What the official signer writes for this request, as received."""
    query = []
    for part in filter(None, raw_query.split("&")):
        key, _, value = part.partition("=")
        query.append((unquote(key), unquote(value)))  # unquote, not unquote_plus: '+' is '+'
    lowered = {name.lower(): value for name, value in headers.items()}
    header_params = {name: lowered[name] for name in signed_names if name in lowered}
    request = SdkRequest(method=method, schema="http", host=lowered.get("host"), resource_path=raw_path,
                         query_params=query, header_params=header_params, body=body or None)
    Signer(BasicCredentials(ACCESS_KEY, SECRET_KEY)).sign(request)
    return request.header_params["Authorization"]


def time_text(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "signer-%d" % (len(report["verified"]) + len(report["refused"])))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path == "/-/report":
            with lock:
                return self.answer(200, report)
        line = "%s %s" % (self.command, self.path)
        authorization = self.headers.get("Authorization", "")
        fields = dict(part.strip().split("=", 1) for part in authorization[len("SDK-HMAC-SHA256 "):].split(",")
                      if "=" in part) if authorization.startswith("SDK-HMAC-SHA256 ") else {}
        signed_names = fields.get("SignedHeaders", "").split(";")
        headers = {name: value for name, value in self.headers.items()}
        try:
            expected = sdk_authorization(self.command, raw_path, raw_query, headers, signed_names, body)
        except Exception as error:  # a request the signer cannot even read
            expected = "unreadable: %r" % error
        problems = []
        if expected != authorization:
            problems.append("signature: sent %r, the SDK's signer makes %r" % (authorization, expected))
        if self.headers.get("X-Project-Id") != PROJECT:
            problems.append("X-Project-Id is %r" % self.headers.get("X-Project-Id"))
        for name in ("content-type", "host", "x-project-id", "x-sdk-date"):
            if name not in signed_names:
                problems.append("%s is not signed" % name)
        with lock:
            if problems:
                report["refused"].append(line + ": " + "; ".join(problems))
            else:
                report["verified"].append(line)
        if problems:
            return self.answer(401, {"error_code": "APIG.0301", "error_msg": "; ".join(problems)})
        self.route(raw_path, raw_query, body)

    def route(self, raw_path, raw_query, body):
        segments = [unquote(s) for s in raw_path.split("/")]
        query = dict((unquote(k), unquote(v)) for k, _, v in
                     (p.partition("=") for p in filter(None, raw_query.split("&"))))
        now = datetime.now(timezone.utc)
        if segments[:3] != ["", "v3", PROJECT]:
            return self.answer(404, {"error_code": "DWR.0404", "error_msg": "no such project"})
        rest = segments[3:]
        if rest == ["workflows"] and self.command == "GET":
            graphs = [{"name": n, "created_at": time_text(now), "graph_urn": "urn:fss:x:%s:workflow:default:%s:latest" % (PROJECT, n),
                       "id": "id-" + n} for n in ("graph \u00e9+ 1", "many")]
            return self.answer(200, {"count": 2, "graphs": graphs, "is_truncated": False})
        if len(rest) == 2 and rest[0] == "workflows" and self.command == "GET":
            states = [{"state_name": "fetch", "start": True, "next_state": "work"}, {"state_name": "work"}]
            return self.answer(200, {"name": rest[1], "created_at": time_text(now), "graph_urn": "urn:g",
                                     "description": "", "definition": {"states": states}})
        if rest == ["workflowexecutions"] and self.command == "GET":
            offset, limit = int(query.get("offset", "1")), int(query.get("limit", "10"))
            names = ["exec-%04d" % i for i in range(1, MANY + 1)] if query.get("graph_name") == "many" else []
            page = names[offset - 1:offset - 1 + limit]
            document = {"count": len(names), "is_truncated": offset - 1 + limit < len(names), "executions": [
                {"execution_name": n, "execution_urn": "urn:e:" + n, "graph_urn": "urn:g", "execution_state": query.get("status", "fail"),
                 "execution_type": "APICALL", "started_at": time_text(now - timedelta(hours=1)), "stopped_at": time_text(now)}
                for n in page]}
            if document["is_truncated"]:
                document["next_offset"] = offset + limit
            return self.answer(200, document)
        if len(rest) == 4 and rest[0] == "workflows" and rest[2] == "workflowexecution" and self.command == "GET":
            ms = int(now.timestamp() * 1000)
            return self.answer(200, {
                "workflow_id": "w", "workflow_urn": "urn:g", "execution_id": "x", "status": "fail", "headers": {},
                "input": {"bucket": "b", "object": "o"}, "output": {}, "begin_time": time_text(now - timedelta(hours=1)),
                "end_time": time_text(now), "last_update_time": time_text(now - timedelta(minutes=30)), "created_by": "signer",
                "node_execution_details": [
                    {"status": "success", "begin_time": ms - 3600000, "end_time": ms - 1800000, "error_message": ""},
                    {"status": "fail", "begin_time": ms - 1800000, "end_time": ms, "error_message": "boom"}]})
        if len(rest) == 5 and rest[2] == "workflowexecution" and rest[4] == "retry" and self.command == "POST":
            return self.answer(200, {"execution_urn": "urn:e:" + rest[3], "restored_at": time_text(now),
                                     "execution_name": rest[3]})
        if len(rest) == 3 and rest[0] == "workflows" and rest[2] == "execute" and self.command == "POST":
            document = json.loads(body) if body else {}
            return self.answer(200, {"execution_urn": "urn:e:new", "started_at": time_text(now),
                                     "execution_name": "started-" + document.get("object", "?")})
        return self.answer(404, {"error_code": "DWR.0404", "error_msg": "no API at " + raw_path})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


# A parent may have left SIGTERM ignored; stop when told to.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on %d" % server.server_address[1], flush=True)
server.serve_forever()
