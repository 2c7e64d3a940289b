"""The local backend's HTTP face: moto's BatchResponse, with the service's paging and rules.

Every request, in-process or over HTTP, passes `call_action`: faults first
(outside the lock, so injected latency does not stall other callers), then,
under the runtime's lock, the realtime clock catches up and the action runs.
Errors moto raises under codes the Batch API does not have become ClientException.
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache
from urllib.parse import unquote

from moto.batch.responses import BatchResponse
from moto.core.exceptions import AWSError
from moto.utilities.aws_headers import gen_amzn_requestid_long

from . import filters, rules, service, status_index, store, validation
from .job import Job
from .paging import paged

log = logging.getLogger("batchkit.local")
BATCH_CODES = ("ClientException", "ServerException")


@cache
def _path_pattern(name: str) -> re.Pattern:
    """The operation's request URI as a regex with a group per path member."""
    template = re.escape(_operation(name).model.http["requestUri"].split("?")[0])
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", template))


@cache
def _operation(name: str):
    from ..catalog import UnknownOperation, operation

    try:
        return operation(name)
    except UnknownOperation:
        return None


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
    headers = {"status": status, "x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return status, headers, json.dumps({"__type": code, "message": message})


class LocalBatchResponse(BatchResponse):
    @property
    def batch_backend(self):
        return service.runtime_of(self.current_account).backend(self.region)

    @staticmethod
    def _enrich_response(headers, body):
        """moto's version also runs an XML regex over every body; Batch answers JSON."""
        if "status" in headers:
            headers["status"] = str(headers["status"])
        gen_amzn_requestid_long(headers)
        return headers, body

    allow_request_decompression = False  # botocore never compresses Batch requests; no gzip bombs

    @property
    def request(self) -> dict:
        return self._request

    def _dispatch(self, request, full_url=None, headers=None):
        try:
            self.setup_class(request, full_url, headers)
        except UnicodeDecodeError as exc:  # moto decodes the body as UTF-8 before we see it
            return error(400, "ClientException", f"the request body is not UTF-8 (byte {exc.start})")
        return self.call_action()

    def call_action(self):
        runtime = service.runtime_of(self.current_account)
        # an action botocore does not know (a newer SDK's) is parsed, not validated, and answers 501
        name = operation_names().get((self.method, _segment(self.path)), self._get_action())
        try:
            params = self._params(name)
            validation.check(name, params)
            injected = runtime.faults.apply(name)
            status, headers, body = error(*injected) if injected is not None else self._answer(runtime, name)
        except validation.Invalid as exc:  # never reaches the backend: nothing bad is stored
            status, headers, body = error(400, "ClientException", str(exc))
            params = getattr(self, "_request", None) or {"body": _clipped(self.body)}
        if runtime.recording:
            runtime.record(name, params, int(status), body or "")
        return status, headers, body

    def _params(self, name: str) -> dict:
        """The request as the client meant it: body, plus members sent in the path or query string."""
        params = self._request = validation.parse_body(self.body)
        op = _operation(name)
        if op is None:
            return params
        found = _path_pattern(op.name).fullmatch(self.path.split("?")[0])
        for member in op.members:
            location = member.shape.serialization.get("location")
            if location == "uri" and found:
                params[member.name] = unquote(found.group(member.name))
            elif location == "querystring" and member.shape.serialization.get("name") in self.querystring:
                values = self.querystring[member.shape.serialization["name"]]
                params[member.name] = values if member.type == "list" else values[0]
        return params

    def _answer(self, runtime, name: str):
        with runtime.lock:
            runtime.catch_up()
            try:
                status, headers, body = super().call_action()
            except NotImplementedError:
                return error(501, "NotImplemented", f"{name} is not implemented by batchkit.local")
            except AWSError as exc:
                return error(exc.code, "ClientException", exc.message)
            except (KeyError, ValueError, TypeError) as exc:  # moto's own failures on odd input
                return error(400, "ClientException", f"{name}: invalid request ({type(exc).__name__}: {exc})")
            except Exception:  # a bug of ours: logged with its traceback, answered without it
                log.exception("%s failed", name)
                return error(500, "ServerException", f"{name} failed inside batchkit.local (see the server's log)")
        if int(status) >= 400:
            code = headers.get("x-amzn-ErrorType") or _error_code(body)
            if code not in BATCH_CODES:
                return error(400, "ClientException", _error_message(body))
        return status, headers, body

    # -- compute environments, queues and definitions: the service's paging ------

    def createcomputeenvironment(self) -> str:
        env = self.batch_backend.create_environment(self.request)
        return json.dumps({"computeEnvironmentArn": env.arn, "computeEnvironmentName": env.name})

    def describecomputeenvironments(self) -> str:
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

    def describejobqueues(self) -> str:
        request, backend = self.request, self.batch_backend
        queues = backend.describe_job_queues(request.get("jobQueues") or None)
        for queue in queues:
            actions = getattr(backend.get_job_queue(queue["jobQueueArn"]), "time_limit_actions", None)
            if actions:
                queue["jobStateTimeLimitActions"] = actions
        return json.dumps(paged("jobQueues", queues, request))

    def createjobqueue(self) -> str:
        return self._with_time_limits(super().createjobqueue)

    def updatejobqueue(self) -> str:
        return self._with_time_limits(super().updatejobqueue)

    def _with_time_limits(self, action) -> str:
        """moto keeps no jobStateTimeLimitActions; the scheduler acts on them (Lifecycle._blocked)."""
        request = self.request
        actions = rules.time_limit_actions(request.get("jobStateTimeLimitActions"))
        body = action()
        if "jobStateTimeLimitActions" in request:
            self.batch_backend.find_queue(json.loads(body)["jobQueueArn"]).time_limit_actions = actions
        return body

    def describejobdefinitions(self) -> str:
        request = self.request
        definitions = self.batch_backend.job_definitions(
            request.get("jobDefinitionName"), request.get("jobDefinitions"), request.get("status")
        )
        return json.dumps(paged("jobDefinitions", [_described(d) for d in definitions], request))

    def registerjobdefinition(self) -> str:
        body = super().registerjobdefinition()
        request = self.request
        definition = self.batch_backend.get_job_definition(json.loads(body)["jobDefinitionArn"])
        # moto drops both: consumable resources count the jobs that name them; fair share orders by priority
        if request.get("consumableResourceProperties"):
            definition.consumable_resource_properties = request["consumableResourceProperties"]
        if request.get("schedulingPriority") is not None:
            definition.scheduling_priority = request["schedulingPriority"]
        return body

    # -- scheduling policies: the service's rules (service.py), fair share in ordering.py ------

    def createschedulingpolicy(self) -> str:
        policy = self.batch_backend.create_policy(self.request)
        return json.dumps(policy.to_dict(create=True))

    def updateschedulingpolicy(self) -> str:
        self.batch_backend.update_policy(self.request)
        return "{}"

    def deleteschedulingpolicy(self) -> str:
        self.batch_backend.delete_policy(rules.required(self.request, "arn"))
        return "{}"

    def listschedulingpolicies(self) -> str:
        arns = [{"arn": arn} for arn in self.batch_backend.list_scheduling_policies()]
        return json.dumps(paged("schedulingPolicies", arns, self.request))

    # -- jobs: the lifecycle -------------------------------------------------------

    def submitjob(self) -> str:
        job = self.batch_backend.submit(self.request)
        return json.dumps({"jobArn": job.arn, "jobName": job.name, "jobId": job.id})

    def describejobs(self) -> str:
        backend = self.batch_backend
        jobs = backend.lifecycle.jobs
        found = [jobs[i] for i in dict.fromkeys(rules.describe_jobs(self.request.get("jobs"))) if i in jobs]
        return json.dumps({"jobs": [job.detail(backend.list_tags_for_resource(job.arn)) for job in found]})

    def listjobs(self) -> str:
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

    def canceljob(self) -> str:
        return self._one(self.batch_backend.lifecycle.cancel)

    def terminatejob(self) -> str:
        return self._one(self.batch_backend.lifecycle.terminate)

    def _one(self, act) -> str:
        """CancelJob / TerminateJob: the service answers 200 {} for a job id it does not know, too."""
        request = self.request
        job_id, reason = rules.required(request, "jobId"), rules.reason(request)
        job = self.batch_backend.lifecycle.jobs.get(job_id)
        if job is not None:
            act(job, reason)
        return "{}"

    def canceljobs(self) -> str:
        return self._bulk(self.batch_backend.lifecycle.cancel)

    def terminatejobs(self) -> str:
        return self._bulk(self.batch_backend.lifecycle.terminate)

    def _bulk(self, act) -> str:
        """CancelJobs / TerminateJobs: up to 50 jobs, unknown ones reported per job."""
        request = self.request
        reason, ids = rules.reason(request), list(request.get("jobs") or ())
        if not 1 <= len(ids) <= rules.MAX_BULK_JOBS:
            rules.fail(f"jobs takes between 1 and {rules.MAX_BULK_JOBS} job IDs; {len(ids)} were given")
        return json.dumps(rules.each_job(ids, self.batch_backend.lifecycle.jobs.get, lambda job: act(job, reason)))

    def getjobqueuesnapshot(self) -> str:
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


def _error_code(body) -> str:
    try:
        return json.loads(body).get("__type", "")
    except (ValueError, AttributeError):
        return ""


def _error_message(body) -> str:
    try:
        data = json.loads(body)
        return data.get("message") or data.get("Message") or str(data)
    except (ValueError, AttributeError):
        return str(body)


def _store_action(name: str):
    def action(self) -> str:
        return json.dumps(self.batch_backend.store.answer(name, self.request))

    action.__name__ = name.lower()
    return action


for _name in store.operations():  # moto dispatches on method names: one per action the store answers
    setattr(LocalBatchResponse, _name.lower(), _store_action(_name))
