"""Drives the obsw emulator's DWR v3 face with the official Huawei Cloud SDK
(huaweicloudsdkdwr 3.1.219), unmodified.

Usage: dwr_sdk_conformance.py ENDPOINT ACCESS_KEY SECRET_KEY PROJECT_ID
Every check prints a line; the last line reads "N passed, N failed"; exit 1 on any failure.
Run by Tests/OBSWorkflowEmulatorTests/SDKConformanceTests.swift against an emulator whose
graph 'conf' holds 450 executions, half of them FAILED, over the last 20 days.
"""
import os
import sys
import tempfile

# The SDK writes an application id under $HOME when imported; keep it out of the user's.
os.environ["HOME"] = tempfile.mkdtemp(prefix="obsw-dwr-sdk-")
for name in list(os.environ):
    if name.startswith("HUAWEICLOUD_SDK_"):
        del os.environ[name]

from datetime import datetime, timedelta, timezone

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions as sdk_errors
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdwr.v3 import (
    AsyncInvokeApiStartWorkflowRequest, DwrClient, ExecuteWorkflowBody, Input, ListWorkflowInstanceRequest,
    ListWorkflowsRequest, RestoreWorkflowExecutionRequest, ShowWorkflowInfoRequest, ShowWorkflowInstanceRequest)

from checks import check, finish

endpoint, access_key, secret_key, project = sys.argv[1:5]


def client(secret=secret_key, project_id=project, token=None):
    credentials = BasicCredentials(access_key, secret, project_id)
    if token:
        credentials = credentials.with_security_token(token)
    return (DwrClient.new_builder().with_http_config(HttpConfig(user_agent="obsw-dwr-conformance"))
            .with_credentials(credentials).with_endpoint(endpoint).build())


def refused(call):
    """The SDK's exception for a refused call, or None when it succeeded."""
    try:
        call()
    except sdk_errors.ServiceResponseException as error:
        return error
    return None


def utc(delta):
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


c = client()

# Workflows.
r = c.list_workflows(ListWorkflowsRequest())
check("list_workflows", r.count == 1 and r.graphs[0].name == "conf" and r.is_truncated is False, r)
check("list_workflows: item fields", all([r.graphs[0].created_at, r.graphs[0].graph_urn, r.graphs[0].id]), r)
r = c.list_workflows(ListWorkflowsRequest(prefix="nomatch"))
check("list_workflows with a prefix that matches nothing", r.count == 0, r)
r = c.show_workflow_info(ShowWorkflowInfoRequest(graph_name="conf"))
check("show_workflow_info", r.name == "conf" and [s["state_name"] for s in r.definition["states"]] == ["fetch", "work"], r)

# Listing: server-side status filter, offset paging by next_offset, the 200 cap, windows.
def every_page(**filters):
    listing = ListWorkflowInstanceRequest(graph_name="conf", start_time=utc(timedelta(days=-30)),
                                          end_time=utc(timedelta(minutes=1)), limit=200, **filters)
    executions, offset, pages = [], 1, 0
    while True:
        listing.offset = offset
        r = c.list_workflow_instance(listing)
        pages += 1
        executions += r.executions
        if not r.is_truncated:
            return executions, pages
        check(f"page {pages}: is_truncated is a real boolean", r.is_truncated is True, r.is_truncated)
        offset = r.next_offset


everything, pages = every_page()
check("paging by next_offset reaches all 450, once each",
      len(everything) == 450 and len({e.execution_name for e in everything}) == 450 and pages == 3, (len(everything), pages))
failed_ones = [e.execution_name for e in everything if e.execution_state == "fail"]
check("some are fail, the rest success", 0 < len(failed_ones) < 450
      and all(e.execution_state in ("fail", "success") for e in everything), len(failed_ones))
only_failed, pages = every_page(status="fail")
names = [e.execution_name for e in only_failed]
check("the status filter keeps exactly the fail ones", sorted(names) == sorted(failed_ones)
      and all(e.execution_state == "fail" for e in only_failed), (len(names), len(failed_ones)))
month = dict(start_time=utc(timedelta(days=-30)), end_time=utc(timedelta(minutes=1)))
r = c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", limit=500, **month))
check("limit above 200 returns 200", len(r.executions) == 200 and r.count == 450 and r.next_offset == 201, r.count)
check("count is an int", isinstance(r.count, int), type(r.count))
r = c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", limit=200))
check("no window: the last three days only", 0 < r.count < 450, r.count)
r = c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", status="running", limit=10))
check("status running", r.count == 0 and not r.executions, r)
ten_days_ago = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=10)
since, until = (ten_days_ago + timedelta(days=d) for d in (0, 3))
r = c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", start_time=since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                         limit=200))
in_three_days = [x for x in everything
                 if since.strftime("%Y-%m-%dT%H:%M:%SZ") <= x.started_at <= until.strftime("%Y-%m-%dT%H:%M:%SZ")]
check("start_time alone: the three days after it", r.count == len(in_three_days), (r.count, len(in_three_days)))
e = c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", limit=10, offset=1, **month)).executions[0]
check("execution fields", all([e.execution_name, e.execution_urn, e.graph_urn, e.execution_type, e.started_at])
      and e.execution_state in ("success", "fail"), e)

