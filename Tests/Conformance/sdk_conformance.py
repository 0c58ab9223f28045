"""Drives the obsw emulator with the official OBS Python SDK (esdk-obs-python), unmodified.

Usage: sdk_conformance.py ENDPOINT ACCESS_KEY SECRET_KEY
Every check prints a line; the last line reads "N passed, N failed"; exit 1 on any failure.
Run by Tests/OBSWorkflowEmulatorTests/SDKConformanceTests.swift against an emulator at speed 5.
"""
import sys
import time

from obs import WorkflowClient

from checks import check, finish

endpoint, access_key, secret_key = sys.argv[1:4]


def client(secret=secret_key):
    # WorkflowClient is a process-wide singleton; constructing it again re-initialises it.
    return WorkflowClient(access_key_id=access_key, secret_access_key=secret, server=endpoint)


c = client()
graph = "conf-graph"
states = [
    {"state_name": "probe", "type": "OPERATION", "start": True, "next_state": "convert"},
    {"state_name": "convert", "type": "OPERATION", "next_state": "publish"},
    {"state_name": "publish", "type": "OPERATION"},
]

# Templates and workflows.
r = c.createWorkflowTemplate("conf-tmpl", description="conformance", states=states, tags=[{"key": "k", "value": "v"}])
check("createWorkflowTemplate", r.status < 300 and r.body.templateName == "conf-tmpl", r)
r = c.getWorkflowTemplate("conf-tmpl")
check("getWorkflowTemplate", r.status == 200 and r.body.templateName == "conf-tmpl" and len(r.body.states) == 3, r)
r = c.listWorkflowTemplate(templateNamePrefix="conf")
check("listWorkflowTemplate", r.status == 200 and r.body.count == 1, r)
r = c.createWorkflow("conf-tmpl", graph, "obsw-agency", description="from template")
check("createWorkflow from template", r.status < 300 and r.body.graphName == graph and r.body.graphUrn, r)
r = c.getWorkflow(graph)
check("getWorkflow", r.status == 200 and r.body.name == graph and "probe" in r.body.definition["states"], r)
r = c.listWorkflow(graphNamePrefix="conf")
check("listWorkflow with prefix", r.status == 200 and r.body.count == 1 and r.body.graphs[0]["name"] == graph, r)
r = c.updateWorkflow(graph, parameters={"quality": 80}, description="updated")
check("updateWorkflow", r.status == 200 and r.body.graphName == graph, r)

# Executions with every failure convention.
started = {}
for key in ["ok-1", "fail-once-1", "fail-twice-1", "fail-always-1", "slow-1"]:
    r = c.asyncAPIStartWorkflow(graph, "demo", f"media/{key}.mp4")
    check(f"asyncAPIStartWorkflow {key}", r.status == 200 and r.body.executionName, r)
    started[key] = r.body.executionName


def state_of(name):
    r = c.getWorkflowExecution(name, graph)
    return r.body.executionInfo["execution_state"] if r.status == 200 else None


