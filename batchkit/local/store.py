"""The resources the API reference predates and moto lacks, kept generically.

Service environments, consumable resources, quota shares and service jobs are
records in one store on the backend (so `reset` snapshots them), and the actions
on them are read off their names and botocore's model: `Create<Kind>` and
`Submit<Kind>` add a record, `Describe<Kind>[s]` and `List<Kind>s` answer it
through the operation's output shape, `Update<Kind>` sets the members given,
`Delete<Kind>` removes it, `Terminate<Kind>[s]` stops a service job.  Only what
the model cannot say is written here: defaults, the quantities of a consumable
resource, and how a service job moves along with the simulated clock.
"""

from __future__ import annotations

import re
from functools import cache

from . import filters, rules
from .paging import paged

ACTION = re.compile(r"^(Create|Submit|Describe|List|Update|Delete|Terminate)([A-Z][A-Za-z]*?)(s?)$")
JOB_KIND = "ServiceJob"
# a service job's way through the service, in simulated seconds after it was submitted
PROGRESS = (("SUBMITTED", 0), ("RUNNABLE", 1), ("SCHEDULED", 2), ("STARTING", 3), ("RUNNING", 4))
FINISHED = ("SUCCEEDED", "FAILED")
MODELLED = ("ComputeEnvironment", "JobQueue", "SchedulingPolicy", "Job")  # kept in moto's Batch models


def _operation(name: str):
    from ..catalog import operation

    return operation(name)


@cache
def kinds() -> frozenset[str]:
    """Kinds whose records the store keeps: every kind created by an action, but moto's models' kinds."""
    from ..catalog import operations

    found = set()
    for name in operations():
        match = ACTION.match(name)
        if match and match[1] in ("Create", "Submit") and match[2] not in MODELLED:
            found.add(match[2])
    return frozenset(found)


@cache
def operations() -> tuple[str, ...]:
    """The actions the store answers: those on its kinds, and the jobs using a consumable resource."""
    from ..catalog import operations as every

    return tuple(name for name in every() if name == "ListJobsByConsumableResource"
                 or ((match := ACTION.match(name)) and match[2] in kinds()))


def _camel(kind: str) -> str:
    return kind[0].lower() + kind[1:]