error = refused(lambda: c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", offset=1001)))
check("offset above 1000: 400", error is not None and error.status_code == 400 and error.error_code == "DWR.0400", error)
check("errors carry a request id", error is not None and bool(error.request_id), error)
error = refused(lambda: c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", status="FAILED")))
check("status outside the enum: 400", error is not None and error.status_code == 400, error)
error = refused(lambda: c.list_workflow_instance(ListWorkflowInstanceRequest(graph_name="conf", start_time="yesterday")))
check("a start_time that is not a time: 400", error is not None and "start_time" in error.error_msg, error)
error = refused(lambda: c.list_workflow_instance(ListWorkflowInstanceRequest()))
check("no graph_name (the SDK sends none): 400", error is not None and error.status_code == 400, error)

# One execution, a resume, and a resume of what is not failed.
target = names[0]
r = c.show_workflow_instance(ShowWorkflowInstanceRequest(graph_name="conf", execution_name=target))
check("show_workflow_instance", r.status == "fail" and r.execution_id and r.workflow_urn.startswith("urn:fss:"), r)
nodes = r.node_execution_details
check("node details: the failed node has its error", nodes[-1].status == "fail" and nodes[-1].error_message, nodes)
check("node times are integers", all(isinstance(n.begin_time, int) for n in nodes), [n.begin_time for n in nodes])
check("input is kept as an object", isinstance(r.input, dict) and r.input.get("bucket"), r.input)
r = c.restore_workflow_execution(RestoreWorkflowExecutionRequest(graph_name="conf", execution_name=target))
check("restore_workflow_execution", r.execution_name == target and r.execution_urn and r.restored_at, r)
r = c.show_workflow_instance(ShowWorkflowInstanceRequest(graph_name="conf", execution_name=target))
check("the resumed execution runs", r.status in ("running", "success"), r.status)
error = refused(lambda: c.restore_workflow_execution(RestoreWorkflowExecutionRequest(graph_name="conf",
                                                                                      execution_name=target)))
check("a second restore: 409 DWR.0409", error is not None and error.status_code == 409 and error.error_code == "DWR.0409",
      error)
error = refused(lambda: c.show_workflow_instance(ShowWorkflowInstanceRequest(graph_name="conf", execution_name="nope")))
check("an unknown execution: 404", error is not None and error.status_code == 404, error)
error = refused(lambda: c.show_workflow_info(ShowWorkflowInfoRequest(graph_name="nope")))
check("an unknown workflow: 404", error is not None and error.status_code == 404, error)

# Start, with a body holding non-ASCII text (signed as the SDK serialises it) and an input.
r = c.async_invoke_api_start_workflow(AsyncInvokeApiStartWorkflowRequest(
    graph_name="conf", body=ExecuteWorkflowBody(bucket="demo", object="photos/\u00e9t\u00e9 1+1=2~.jpg",
                                                inputs=Input(parameter_name="quality", type="string",
                                                             parameter_value="80"))))
check("async_invoke_api_start_workflow", r.execution_name and r.execution_urn and r.started_at, r)
r = c.show_workflow_instance(ShowWorkflowInstanceRequest(graph_name="conf", execution_name=r.execution_name))
check("the started execution kept its object and input",
      r.input.get("object") == "photos/\u00e9t\u00e9 1+1=2~.jpg" and r.input.get("inputs") == {"quality": "80"}, r.input)
error = refused(lambda: c.async_invoke_api_start_workflow(AsyncInvokeApiStartWorkflowRequest(graph_name="conf")))
check("start without a body: 400", error is not None and error.status_code == 400, error)

# Temporary credentials: the token is signed and accepted.
r = client(token="a-temporary-token+/=").list_workflows(ListWorkflowsRequest())
check("with a security token", r.count == 1, r)

# Refusals of the gateway: a wrong secret, a skewed clock, another project.
error = refused(lambda: client(secret="not-the-secret").list_workflows(ListWorkflowsRequest()))
check("bad signature: 401 APIG.0301", error is not None and error.status_code == 401 and error.error_code == "APIG.0301",
      error)
stale = (datetime.now(timezone.utc) - timedelta(minutes=16)).strftime("%Y%m%dT%H%M%SZ")
error = refused(lambda: c.list_workflows_invoker(ListWorkflowsRequest()).add_header("X-Sdk-Date", stale).invoke())
check("X-Sdk-Date 16 minutes old: 401", error is not None and error.status_code == 401 and "15 minutes" in error.error_msg,
      error)
recent = (datetime.now(timezone.utc) - timedelta(minutes=14)).strftime("%Y%m%dT%H%M%SZ")
r = c.list_workflows_invoker(ListWorkflowsRequest()).add_header("X-Sdk-Date", recent).invoke()
check("X-Sdk-Date 14 minutes old is accepted", r.count == 1, r)
error = refused(lambda: client(project_id="another0project").list_workflows(ListWorkflowsRequest()))
check("another project: 404", error is not None and error.status_code == 404, error)

finish()
