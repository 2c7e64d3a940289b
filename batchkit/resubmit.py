"""Resubmit: the same work again, built from what DescribeJobs says a job ran.

`request_of` turns a DescribeJobs record into a SubmitJob request along botocore's model: each SubmitJob
member takes its counterpart in the record (the same name, or the name without ``Override(s)``, or with
``Properties``: ``containerOverrides`` <- ``container``, ``nodeOverrides`` <- ``nodeProperties``).  Members of
the same name are copied as the record has them (projected onto SubmitJob's shape); override members carry
only what differs from the job definition's revision the job ran (its ``containerProperties``,
``nodeProperties``, ...), so a resubmitted job still follows its definition where the original did.

AWS Batch cannot rerun only some children of an array job, and ``AWS_BATCH_*`` names are reserved, so a
failed child is rerun as a job of its own named ``<name>-<index>`` that carries its original index in the
environment variable and the parameter `INDEX` (``BATCHKIT_ARRAY_INDEX``).  Job code reads it with
``os.environ.get("BATCHKIT_ARRAY_INDEX", os.environ.get("AWS_BATCH_JOB_ARRAY_INDEX"))``.
"""

from __future__ import annotations

import copy
import re
import shlex
from dataclasses import dataclass, field

from . import catalog
from .errors import BatchError

INDEX = "BATCHKIT_ARRAY_INDEX"  # the environment variable and parameter of a rerun array child
RESERVED_ENV = "AWS_BATCH"  # the service sets these; a request may not
RESERVED_TAGS = "aws:"
MAX_NAME = 128  # SubmitJob's jobName
MAX_DEPENDS = 20  # dependsOn entries per job
DEPENDENCY_FAILED = re.compile(r"dependen", re.IGNORECASE)  # "Dependent Job failed": failed because of another
SOURCES = {"nodePropertyOverrides": "nodeRangeProperties"}  # the one counterpart its name does not give
KEYS = ("name", "targetNodes")  # what matches the items of a list of containers / node ranges
SHORT = {"name": "jobName", "queue": "jobQueue", "definition": "jobDefinition"}  # %batch submit's words


def submit_shape():
    return catalog.operation("SubmitJob").model.input_shape


def _counterpart(name: str, record: dict | None) -> str | None:
    """The member of a record (a job's or a definition's) that a SubmitJob member is made from."""
    if not record:
        return None
    if name in SOURCES and SOURCES[name] in record:
        return SOURCES[name]
    base = re.sub(r"Overrides?$", "", name)
    return next((c for c in (base, base + "Properties") if c in record), None)


def _pick(record: dict | None, name: str):
    source = _counterpart(name, record)
    return record[source] if source else None