def wait_terminal(names, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        states_now = {n: state_of(n) for n in names}
        if all(s in ("SUCCESS", "FAILED") for s in states_now.values()):
            return states_now
        time.sleep(0.1)
    return {n: state_of(n) for n in names}


quick = [started[k] for k in ["ok-1", "fail-once-1", "fail-twice-1", "fail-always-1"]]
check("slow execution still running", state_of(started["slow-1"]) == "RUNNING")
first = wait_terminal(quick)
check("ok succeeds", first[started["ok-1"]] == "SUCCESS", first)
for key in ["fail-once-1", "fail-twice-1", "fail-always-1"]:
    check(f"{key} fails on its first attempt", first[started[key]] == "FAILED", first)

# Listing: marker pagination, and the SDK's state filter.
names, marker, pages = [], None, 0
while True:
    r = c.listWorkflowExecution(graph, nextMarker=marker, limit=2)
    pages += 1
    if r.status != 200:
        break
    names += [e["execution_name"] for e in r.body.executions]
    if not r.body.isTruncated:
        break
    marker = r.body.nextMarker
check("listWorkflowExecution pages through everything", sorted(names) == sorted(started.values()) and pages == 3, (names, pages))
r = c.listWorkflowExecution(graph, limit=10, executionState="FAILED")
failed_names = sorted(e["execution_name"] for e in r.body.executions) if r.status == 200 else []
check("listWorkflowExecution state FAILED", failed_names == sorted(started[k] for k in ["fail-once-1", "fail-twice-1", "fail-always-1"]), failed_names)
r = c.listWorkflowExecution("thumbnails", limit=100)
check("demo graph lists with a marker", r.status == 200 and r.body.isTruncated and r.body.nextMarker and len(r.body.executions) == 100, r.status)

# state_map, restore, and succeeded states not run again.
r = c.getWorkflowExecution(started["fail-once-1"], graph)
info = r.body.executionInfo
check("state_map has every state", set(info["state_map"]) == {"probe", "convert", "publish"}, info)
check("failed in the last state", info["state_map"]["publish"]["status"] == "FAILED" and info["state_map"]["probe"]["status"] == "SUCCESS", info)
before = {key: c.getWorkflowExecution(started[key], graph).body.executionInfo["state_map"] for key in ["fail-once-1", "fail-twice-1", "fail-always-1"]}
for key in ["fail-once-1", "fail-twice-1", "fail-always-1"]:
    r = c.restoreFailedWorkflowExecution(started[key], graph)
    check(f"restore {key}", r.status == 200 and r.body.executionName == started[key] and r.body.restoredAt, r)
second = wait_terminal([started[k] for k in ["fail-once-1", "fail-twice-1", "fail-always-1"]])
check("fail-once succeeds after one restore", second[started["fail-once-1"]] == "SUCCESS", second)
check("fail-twice fails again", second[started["fail-twice-1"]] == "FAILED", second)
check("fail-always fails again", second[started["fail-always-1"]] == "FAILED", second)
r = c.restoreFailedWorkflowExecution(started["fail-twice-1"], graph)
check("second restore of fail-twice", r.status == 200, r)
third = wait_terminal([started["fail-twice-1"]])
check("fail-twice succeeds after two restores", third[started["fail-twice-1"]] == "SUCCESS", third)
for key in ["fail-once-1", "fail-twice-1", "fail-always-1"]:
    after = c.getWorkflowExecution(started[key], graph).body.executionInfo["state_map"]
    for state in ["probe", "convert"]:
        check(f"{key}: {state} started_at unchanged", after[state]["started_at"] == before[key][state]["started_at"],
              (before[key][state], after[state]))
    check(f"{key}: publish re-ran", after["publish"]["started_at"] != before[key]["publish"]["started_at"])

# Refusals as the SDK parses them.
r = c.restoreFailedWorkflowExecution(started["ok-1"], graph)
check("refused restore: status 409", r.status == 409, r.status)
check("refused restore: code", r.errorCode == "ExecutionNotFailed", r.errorCode)
check("refused restore: message names the state", r.errorMessage and "SUCCESS" in r.errorMessage, r.errorMessage)
check("refused restore: request id", bool(r.requestId), r.requestId)
r = c.getWorkflowExecution("no-such-execution", graph)
check("unknown execution: 404 ExecutionNotFound", r.status == 404 and r.errorCode == "ExecutionNotFound", (r.status, r.errorCode))

bad = client(secret="not-the-secret")
r = bad.listWorkflow()
check("bad signature: 403", r.status == 403, r.status)
check("bad signature: code", r.errorCode == "SignatureDoesNotMatch", r.errorCode)
check("bad signature: message", r.errorMessage and r.errorMessage.startswith("The request signature we calculated"), r.errorMessage)
check("bad signature: request id", bool(r.requestId), r.requestId)
c = client()
r = c.deleteWorkflow(graph)
check("deleteWorkflow", r.status < 300, r.status)
r = c.deleteWorkflowTemplate("conf-tmpl")
check("deleteWorkflowTemplate", r.status < 300, r.status)

finish()
