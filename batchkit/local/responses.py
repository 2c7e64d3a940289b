"""The local backend's Batch API: one handler per action, named as botocore names it.

Every request, in-process or over HTTP, passes `Handler.answer`: its action is
found from botocore's model (method + path), validated, then faults apply
(outside the lock, so injected latency does not stall other callers), then,
under the runtime's lock, the realtime clock catches up and the action runs.
State lives in moto's Batch models (service.py); the HTTP face is batchkit's,
so moto's routing of Batch requests is never used.  Errors raised under codes the
Batch API does not have become ClientException.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import random
import re
import time
from functools import cache
from urllib.parse import parse_qs, unquote

from . import filters, moto_adapter, rules, service, signatures, status_index, store, validation
from .job import Job
from .lifecycle import uuid4_text
from .paging import paged
from .persistence import writes

log = logging.getLogger("batchkit.local")
_HOST = re.compile(r"batch\.([a-z0-9-]+)\.amazonaws\.com")


@cache
def _path_pattern(name: str) -> re.Pattern:
    """The operation's request URI as a regex with a group per path member."""
    template = re.escape(_operation(name).model.http["requestUri"].split("?")[0])
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", template))


@cache
def _path_and_query(name: str) -> tuple:
    """The operation's members sent in the path or the query string: (member, location, query name, is a list)."""
    return tuple((m.name, m.shape.serialization["location"], m.shape.serialization.get("name"), m.type == "list")
                 for m in _operation(name).members if m.shape.serialization.get("location") in ("uri", "querystring"))


@cache
def _operation(name: str):
    from ..catalog import UnknownOperation, operation

    try:
        return operation(name)
    except UnknownOperation:
        return None


@cache
def _located(name: str) -> bool:
    """Whether the operation sends some member outside its body (in the path or query string)."""
    return any(member.shape.serialization.get("location") for member in _operation(name).members)


@cache
def operation_names() -> dict[tuple[str, str], str]:
    """(HTTP method, first path segment) -> operation name, from botocore's model."""
    from ..catalog import operations

    names = {}
    for op in operations().values():
        http = op.model.http
        segment = http["requestUri"].split("?")[0].split("/")[2].split("{")[0]
        names[(http["method"], segment)] = op.name
    return names


def error(status: int, code: str, message: str):
    return status, _headers(code), json.dumps({"__type": code, "message": message})