def _project(value, shape):
    """`value` with only what `shape` has (a detail shape's extra members dropped)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _project(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_project(v, shape.member) for v in value]
    return value


def _substituted(command, parameters: dict) -> list | None:
    if not isinstance(command, list):
        return None
    return [parameters.get(a[5:], a) if isinstance(a, str) and a.startswith("Ref::") else a for a in command]


def _overrides(value, base, shape, parameters: dict):
    """What of `value` (the job's) differs from `base` (its definition's), in the override `shape`; None if nothing."""
    if value is None:
        return None
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            got = _overrides(_pick(value, name), _pick(base, name), member, parameters)
            if got is not None:
                out[name] = got
        key = next((k for k in KEYS if k in shape.members and k in value), None)
        return {key: value[key], **out} if out and key else out or None
    if shape.type_name == "list" and isinstance(value, list):
        item = shape.member
        if item.type_name == "structure" and set(item.members) == {"name", "value"}:  # environment variables
            return _environment(value, base)
        nested = item.type_name == "structure" and any(m.type_name in ("structure", "list", "map")
                                                       for m in item.members.values())
        if nested:  # containers by name, node ranges by their targetNodes, tasks in order
            key = next((k for k in KEYS if k in item.members), None)
            base = [b for b in base or () if isinstance(b, dict)]
            known = {b.get(key): b for b in base} if key else dict(enumerate(base))
            found = [o for i, v in enumerate(value) if isinstance(v, dict)
                     and (o := _overrides(v, known.get(v.get(key) if key else i), item, parameters))]
            return found or None
        if value in (base, _substituted(base, parameters)) or _same_items(value, base):
            return None  # DescribeJobs may show a command with its parameters substituted
        return value or None
    return None if value == base else value


def _same_items(value, base) -> bool:
    """Lists equal but for order (resource requirements)."""
    if not isinstance(base, list) or len(value) != len(base):
        return False
    return sorted(map(_sortable, value)) == sorted(map(_sortable, base))


def _sortable(item) -> str:
    return repr(sorted(item.items())) if isinstance(item, dict) else repr(item)


def _environment(value: list, base) -> list | None:
    had = {e.get("name"): e.get("value") for e in base or () if isinstance(e, dict)}
    changed = [e for e in value if isinstance(e, dict) and not str(e.get("name", "")).startswith(RESERVED_ENV)
               and (e.get("name") not in had or had[e.get("name")] != e.get("value"))]
    return changed or None


def request_of(job: dict, definition: dict | None) -> dict:
    """The SubmitJob request that runs `job` (a DescribeJobs record) again, given its definition's revision
    (a DescribeJobDefinitions record, or None when it is gone: then the job's values are all taken)."""
    shape = submit_shape()
    parameters = {**((definition or {}).get("parameters") or {}), **(job.get("parameters") or {})}
    request = {}
    for name, member in shape.members.items():
        source = _counterpart(name, job)
        if source is None:
            continue
        if source == name:
            value = _project(job[name], member)
        else:  # an override: what the job ran with beyond its definition
            value = _overrides(job[source], _pick(definition, name), member, parameters)
        if value not in (None, [], {}):
            request[name] = value
    container = request.get("containerOverrides") or {}
    container.pop("instanceType", None)  # where a single-node job ran, not what it asked for (MNP only)
    if not container:
        request.pop("containerOverrides", None)
    if "tags" in request:  # aws: tags are the service's
        request["tags"] = {k: v for k, v in request["tags"].items() if not k.startswith(RESERVED_TAGS)}
        if not request["tags"]:
            del request["tags"]
    if _is_child(job):
        request.pop("arrayProperties", None)
    return request


def _is_child(job: dict) -> bool:
    return "index" in (job.get("arrayProperties") or {})


def _is_array_parent(job: dict) -> bool:
    array = job.get("arrayProperties") or {}
    return "size" in array and "index" not in array


def with_index(request: dict, index: int, job: dict | None = None) -> dict:
    """A rerun array child: its own job named ``<name>-<index>``, the index in INDEX (environment and parameter);
    `job` (its record) names the containers of an ECS or EKS job, each of which gets the variable."""
    request = copy.deepcopy(request)
    _name_containers(request, job or {})
    request.pop("arrayProperties", None)
    suffix = f"-{index}"
    request["jobName"] = request["jobName"][: MAX_NAME - len(suffix)] + suffix
    request["parameters"] = {**request.get("parameters", {}), INDEX: str(index)}
    _set_env(request, {INDEX: str(index)})
    return request


def _name_containers(request: dict, job: dict) -> None:
    """An override entry (by name) for each container of an ECS or EKS job, so that each can be given a variable."""
    for task_no, task in enumerate((job.get("ecsProperties") or {}).get("taskProperties") or ()):
        tasks = request.setdefault("ecsPropertiesOverride", {}).setdefault("taskProperties", [])
        tasks += [{} for _ in range(task_no + 1 - len(tasks))]
        _add_named(tasks[task_no].setdefault("containers", []), task.get("containers"))
    pod = (job.get("eksProperties") or {}).get("podProperties")
    if pod:
        pods = request.setdefault("eksPropertiesOverride", {}).setdefault("podProperties", {})
        _add_named(pods.setdefault("containers", []), pod.get("containers"))


def _add_named(overrides: list, containers) -> None:
    have = {c.get("name") for c in overrides}
    overrides += [{"name": c["name"]} for c in containers or () if c.get("name") and c["name"] not in have]


def _set_env(request: dict, env: dict) -> None:
    """Environment variables on the job's containers: a container job's, or each container override of an ECS or
    EKS job (EKS spells the member `env`)."""
    containers = _containers(request) or [(request.setdefault("containerOverrides", {}), "environment")]
    for container, key in containers:
        kept = [e for e in container.get(key) or () if e.get("name") not in env]
        container[key] = kept + [{"name": k, "value": v} for k, v in env.items()]


def _containers(request: dict) -> list[tuple[dict, str]]:
    found = []
    for task in (request.get("ecsPropertiesOverride") or {}).get("taskProperties") or ():
        found += [(c, "environment") for c in task.get("containers") or ()]
    pod = (request.get("eksPropertiesOverride") or {}).get("podProperties") or {}
    found += [(c, "env") for c in pod.get("containers") or ()]
    return found


def apply(request: dict, overrides: dict) -> dict:
    """`overrides` on a request: %batch submit's words (name, queue, definition, env, command, vcpus, memory,
    retries, timeout, parameters, array, depends_on) or any SubmitJob member by name (replacing it; None drops it)."""
    request = copy.deepcopy(request)
    members = submit_shape().members

    def container() -> dict:
        return request.setdefault("containerOverrides", {})

    for key, value in overrides.items():
        if key in SHORT:
            request[SHORT[key]] = value
        elif key == "env":
            env = dict(value) if isinstance(value, dict) else dict(_pair(v, "env") for v in value)
            kept = [e for e in container().get("environment", ()) if e.get("name") not in env]
            container()["environment"] = kept + [{"name": k, "value": str(v)} for k, v in env.items()]
        elif key == "command":
            container()["command"] = shlex.split(value) if isinstance(value, str) else list(value)
        elif key in ("vcpus", "memory"):
            kind = key.upper().removesuffix("S")
            kept = [r for r in container().get("resourceRequirements", ()) if r.get("type") != kind]
            container()["resourceRequirements"] = kept + [{"type": kind, "value": f"{float(value):g}"}]
        elif key == "retries":
            request["retryStrategy"] = {**request.get("retryStrategy", {}), "attempts": int(value)}
        elif key == "timeout":
            request["timeout"] = {"attemptDurationSeconds": int(value)}
        elif key in ("parameters", "parameter"):
            params = dict(value) if isinstance(value, dict) else dict(_pair(v, "parameter") for v in value)
            request["parameters"] = {**request.get("parameters", {}), **params}
        elif key == "array":
            request.pop("arrayProperties", None)
            if value:
                request["arrayProperties"] = {"size": int(value)}
        elif key == "depends_on":
            ids = [value] if isinstance(value, (str, dict)) else list(value)
            request["dependsOn"] = [d if isinstance(d, dict) else _dependency(d) for d in ids]
        elif key in members:
            if value is None:
                request.pop(key, None)
            else:
                request[key] = value
        else:
            words = [*SHORT, "env", "command", "vcpus", "memory", "retries", "timeout", "parameters", "array",
                     "depends_on", *members]
            raise TypeError(f"resubmit has no override {key!r}{catalog.suggest(key, words)}")
    return request


def _pair(text: str, option: str) -> tuple[str, str]:
    if not isinstance(text, str) or "=" not in text:
        raise ValueError(f"{option} takes KEY=VALUE, not {text!r}")
    key, value = text.split("=", 1)
    return key, value


def _dependency(text: str) -> dict:
    """'ID' or 'ID:N_TO_N' (an array child's id has a colon of its own)."""
    job_id, colon, kind = text.rpartition(":")
    return {"jobId": job_id, "type": kind} if colon and kind in ("N_TO_N", "SEQUENTIAL") else {"jobId": text}


# --- what to submit -------------------------------------------------------------------------------


@dataclass
class Entry:
    """One job to submit: the request, what it reruns, and the reruns it must wait for."""

    request: dict
    original: str
    index: int | None = None
    after: list[str] = field(default_factory=list)  # originals whose new ids go into its dependsOn


@dataclass
class Plan:
    """What `resubmit` will submit (`len(plan)` jobs), before anything is sent."""

    entries: list[Entry]
    summary: str

    def __len__(self) -> int:
        return len(self.entries)


def _describe(b, ids: list[str]) -> list[dict]:
    op = catalog.operation("DescribeJobs")
    return [job for page in b.pages(op, {"jobs": ids}) for job in page.get("jobs", ())]


def _definitions(b, arns) -> dict[str, dict]:
    arns = sorted({a for a in arns if a})
    if not arns:
        return {}
    op = catalog.operation("DescribeJobDefinitions")
    found = [d for page in b.pages(op, {"jobDefinitions": arns}) for d in page.get("jobDefinitions", ())]
    return {d["jobDefinitionArn"]: d for d in found}


def _failed_indexes(b, parent: str) -> list[int]:
    op = catalog.operation("ListJobs")
    pages = b.pages(op, {"arrayJobId": parent, "jobStatus": "FAILED"})
    return sorted({s["arrayProperties"]["index"] for page in pages for s in page.get("jobSummaryList", ())
                   if "index" in (s.get("arrayProperties") or {})})


def plan(b, jobs, failed_only: bool = False, dependents: bool = False, overrides: dict | None = None) -> Plan:
    """The SubmitJob requests that run `jobs` again (see the module's docstring), nothing sent yet."""
    from .jobs import job_ids

    apply({}, overrides or {})  # a bad override is refused before anything is asked
    ids = job_ids(jobs, name="job")
    if not ids:
        raise ValueError("resubmit: no job id given")
    bad = [i for i in ids if "#" in i]
    if bad:
        raise ValueError(f"{bad[0]} is a node of a multi-node job: resubmit the job {bad[0].split('#')[0]}")
    records = {r["jobId"]: r for r in _describe(b, ids)}
    missing = [i for i in ids if i not in records]
    if missing:
        raise BatchError("DescribeJobs", "JobNotFound", f"no job with id {', '.join(missing[:5])}")
    definitions = _definitions(b, [r.get("jobDefinition") for r in records.values()])
    entries, said = [], []
    for job_id in ids:
        job = records[job_id]
        base = apply(request_of(job, definitions.get(job.get("jobDefinition"))), overrides or {})
        if failed_only and _is_array_parent(job):
            indexes = _failed_indexes(b, job_id)
            if not indexes:
                raise ValueError(f"no child of array job {job_id} ({job.get('jobName')}) has failed: nothing to rerun")
            entries += [Entry(with_index(base, i, job), job_id, i) for i in indexes]
            said.append(f"{len(indexes)} failed children of {job.get('jobName')} (indexes "
                        f"{', '.join(map(str, indexes[:10]))}{', ...' if len(indexes) > 10 else ''})")
            continue
        if failed_only and job.get("status") != "FAILED":
            raise ValueError(f"job {job_id} ({job.get('jobName')}) is {job.get('status')}, not FAILED: "
                             "failed_only reruns failed jobs and an array's failed children")
        if _is_child(job):
            index = job["arrayProperties"]["index"]
            entries.append(Entry(with_index(base, index, job), job_id, index))
        else:
            entries.append(Entry(base, job_id))
        said.append(f"{job.get('jobName')} ({job_id})")
    if dependents:
        found = _dependents(b, entries, records)
        if found:
            said.append(f"{len(found)} job(s) that failed because they depended on them")
        entries += found
    return Plan(entries, "; ".join(said))


def _dependents(b, entries: list[Entry], records: dict[str, dict]) -> list[Entry]:
    """Jobs that failed because one of the rerun jobs (or, in turn, one of these) failed, with their dependsOn
    pointed at the new jobs.  Found among the FAILED jobs of every queue created since the earliest rerun job."""
    from .jobs import _list

    since = min(r.get("createdAt", 0) for r in records.values())
    queues = list(b.queues()["jobQueueName"])
    summaries = [s for s in _list(b, [{"jobQueue": q, "jobStatus": "FAILED"} for q in queues])
                 if s.get("createdAt", 0) >= since and s["jobId"] not in records]
    candidates = {r["jobId"]: r for r in _describe(b, [s["jobId"] for s in summaries])
                  if DEPENDENCY_FAILED.search(r.get("statusReason") or "")}
    rerun = {e.original for e in entries}
    found: list[dict] = []
    grew = True
    while grew:  # dependents of dependents, until no more
        grew = False
        for job_id, job in list(candidates.items()):
            if any(d.get("jobId") in rerun for d in job.get("dependsOn") or ()):
                found.append(job)
                rerun.add(job_id)
                del candidates[job_id]
                grew = True
    definitions = _definitions(b, [j.get("jobDefinition") for j in found])
    out = []
    for job in found:
        request = request_of(job, definitions.get(job.get("jobDefinition")))
        after = [d["jobId"] for d in job.get("dependsOn") or () if d.get("jobId") in rerun]
        out.append(Entry(request, job["jobId"], after=after))
    return out


# --- submitting ---------------------------------------------------------------------------------


def submit(b, planned: Plan):
    """Submit a plan's jobs (in parallel; the dependents once what they wait for has its new id): SubmitJob's
    frame, one row per new job, with ``resubmitOf`` (the original's id) and ``arrayIndex`` (a rerun child's)."""
    import pandas as pd

    entries = planned.entries
    new: dict[str, list[tuple[str, bool]]] = {}  # original id -> (new id, keeps the dependency type) of its reruns
    done: dict[int, dict | BatchError] = {}
    waiting = list(range(len(entries)))
    while waiting:
        ready = [i for i in waiting if not any(entries[j].original in entries[i].after for j in waiting)]
        results = b.map(lambda i: _submit_one(b, _pointed(entries[i], new)), ready)
        for i, result in zip(ready, results):
            done[i] = result
            if not isinstance(result, BatchError):  # a rerun child is one job: an N_TO_N on it means nothing
                new.setdefault(entries[i].original, []).append((result["jobId"], entries[i].index is None))
        failed = {entries[i].original for i in ready if isinstance(done[i], BatchError)}
        waiting = [i for i in waiting if i not in done]
        while failed:  # what waits for a failed submission is not sent (a job on a missing one would fail)
            skipped = [i for i in waiting if set(entries[i].after) & failed]
            for i in skipped:
                done[i] = BatchError("SubmitJob", "NotSubmitted", f"{entries[i].original} was not resubmitted: "
                                     "a job it depends on could not be")
            failed = {entries[i].original for i in skipped}
            waiting = [i for i in waiting if i not in done]
    submitted = [(planned.entries[i], r) for i, r in sorted(done.items()) if not isinstance(r, BatchError)]
    op = catalog.operation("SubmitJob")
    df = b.frame([r for _, r in submitted], op.row_shape)
    df["resubmitOf"] = pd.array([e.original for e, _ in submitted], dtype="string")
    df["arrayIndex"] = pd.array([e.index for e, _ in submitted], dtype="Int64")
    df = b._label(df, "SubmitJob", [r for _, r in submitted])
    errors = [r for r in done.values() if isinstance(r, BatchError)]
    if errors:
        raise BatchError("SubmitJob", errors[0].code, f"{len(errors)} of {len(planned)} resubmissions failed, "
                         f"first: {errors[0].message}", original=errors[0].original, frame=df)
    return df


def _pointed(entry: Entry, new: dict) -> dict:
    """The request with its dependsOn on the originals replaced by their reruns' new ids."""
    request = copy.deepcopy(entry.request)
    if not entry.after:
        return request
    depends = []
    for d in request.get("dependsOn") or ():
        reruns = new.get(d.get("jobId"))
        if reruns is None:
            depends.append(d)
        else:
            depends += [{"jobId": job_id, **({"type": d["type"]} if d.get("type") and keeps else {})}
                        for job_id, keeps in reruns]
    request["dependsOn"] = depends
    return request


def _submit_one(b, request: dict):
    try:
        page = b.pages(catalog.operation("SubmitJob"), request)[0]
    except BatchError as exc:
        return exc
    return {k: v for k, v in page.items() if k != "ResponseMetadata"}


def resubmit(b, jobs, failed_only: bool = False, dependents: bool = False, **overrides):
    """`plan` then `submit`."""
    planned = plan(b, jobs, failed_only, dependents, overrides)
    check(planned)
    return submit(b, planned)


def check(planned: Plan) -> None:
    """Refuse, before anything is sent, what SubmitJob would refuse halfway: more than MAX_DEPENDS dependencies."""
    reruns: dict[str, int] = {}
    for entry in planned.entries:
        reruns[entry.original] = reruns.get(entry.original, 0) + 1
    for entry in planned.entries:
        total = sum(reruns[d["jobId"]] if d.get("jobId") in entry.after else 1
                    for d in entry.request.get("dependsOn") or ())
        if total > MAX_DEPENDS:
            raise ValueError(f"{entry.original} would depend on {total} jobs once pointed at the reruns "
                             f"(SubmitJob takes {MAX_DEPENDS}): resubmit without dependents, or fewer at a time")