def _kebab(kind: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower()


def _members(shape) -> list[str]:
    return list(shape.members) if shape is not None else []


class Store:
    """Records by ARN, per kind, and the actions on them."""

    def __init__(self, backend):
        self.backend = backend
        self.records: dict[str, dict[str, dict]] = {kind: {} for kind in kinds()}

    # -- dispatch ------------------------------------------------------------------

    def answer(self, name: str, request: dict) -> dict:
        """The response body of action `name`, or the service's ClientException."""
        if name == "ListJobsByConsumableResource":
            return self._jobs_using(request)
        verb, kind, plural = ACTION.match(name).groups()
        op = _operation(name)
        if verb in ("Create", "Submit"):
            return self._project(kind, self._create(kind, request), op.model.output_shape)
        if verb in ("Describe", "List") and (plural or not op.required):
            return self._listing(kind, op, request)
        if verb == "Describe":
            return self._project(kind, self._find(kind, self._reference(op, request)), op.model.output_shape)
        if verb == "Update":
            return self._project(kind, self._update(kind, op, request), op.model.output_shape)
        if verb == "Delete":
            self._delete(kind, self._find(kind, self._reference(op, request)))
            return {}
        if plural:  # TerminateServiceJobs: per job, unknown ones reported
            return self._bulk_terminate(request)
        self._terminate(self._find(kind, request.get("jobId")), rules.reason(request))
        return {}

    # -- the generic part ---------------------------------------------------------

    def _create(self, kind: str, request: dict) -> dict:
        now = self.backend.lifecycle.now
        key = "job" if kind == JOB_KIND else _camel(kind)
        name = rules.name(f"{key}Name", request.get(f"{key}Name"))
        ident = str(self.backend.lifecycle.random.uuid4()) if kind == JOB_KIND else name
        if kind != JOB_KIND and any(r[f"{key}Name"] == name for r in self.records[kind].values()):
            rules.fail(f"A {_kebab(kind).replace('-', ' ')} already exists with the name {name}")
        arn = self._arn(kind, ident)
        record = {k: v for k, v in request.items() if k not in ("clientToken", "tags")}
        record.update({f"{key}Arn": arn, "createdAt": now})
        if kind == JOB_KIND:
            record.update(jobId=ident, jobQueue=self.backend.find_queue(request.get("jobQueue")).arn,
                          isTerminated=False, attempts=[])
        else:
            if "jobQueue" in record:  # a quota share belongs to a queue
                record["jobQueueArn"] = self.backend.find_queue(record.pop("jobQueue")).arn
            shown = _describable(kind)
            if "state" in shown:
                record.setdefault("state", "ENABLED")
            if "status" in shown:
                record["status"] = "VALID"
            if "totalQuantity" in shown:
                record.setdefault("totalQuantity", 0)
                record.setdefault("resourceType", "REPLENISHABLE")
        if request.get("tags"):
            self.backend.tag_resource(arn, request["tags"])
        self.records[kind][arn] = record
        return record

    def _arn(self, kind: str, ident: str) -> str:
        """The ARN of a record: its kind, then its name (a service job: its id)."""
        return f"arn:aws:batch:{self.backend.region_name}:{self.backend.account_id}:{_kebab(kind)}/{ident}"

    def _find(self, kind: str, reference) -> dict:
        """A record by ARN, name or job id, or the service's ClientException."""
        records = self.records[kind]
        found = records.get(reference) or records.get(self._arn(kind, reference))
        if found is None:
            rules.fail(f"{_kebab(kind).replace('-', ' ').capitalize()} {reference} does not exist")
        return found

    @staticmethod
    def _reference(op, request: dict):
        """The value of the required member that names the resource (its name, ARN or id)."""
        return request.get(_reference_member(op))

    def _listing(self, kind: str, op, request: dict) -> dict:
        records = sorted(self.records[kind].values(), key=lambda r: r["createdAt"], reverse=True)
        wanted = next((request[m.name] for m in op.members if m.type == "list" and m.name != "filters"
                       and request.get(m.name)), None)
        if wanted is not None:  # Describe<Kind>s of the names or ARNs given
            wanted = {self._find(kind, ref)[self._arn_key(kind)] for ref in wanted}
        if request.get("jobQueue"):
            queue = self.backend.find_queue(request["jobQueue"]).arn
            records = [r for r in records if queue in (r.get("jobQueue"), r.get("jobQueueArn"))]
        keep = filters.record_filter(request, kind == JOB_KIND, self._progress)
        return paged(op.rows_key, records, request,
                     lambda r: (wanted is None or r[self._arn_key(kind)] in wanted) and keep(r),
                     lambda r: self._project(kind, r, op.row_shape))

    def _update(self, kind: str, op, request: dict) -> dict:
        reference = _reference_member(op)
        record = self._find(kind, request.get(reference))
        for member in op.members:
            value = request.get(member.name)
            if value is not None and member.name != reference and member.name in _describable(kind):
                record[member.name] = value
        if kind == "ConsumableResource" and request.get("quantity") is not None:
            record["totalQuantity"] = _quantity(record["totalQuantity"], request.get("operation") or "SET",
                                                request["quantity"])
        return record

    def _delete(self, kind: str, record: dict) -> None:
        if record.get("state") == "ENABLED":
            rules.fail(f"{record.get(f'{_camel(kind)}Name')} is ENABLED: set its state to DISABLED before deleting it")
        del self.records[kind][record[self._arn_key(kind)]]

    def _project(self, kind: str, record: dict, shape) -> dict:
        """The record as `shape` has it: computed members filled in, tags attached."""
        record, members = self._progress(record), _members(shape)
        out = {k: record[k] for k in members if record.get(k) is not None}
        if "tags" in members:
            out["tags"] = self.backend.list_tags_for_resource(record[self._arn_key(kind)])
        if "inUseQuantity" in members:
            in_use = sum(q for job, q in self._users(record) if job.status in ("STARTING", "RUNNING"))
            out.update(inUseQuantity=in_use, availableQuantity=max(record["totalQuantity"] - in_use, 0))
        return out

    @staticmethod
    def _arn_key(kind: str) -> str:
        return "jobArn" if kind == JOB_KIND else f"{_camel(kind)}Arn"

    # -- service jobs: moved along by the clock ---------------------------------------

    def _progress(self, record: dict) -> dict:
        """A service job's status now (a record of another kind as it is)."""
        if "jobId" not in record or record.get("status") in FINISHED:
            return record
        now, created = self.backend.lifecycle.now, record["createdAt"]
        status = next(s for s, at in reversed(PROGRESS) if now >= created + at * 1000)
        started = created + PROGRESS[-1][1] * 1000
        exit_code, seconds, reason = self._outcome(record)
        timeout = (record.get("timeoutConfig") or {}).get("attemptDurationSeconds")
        if timeout is not None and seconds > timeout:
            exit_code, seconds, reason = 1, timeout, "Job attempt duration exceeded timeout"
        stopped = started + int(seconds * 1000)
        if now >= stopped:
            status = "SUCCEEDED" if exit_code == 0 else "FAILED"
            attempt = {"startedAt": started, "stoppedAt": stopped, "statusReason": reason or "Succeeded"}
            record.update(attempts=[attempt], stoppedAt=stopped, statusReason=attempt["statusReason"])
        if status in ("RUNNING", *FINISHED):
            record["startedAt"] = started
        if status != "SUBMITTED":
            record["scheduledAt"] = created + PROGRESS[2][1] * 1000
        record["status"] = status
        return record

    def _outcome(self, record: dict) -> tuple[int, float, str | None]:
        """(exit code, seconds, reason) from the `set_outcome` rule for the job's name and queue."""
        from .outcomes import DEFAULT_SECONDS

        queue = self.backend.get_job_queue(record["jobQueue"])
        rule = self.backend.lifecycle.outcomes.find(record["jobName"], queue)
        code = rule.exit_code_for(0)
        seconds = DEFAULT_SECONDS if rule.duration is None else rule.duration
        return code, seconds, rule.reason or (f"Service job exited with code {code}" if code else None)

    def _terminate(self, record: dict, reason: str) -> None:
        self._progress(record)
        record["isTerminated"] = True
        if record.get("status") not in FINISHED:
            now = self.backend.lifecycle.now
            record.update(status="FAILED", statusReason=reason, stoppedAt=now)
            if record.get("startedAt"):
                record["attempts"] = [{"startedAt": record["startedAt"], "stoppedAt": now, "statusReason": reason}]

    def _bulk_terminate(self, request: dict) -> dict:
        reason, records = rules.reason(request), self.records[JOB_KIND]
        return rules.each_job(request.get("jobs") or (), lambda job_id: records.get(self._arn(JOB_KIND, job_id)),
                              lambda record: self._terminate(record, reason), what="Service job")

    # -- consumable resources and the jobs that use them ---------------------------------

    def _users(self, record: dict):
        """(job, quantity) for every job whose consumable resources name this one."""
        names = (record.get("consumableResourceArn"), record.get("consumableResourceName"))
        jobs = self.backend.lifecycle.jobs
        for job in (job for key, job in jobs.items() if key == job.id):  # jobs are kept by id and by ARN
            properties = (job.request.get("consumableResourcePropertiesOverride")
                          or getattr(job.definition, "consumable_resource_properties", None) or {})
            for item in properties.get("consumableResourceList") or ():
                if item.get("consumableResource") in names:
                    yield job, int(item.get("quantity") or 0)

    def _jobs_using(self, request: dict) -> dict:
        record = self._find("ConsumableResource", request.get("consumableResource"))
        statuses = {v for f in request.get("filters") or () if f.get("name") == "JOB_STATUS" for v in f.get("values") or ()}
        users = [(job, q) for job, q in self._users(record) if not statuses or job.status in statuses]
        return paged("jobs", users, request, show=lambda user: _job_using(*user))


def _job_using(job, quantity: int) -> dict:
    """A ListJobsByConsumableResource row."""
    return {
        "jobArn": job.arn, "jobQueueArn": job.queue.arn, "jobName": job.name,
        "jobDefinitionArn": job.definition.arn, "jobStatus": job.status, "quantity": quantity,
        "createdAt": job.created_at, **({"startedAt": job.started_at} if job.started_at else {}),
        **({"statusReason": job.reason} if job.reason else {}),
    }


@cache
def _describable(kind: str) -> frozenset[str]:
    """The members a kind's records show: its Describe action's output (or rows)."""
    from ..catalog import operations

    members = set()
    for name, op in operations().items():
        match = ACTION.match(name)
        if match and match[1] in ("Describe", "List") and match[2] == kind:
            members.update(_members(op.row_shape if op.rows_key else op.model.output_shape))
    return frozenset(members)


def _reference_member(op) -> str:
    """The required string member that names the resource an action is on (name, ARN or id)."""
    return next(m.name for m in op.members if m.required and m.type == "string")


def _quantity(total: int, operation: str, quantity: int) -> int:
    if quantity < 0:
        rules.fail("quantity must be a non-negative value")
    if operation == "SET":
        return quantity
    if operation == "ADD":
        return total + quantity
    if operation == "REMOVE":
        if quantity > total:
            rules.fail(f"cannot remove {quantity}: the total quantity is {total}")
        return total - quantity
    rules.fail(f"operation {operation} must be one of SET | ADD | REMOVE")