def _headers(code: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": _request_id()}
    if code:
        headers["x-amzn-ErrorType"] = code
    return headers


_IDS = random.Random()  # request ids are unique, not secret: no system call per request (uuid4 reads os.urandom)
os.register_at_fork(after_in_child=_IDS.seed)  # a forked server's ids are its own


def _request_id() -> str:
    """A request id in AWS's form, a version 4 UUID."""
    return uuid4_text(_IDS)


def region_of(headers, url: str) -> str:
    """The request's region: its signature's scope, else its host, else moto's default."""
    authorization = headers.get("Authorization") or ""
    if isinstance(authorization, bytes):  # botocore's prepared requests keep it as bytes
        authorization = authorization.decode("latin-1")
    scope = signatures.SCOPE.match(authorization)
    if scope and re.fullmatch(r"[a-z0-9-]+", scope["region"]):
        return scope["region"]
    found = _HOST.search(url)
    return found.group(1) if found else "us-east-1"


def answer(account: str, region: str, method: str, path: str, body, validated: bool = False) -> tuple:
    """(status, headers, body) of one Batch request; `path` may carry a query string.

    validated: botocore validated the parameters against the model and serialized them, in process
    (dispatch.Shortcut): the model's checks are not repeated, the reference's rules still apply."""
    return Handler(service.runtime_of(account), region, method, path, body, validated).answer()


def moto_handler(request, full_url: str, headers):
    """The handler moto's routing calls for a LocalBatch's account (moto's CloudFormation, mock_aws)."""
    account = headers.get(moto_adapter.ACCOUNT_HEADER) or moto_adapter.DEFAULT_ACCOUNT_ID
    body = getattr(request, "body", None)
    if body is None:
        body = request.get_data()
    return answer(account, region_of(headers, full_url), request.method, path_of(full_url), body)


def path_of(url: str) -> str:
    """The path and query string of a URL."""
    rest = url.split("://", 1)[-1]
    return rest[rest.find("/"):] if "/" in rest else "/"


def replay(runtime, region: str, name: str, params: dict) -> str:
    """A journaled request's action again, as it ran when answered (persistence.py); its answer."""
    handler = Handler(runtime, region, "POST", "/", b"", validated=True)
    handler._request = params
    return getattr(handler, _operation(name).method)()


class Handler:
    """One Batch request: `answer()` runs the method of its action (`submit_job` for SubmitJob)."""

    def __init__(self, runtime, region: str, method: str, path: str, body, validated: bool = False):
        self.runtime, self.region, self.method, self.validated = runtime, region, method.upper(), validated
        self.path, _, query = path.partition("?")
        self.querystring = parse_qs(query, keep_blank_values=True) if query else {}
        self.body = body or b""
        self._request: dict | None = None

    @property
    def batch_backend(self):
        return self.runtime.backend(self.region)

    @property
    def request(self) -> dict:
        return self._request

    def answer(self):
        runtime = self.runtime
        segment = _segment(self.path)
        name = operation_names().get((self.method, segment))
        if name is None:
            if self.method == "POST" and re.fullmatch(r"[a-z]+", segment or "-"):  # a newer SDK's action
                return error(501, "NotImplemented", f"{segment} is not implemented by batchkit.local")
            return error(404, "UnknownOperationException",
                         f"no Batch action answers {self.method} {_clipped(self.path, 100)}")
        try:
            params = self._params(name)
            validation.check(name, params, by_botocore=self.validated)
            injected = runtime.faults.apply(name) if runtime.faults.rules else None
            status, headers, body = error(*injected) if injected is not None else self._answer(runtime, name)
        except validation.Invalid as exc:  # never reaches the backend: nothing bad is stored
            status, headers, body = error(400, "ClientException", str(exc))
            params = self._request or {"body": _clipped(self.body)}
        if runtime.recording:
            runtime.record(name, params, int(status), body or "", len(self.body))
        return status, headers, body

    def _params(self, name: str) -> dict:
        """The request as the client meant it: body, plus members sent in the path or query string."""
        params = self._request = validation.parse_body(self.body, serialized=self.validated)
        located = _path_and_query(name)
        if located:
            found = _path_pattern(name).fullmatch(self.path)
            for member, location, query_name, is_list in located:
                if location == "uri" and found:
                    params[member] = unquote(found.group(member))
                elif location == "querystring" and query_name in self.querystring:
                    values = self.querystring[query_name]
                    params[member] = values if is_list else values[0]
        return params

    def _answer(self, runtime, name: str):
        action = getattr(self, _operation(name).method, None)
        if action is None:
            return error(501, "NotImplemented", f"{name} is not implemented by batchkit.local")
        with runtime.lock:
            started = time.perf_counter()
            runtime.catch_up()
            journal = runtime.journal  # state=: the request as sent, taken before the action may change it
            params = self._as_sent(name) if journal is not None and writes(name) else None
            try:
                body = action()
                if params is not None:  # journaled (with the answer) before anyone is told
                    journal.call(self.region, name, self.batch_backend.lifecycle.now, params, body,
                                 time.perf_counter() - started)
            except NotImplementedError:
                return error(501, "NotImplemented", f"{name} is not implemented by batchkit.local")
            except moto_adapter.ERRORS as exc:  # the service's rules (rules.fail) and moto's own
                status, message = moto_adapter.error_of(exc)
                return error(status if 400 <= status < 500 else 400, "ClientException", message)
            except (KeyError, ValueError, TypeError) as exc:  # moto's own failures on odd input
                return error(400, "ClientException", f"{name}: invalid request ({type(exc).__name__}: {exc})")
            except Exception:  # a bug of ours: logged with its traceback, answered without it
                log.exception("%s failed", name)
                return error(500, "ServerException", f"{name} failed inside batchkit.local (see the server's log)")
        return 200, _headers(), body

    def _as_sent(self, name: str) -> str:
        """The request's JSON on one line: the body as it came when it holds every member, else re-encoded."""
        body = self.body
        if isinstance(body, bytes) and body and b"\n" not in body and not _located(name):
            return body.decode()
        return json.dumps(self.request)

    # -- compute environments, queues and definitions: the service's paging ------

    def create_compute_environment(self) -> str:
        env = self.batch_backend.create_environment(self.request)
        return json.dumps({"computeEnvironmentArn": env.arn, "computeEnvironmentName": env.name})

    def describe_compute_environments(self) -> str:
        request, backend = self.request, self.batch_backend
        described = []
        for env in backend.describe_compute_environments(request.get("computeEnvironments") or None):
            found = backend.get_compute_environment(env["computeEnvironmentArn"])
            if getattr(found, "unmanaged_vcpus", None):
                env["unmanagedvCpus"] = found.unmanaged_vcpus
            if getattr(found, "status", "VALID") == "INVALID":  # lb.faults.invalid
                env["status"], env["statusReason"] = "INVALID", found.status_reason
            if env.get("computeResources"):  # what the fleet runs now (fleet.py)
                env["computeResources"]["desiredvCpus"] = int(backend.lifecycle.fleet(found).desired_vcpus)
            described.append({k: v for k, v in env.items() if v is not None})
        return json.dumps(paged("computeEnvironments", described, request))

    def describe_job_queues(self) -> str:
        request, backend = self.request, self.batch_backend
        queues = backend.describe_job_queues(request.get("jobQueues") or None)
        for queue in queues:
            actions = getattr(backend.get_job_queue(queue["jobQueueArn"]), "time_limit_actions", None)
            if actions:
                queue["jobStateTimeLimitActions"] = actions
        return json.dumps(paged("jobQueues", queues, request))

    def update_compute_environment(self) -> str:
        request = self.request
        name, arn = self.batch_backend.update_compute_environment(
            request.get("computeEnvironment"), request.get("state"), request.get("computeResources"),
            request.get("serviceRole"))
        return json.dumps({"computeEnvironmentArn": arn, "computeEnvironmentName": name})

    def delete_compute_environment(self) -> str:
        self.batch_backend.delete_compute_environment(self.request.get("computeEnvironment"))
        return "{}"

    def create_job_queue(self) -> str:
        request = copy.deepcopy(self.request)  # as for register_job_definition
        actions = rules.time_limit_actions(request.get("jobStateTimeLimitActions"))
        queue = self.batch_backend.create_job_queue(
            request.get("jobQueueName"), request.get("priority"), request.get("schedulingPolicyArn"),
            request.get("state"), request.get("computeEnvironmentOrder"), request.get("tags"))
        return self._with_time_limits(queue, actions)

    def update_job_queue(self) -> str:
        request = self.request
        actions = rules.time_limit_actions(request.get("jobStateTimeLimitActions"))
        name, _ = self.batch_backend.update_job_queue(
            request.get("jobQueue"), request.get("priority"), request.get("state"),
            request.get("computeEnvironmentOrder"), request.get("schedulingPolicyArn"))
        return self._with_time_limits(self.batch_backend.find_queue(name), actions)

    def _with_time_limits(self, queue, actions) -> str:
        """moto keeps no jobStateTimeLimitActions; the scheduler acts on them (Lifecycle._blocked)."""
        if "jobStateTimeLimitActions" in self.request:
            queue.time_limit_actions = actions
        return json.dumps({"jobQueueArn": queue.arn, "jobQueueName": queue.name})

    def delete_job_queue(self) -> str:
        self.batch_backend.delete_job_queue(self.request.get("jobQueue"))
        return "{}"

    def describe_job_definitions(self) -> str:
        request = self.request
        definitions = self.batch_backend.job_definitions(
            request.get("jobDefinitionName"), request.get("jobDefinitions"), request.get("status")
        )
        return json.dumps(paged("jobDefinitions", [_described(d) for d in definitions], request))

    def register_job_definition(self) -> str:
        request = copy.deepcopy(self.request)  # moto keeps and fills in what it is given; lb.calls shows what was sent
        definition = self.batch_backend.register_job_definition(
            def_name=request.get("jobDefinitionName"), parameters=request.get("parameters"),
            _type=request.get("type"), tags=request.get("tags"), retry_strategy=request.get("retryStrategy"),
            container_properties=request.get("containerProperties"), node_properties=request.get("nodeProperties"),
            eks_properties=request.get("eksProperties"), timeout=request.get("timeout"),
            platform_capabilities=request.get("platformCapabilities"), propagate_tags=request.get("propagateTags"))
        # moto drops both: consumable resources count the jobs that name them; fair share orders by priority
        if request.get("consumableResourceProperties"):
            definition.consumable_resource_properties = request["consumableResourceProperties"]
        if request.get("schedulingPriority") is not None:
            definition.scheduling_priority = request["schedulingPriority"]
        return json.dumps({"jobDefinitionArn": definition.arn, "jobDefinitionName": definition.name,
                           "revision": definition.revision})

    def deregister_job_definition(self) -> str:
        self.batch_backend.deregister_job_definition(self.request.get("jobDefinition"))
        return "{}"

    # -- tags ---------------------------------------------------------------------------

    def tag_resource(self) -> str:
        self.batch_backend.tag_resource(self.request["resourceArn"], self.request.get("tags"))
        return "{}"

    def list_tags_for_resource(self) -> str:
        return json.dumps({"tags": self.batch_backend.list_tags_for_resource(self.request["resourceArn"])})

    def untag_resource(self) -> str:
        self.batch_backend.untag_resource(self.request["resourceArn"], self.request.get("tagKeys"))
        return "{}"

    # -- scheduling policies: the service's rules (service.py), fair share in ordering.py ------

    def create_scheduling_policy(self) -> str:
        policy = self.batch_backend.create_policy(self.request)
        return json.dumps(policy.to_dict(create=True))

    def update_scheduling_policy(self) -> str:
        self.batch_backend.update_policy(self.request)
        return "{}"

    def delete_scheduling_policy(self) -> str:
        self.batch_backend.delete_policy(rules.required(self.request, "arn"))
        return "{}"

    def describe_scheduling_policies(self) -> str:
        policies = self.batch_backend.describe_scheduling_policies(self.request.get("arns") or [])
        return json.dumps({"schedulingPolicies": [policy.to_dict() for policy in policies]})

    def list_scheduling_policies(self) -> str:
        arns = [{"arn": arn} for arn in self.batch_backend.list_scheduling_policies()]
        return json.dumps(paged("schedulingPolicies", arns, self.request))

    # -- jobs: the lifecycle -------------------------------------------------------

    def submit_job(self) -> str:
        job = self.batch_backend.submit(self.request)
        return json.dumps({"jobArn": job.arn, "jobName": job.name, "jobId": job.id})

    def describe_jobs(self) -> str:
        backend = self.batch_backend
        jobs = backend.lifecycle.jobs
        found = [job for job in map(jobs.get, dict.fromkeys(rules.describe_jobs(self.request.get("jobs")))) if job]
        return json.dumps({"jobs": [job.detail(backend.list_tags_for_resource(job.arn)) for job in found]})

    def list_jobs(self) -> str:
        request = self.request
        backend = self.batch_backend
        if request.get("arrayJobId"):
            parent = backend.lifecycle.jobs.get(request["arrayJobId"])
            jobs = parent.children if parent is not None else []
        elif request.get("multiNodeJobId"):
            job = backend.lifecycle.jobs.get(request["multiNodeJobId"])
            jobs = (job.nodes or []) if job is not None else []
        elif request.get("jobQueue"):
            queue = backend.find_queue(request["jobQueue"])
            status = filters.listed_status(request)
            if status is not None:  # only that status's jobs are read
                jobs = backend.lifecycle.listed.jobs(queue.arn, status)
                return json.dumps(paged("jobSummaryList", jobs, request, status_index.current(status), Job.summary_dict,
                                        position=status_index.position))
            jobs = backend.lifecycle.by_queue.get(queue.arn, [])
        else:
            rules.fail("ListJobs needs one of jobQueue, arrayJobId or multiNodeJobId")
        return json.dumps(paged("jobSummaryList", jobs, request, filters.job_filter(request), Job.summary_dict))

    def cancel_job(self) -> str:
        return self._one(self.batch_backend.lifecycle.cancel)

    def terminate_job(self) -> str:
        return self._one(self.batch_backend.lifecycle.terminate)

    def _one(self, act) -> str:
        """CancelJob / TerminateJob: the service answers 200 {} for a job id it does not know, too."""
        request = self.request
        job_id, reason = rules.required(request, "jobId"), rules.reason(request)
        job = self.batch_backend.lifecycle.jobs.get(job_id)
        if job is not None:
            act(job, reason)
        return "{}"

    def cancel_jobs(self) -> str:
        return self._bulk(self.batch_backend.lifecycle.cancel)

    def terminate_jobs(self) -> str:
        return self._bulk(self.batch_backend.lifecycle.terminate)

    def _bulk(self, act) -> str:
        """CancelJobs / TerminateJobs: up to 50 jobs, unknown ones reported per job."""
        request = self.request
        reason, ids = rules.reason(request), list(request.get("jobs") or ())
        if not 1 <= len(ids) <= rules.MAX_BULK_JOBS:
            rules.fail(f"jobs takes between 1 and {rules.MAX_BULK_JOBS} job IDs; {len(ids)} were given")
        return json.dumps(rules.each_job(ids, self.batch_backend.lifecycle.jobs.get, lambda job: act(job, reason)))

    def get_job_queue_snapshot(self) -> str:
        backend = self.batch_backend
        queue = backend.find_queue(self.request.get("jobQueue"))
        lifecycle = backend.lifecycle
        front = lifecycle.front_of_queue(queue, rules.PAGE[1])  # in the queue's order: FIFO or fair share
        used = sum(lifecycle.fleet(env).used_vcpus for env in queue.environments)
        utilization = {"totalCapacityUsage": [{"capacityUnit": "VCPU", "quantity": used}],
                       "lastUpdatedAt": lifecycle.now}
        if queue.schedule_policy:  # "break downs by share for job queues with attached fair-share ... policies"
            order = lifecycle.orders.get(queue.arn)
            utilization["fairshareUtilization"] = (order.utilization(lifecycle.now) if order is not None else
                                                   {"activeShareCount": 0, "topCapacityUtilization": []})
        return json.dumps({
            "frontOfQueue": {"jobs": [{"jobArn": job.arn, "earliestTimeAtPosition": at} for job, at in front],
                             "lastUpdatedAt": lifecycle.now},
            "queueUtilization": utilization,
        })


def _segment(path: str) -> str:
    """The action's path segment: /v1/describejobs -> describejobs, /v1/tags/<arn> -> tags."""
    parts = path.split("?")[0].split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "v1" else ""


def _clipped(body, size: int = 1000) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return text if len(text) <= size else text[:size] + "..."


def _described(definition) -> dict:
    described = definition.describe()
    if definition.node_properties is not None:  # moto's describe leaves them out
        described["nodeProperties"] = definition.node_properties
    properties = getattr(definition, "consumable_resource_properties", None)
    if properties:
        described["consumableResourceProperties"] = properties
    priority = getattr(definition, "scheduling_priority", None)
    if priority is not None:
        described["schedulingPriority"] = priority
    return described


def _store_action(name: str):
    def action(self) -> str:
        return json.dumps(self.batch_backend.store.answer(name, self.request))

    action.__name__ = _operation(name).method
    return action


for _name in store.operations():  # one method per action the store answers (store.py)
    setattr(Handler, _operation(_name).method, _store_action(_name))
