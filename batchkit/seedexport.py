"""Seed export: an account (AWS, any endpoint, a LocalBatch) as a seed that `batchkit.local` loads.

What is read, through `Batch` (every listing paged, DescribeJobs in 100s on the
client's pool): compute environments, job queues, job definitions (ACTIVE; the
latest revision of each unless ``all_revisions``), scheduling policies, their
tags, and with ``jobs=True`` the jobs of the window.  Each becomes the request
that creates it (members of the Create/Register/Submit input shape only, by
botocore's model).

What is not written as it was:
- account ids, IAM roles, instance profiles, subnets, security groups, launch
  templates, key pairs, AMIs, EKS clusters: placeholders the local backend
  accepts (`Placeholders`: the same value always gives the same placeholder);
- secret-looking environment values, parameters and URL passwords (the
  masking policy, `batchkit.masking`): ``****``.

Jobs that finished are history (history.py of the local backend: ids, status,
reason, times, attempts with exit codes, dependencies as recorded, array
children's outcomes, optionally log tails); the others keep their ids and are
simulated again where the seed is loaded (a stuck queue is stuck again when its
cause, an environment's size or state, came along).

This module is a layer above `Batch`: it makes API calls through it and never
imports the local backend.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from pathlib import Path

from . import catalog, masking
from .jobs import FINISHED, _since, timedelta

ACCOUNT = "123456789012"  # the placeholder account: moto's default, the local backend's first
CHUNK = 100  # ids per DescribeJobs, the most the service takes
CHILD_LOGS = 100  # failed children of an array whose log tails are exported (`why` groups the first 100)
MAX_YAML = 4 << 20  # the largest YAML seed batchkit.local reads (local/seed.py MAX_BYTES)
MAX_JSON = 16 << 20  # the largest JSON seed it reads
INLINE_JOBS = 1_000  # more jobs than this go to a JSON-lines table: YAML loads ~10x slower (5,000 jobs: 5 s vs 0.5 s)
# members whose values are account-bound identifiers -> the kind of placeholder (Placeholders._make)
ROLES = {"serviceRole": "service-role", "jobRoleArn": "job-role", "executionRoleArn": "execution-role",
         "taskRoleArn": "task-role", "spotIamFleetRole": "spot-fleet-role"}
IDS = {"subnets": "subnet", "securityGroupIds": "sg", "securityGroups": "sg", "launchTemplateId": "lt",
       "imageId": "ami", "imageIdOverride": "ami"}
NAMES = {"launchTemplateName": "launch-template", "ec2KeyPair": "key-pair", "placementGroup": "placement-group"}
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")
JOB_STATE = ("jobId", "status", "statusReason", "createdAt", "startedAt", "stoppedAt", "attempts")
ATTEMPT_CONTAINER = ("exitCode", "reason", "logStreamName")  # what of an attempt's container `why` reads


class Seed(dict):
    """An exported seed: a plain dict of request lists (what `batchkit.local(seed=...)` takes), with
    ``summary`` (what was exported and left out), ``header`` (the comment a file starts with) and
    ``path`` (the file written, if any)."""

    summary: str = ""
    header: str = ""
    path: Path | None = None

    def __repr__(self) -> str:
        return f"<Seed {self.summary}>"


class Placeholders:
    """Account-bound identifiers to placeholders, one map for the whole seed: the same real role, subnet or
    account always gives the same placeholder, so references between resources still agree."""

    def __init__(self, region: str):
        self.region = region
        self.accounts: set[str] = set()
        self._map: dict[tuple[str, str], str] = {}
        self._counts: Counter = Counter()

    def __call__(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._map:
            self._counts[kind] += 1
            self._map[key] = self._make(kind, self._counts[kind])
        return self._map[key]

    def _make(self, kind: str, number: int) -> str:
        if kind in IDS.values():
            return f"{kind}-{number:017x}"
        if kind == "instance-role":
            return f"arn:aws:iam::{ACCOUNT}:instance-profile/{kind}-{number}"
        if kind in ROLES.values():
            return f"arn:aws:iam::{ACCOUNT}:role/{kind}-{number}"
        if kind == "eks-cluster":
            return f"arn:aws:eks:{self.region}:{ACCOUNT}:cluster/{kind}-{number}"
        return f"{kind}-{number}"

    @property
    def count(self) -> int:
        return len(self._map)

    def see(self, value) -> None:
        """Learn the source's account ids from the ARNs in a response."""
        self.accounts.update(ARN_ACCOUNT.findall(json.dumps(value, default=str)))

    def replace(self, value, key: str = ""):
        """value with its account-bound identifiers replaced (by member name), and the source's account ids
        in any other text (ECR images, secrets' ARNs) replaced by the placeholder account."""
        if isinstance(value, dict):
            return {k: self.replace(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.replace(v, key) for v in value]
        if not isinstance(value, str):
            return value
        if key in ROLES:
            return self(ROLES[key], value)
        if key == "instanceRole":
            return self("instance-role", value)
        if key in IDS:
            return self(IDS[key], value)
        if key in NAMES:
            return self(NAMES[key], value)
        if key == "eksClusterArn":
            return self("eks-cluster", value)
        for account in self.accounts:
            value = value.replace(account, ACCOUNT)
        return value


class Masked:
    """The masking policy applied to requests, counting what it replaced."""

    def __init__(self):
        self.count = 0

    def __call__(self, value):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key in masking.SECRET_HOLDERS and isinstance(item, (list, dict)):
                    masked = masking.mask_named(key, item)
                    if masked is not item:
                        pairs = zip(item.values(), masked.values()) if isinstance(item, dict) else zip(item, masked)
                        self.count += sum(a != b for a, b in pairs)
                    out[key] = masked
                else:
                    out[key] = self(item)
            return out
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def request_of(operation: str, value):
    """What of a described resource the operation's request takes (by botocore's model)."""
    return _members(value, catalog.operation(operation).model.input_shape)


def _members(value, shape):
    if shape.type_name == "structure" and isinstance(value, dict):  # empty lists and maps say nothing
        return {k: _members(v, shape.members[k]) for k, v in value.items()
                if k in shape.members and v is not None and v != [] and v != {}}
    if shape.type_name == "list" and isinstance(value, list):
        return [_members(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _members(v, shape.value) for k, v in value.items()}
    return value


def _rows(b, operation: str, request: dict | None = None) -> list[dict]:
    op = catalog.operation(operation)
    return [row for page in b.pages(op, request or {}) for row in page.get(op.rows_key, ())]


def _name(identifier: str) -> str:
    """A resource's name from its name or ARN (``.../name`` or ``.../name:revision``)."""
    return identifier.rsplit("/", 1)[-1]


class Exporter:
    """One export: reads through `b`, builds the seed, counts what it left out."""

    def __init__(self, b, queues=None, all_revisions: bool = False, progress: bool = True):
        self.b, self.all_revisions, self.progress = b, all_revisions, progress
        self.wanted = None if queues is None else {_name(q) for q in ([queues] if isinstance(queues, str) else queues)}
        self.places = Placeholders(b.client.meta.region_name)
        self.mask = Masked()
        self.left: Counter = Counter()  # what was left out, by what the summary calls it
        self.counts: Counter = Counter()
        self.revisions: dict[str, str] = {}  # a definition's ARN -> how the seed's jobs name it
        self.names: set[str] = set()  # the exported definitions' names
        self._definitions_by_arn: dict[str, dict] = {}  # every revision by ARN
        self.queues: list[dict] = []  # the exported queues, as described
        self.invalid = 0  # exported environments INVALID on the source (VALID where the seed is loaded)

    # -- resources -------------------------------------------------------------------------

    def resources(self) -> dict:
        queues = _rows(self.b, "DescribeJobQueues")
        envs = _rows(self.b, "DescribeComputeEnvironments")
        self.places.see([queues, envs])
        services = [q for q in queues if q.get("serviceEnvironmentOrder")]
        self.left["queues of service environments"] += len(services)
        queues = [q for q in queues if q not in services and (self.wanted is None or q["jobQueueName"] in self.wanted)]
        if self.wanted is not None:
            missing = self.wanted - {q["jobQueueName"] for q in queues}
            if missing:
                raise ValueError(f"no job queue named {', '.join(sorted(missing))}")
            used = {_name(o["computeEnvironment"]) for q in queues for o in q.get("computeEnvironmentOrder") or ()}
            envs = [e for e in envs if e["computeEnvironmentName"] in used]
        env_names = {e["computeEnvironmentArn"]: e["computeEnvironmentName"] for e in envs}
        self.queues = queues
        policies = self._policies(queues)
        seed = {
            "computeEnvironments": [self._request("CreateComputeEnvironment", e) for e in envs],
            "schedulingPolicies": [self._request("CreateSchedulingPolicy", p) for p in policies],
            "jobQueues": [self._queue(q, env_names) for q in queues],
            "jobDefinitions": self._definitions(),
        }
        self.invalid = sum(e.get("status") == "INVALID" for e in envs)
        return {k: v for k, v in seed.items() if v}

    def _request(self, operation: str, described: dict) -> dict:
        return self._clean(request_of(operation, described))

    def _clean(self, request: dict) -> dict:
        """A request as written: placeholders, secrets masked, no tags of AWS's own (``aws:`` is reserved)."""
        if isinstance(request.get("tags"), dict):
            request = {**request, "tags": {k: v for k, v in request["tags"].items() if not k.startswith("aws:")}}
            if not request["tags"]:
                del request["tags"]
        return self.mask(self.places.replace(request))

    def _queue(self, queue: dict, env_names: dict) -> dict:
        request = request_of("CreateJobQueue", queue)
        request["computeEnvironmentOrder"] = [  # by name: an ARN names the source's account
            {**o, "computeEnvironment": env_names.get(o["computeEnvironment"], _name(o["computeEnvironment"]))}
            for o in request.get("computeEnvironmentOrder") or ()]
        if request.get("schedulingPolicyArn"):
            request["schedulingPolicyArn"] = (f"arn:aws:batch:{self.places.region}:{ACCOUNT}:scheduling-policy/"
                                              f"{_name(request['schedulingPolicyArn'])}")
        return self._clean(request)

    def _policies(self, queues: list[dict]) -> list[dict]:
        arns = [p["arn"] for p in _rows(self.b, "ListSchedulingPolicies")]
        if self.wanted is not None:
            used = {q.get("schedulingPolicyArn") for q in queues}
            arns = [a for a in arns if a in used]
        return _rows(self.b, "DescribeSchedulingPolicies", {"arns": arns}) if arns else []

    def _definitions(self) -> list[dict]:
        every = _rows(self.b, "DescribeJobDefinitions")  # every status: the INACTIVE ones are counted
        self.places.see(every)
        self._definitions_by_arn = {d["jobDefinitionArn"]: d for d in every}
        active = [d for d in every if d.get("status") == "ACTIVE"]
        self.left["INACTIVE definitions"] += len(every) - len(active)
        latest: dict[str, dict] = {}
        for d in active:
            if d["revision"] > latest.get(d["jobDefinitionName"], {"revision": 0})["revision"]:
                latest[d["jobDefinitionName"]] = d
        chosen = sorted(active if self.all_revisions else latest.values(),
                        key=lambda d: (d["jobDefinitionName"], d["revision"]))
        self.left["older revisions"] += len(active) - len(chosen)
        self.counts["revisions"] = len(active)
        local: Counter = Counter()  # a fresh backend numbers each name's revisions from 1, in the order sent
        for d in chosen:
            local[d["jobDefinitionName"]] += 1
            self.revisions[d["jobDefinitionArn"]] = f"{d['jobDefinitionName']}:{local[d['jobDefinitionName']]}"
        self.names = set(local)
        return [self._request("RegisterJobDefinition", d) for d in chosen]

    # -- jobs ------------------------------------------------------------------------------

    def jobs(self, since=None, logs: int = 0) -> list[dict]:
        """The jobs of the window, oldest first (a job's dependencies come before it)."""
        after = _cutoff(self.b, since)
        filters = [{"name": "AFTER_CREATED_AT", "values": [str(after)]}]  # every status in one listing
        summaries = self._listed([{"jobQueue": q["jobQueueName"], "filters": filters} for q in self.queues])
        ids = list(dict.fromkeys(s["jobId"] for s in summaries if s.get("createdAt", 0) >= after))
        found = self._describe(ids, "jobs")
        self.places.see(found)
        arrays = [j["jobId"] for j in found if j.get("status") in FINISHED and _array_parent(j)]
        children = self._children(arrays)
        exported = {j["jobId"] for j in found}
        tails = self._log_tails(found, children, logs) if logs else {}
        entries = []
        for job in _ordered(found):
            entry = self._job(job, exported, children.get(job["jobId"]), tails)
            if entry is not None:
                entries.append(entry)
        return entries

    def _describe(self, ids: list[str], what: str) -> list[dict]:
        """DescribeJobs in chunks of 100 on the client's pool, with a progress bar when there are many."""
        from tqdm.auto import tqdm

        op = catalog.operation("DescribeJobs")
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
        with tqdm(total=len(ids), desc=f"exporting {what}", unit="job", leave=False,
                  disable=not self.progress or len(chunks) < 3) as bar:
            def describe(chunk):
                rows = [job for page in self.b.pages(op, {"jobs": chunk}) for job in page.get("jobs", ())]
                bar.update(len(chunk))
                return rows

            return [job for rows in self.b.map(describe, chunks) for job in rows]

    def _listed(self, requests: list[dict]) -> list[dict]:
        """The job summaries of many ListJobs requests (every page), in parallel."""
        op = catalog.operation("ListJobs")
        return [row for pages in self.b.map(lambda r: self.b.pages(op, r), requests)
                for page in pages for row in page.get(op.rows_key, ())]

    def _children(self, parents: list[str]) -> dict[str, list[dict]]:
        """The finished array parents' children, described, by parent id."""
        listed = self._listed([{"arrayJobId": p, "jobStatus": s} for p in parents for s in FINISHED])
        by_parent: dict[str, list[dict]] = {}
        for child in self._describe([c["jobId"] for c in listed], "array children"):
            by_parent.setdefault(child["jobId"].rsplit(":", 1)[0], []).append(child)
        return by_parent

    def _job(self, job: dict, exported: set[str], children, tails: dict) -> dict | None:
        definition = self.revisions.get(job.get("jobDefinition"))
        name = _name(job.get("jobDefinition") or "").rsplit(":", 1)[0]
        if definition is None and name not in self.names:
            self.left["jobs of definitions not exported"] += 1
            return None
        request = request_of("SubmitJob", job)
        request["jobQueue"] = _name(job["jobQueue"])
        request["jobDefinition"] = definition or name
        if request.get("parameters") == self._definition(job).get("parameters"):
            del request["parameters"]  # the definition's, not the job's
        if job.get("schedulingPriority") is not None:  # DescribeJobs' name for SubmitJob's override
            request["schedulingPriorityOverride"] = job["schedulingPriority"]
        overrides = _container_overrides(job.get("container"), self._definition(job).get("containerProperties") or {})
        if overrides:
            request["containerOverrides"] = overrides
        finished = job.get("status") in FINISHED
        if not finished:  # simulated again: a dependency outside the window would not be found
            kept = [d for d in request.get("dependsOn") or () if not d.get("jobId") or d["jobId"] in exported]
            self.left["dependencies on jobs outside the window"] += len(request.get("dependsOn") or ()) - len(kept)
            if request.get("dependsOn"):
                request["dependsOn"] = kept
            self.counts["unfinished"] += 1
            entry = {**request, "jobId": job["jobId"]}
        else:
            entry = {**request, **_state(job, tails)}
            if children:
                entry["children"] = [{"index": c["arrayProperties"]["index"], **_state(c, tails)}
                                     for c in sorted(children, key=lambda c: c["arrayProperties"]["index"])]
        self.counts["jobs"] += 1
        return self._clean(entry)

    def _definition(self, job: dict) -> dict:
        """The revision a job ran (what its overrides are counted against)."""
        return self._definitions_by_arn.get(job.get("jobDefinition"), {})

    def _log_tails(self, found: list[dict], children: dict[str, list[dict]], lines: int) -> dict[str, list[dict]]:
        """The last `lines` log events of each finished job and of the first failed children of each array
        (those `why` reads), by job id: one GetLogEvents each, on the client's pool."""
        from .jobs import logs

        targets = [j for j in found if j.get("status") in FINISHED and j.get("attempts")]
        for kids in children.values():
            targets += [c for c in kids if c.get("status") == "FAILED" and c.get("attempts")][:CHILD_LOGS]

        def tail(job: dict) -> list[dict]:
            events = logs(self.b, job["jobId"], tail=lines, job=job)  # the job's known secrets masked
            return [{"timestamp": int(t.value // 1_000_000), "message": str(m)}
                    for t, m in zip(events["timestamp"], events["message"])]

        return {job["jobId"]: events for job, events in zip(targets, self.b.map(tail, targets)) if events}


def _ordered(jobs: list[dict]) -> list[dict]:
    """Oldest first, each after the jobs it depends on (jobs submitted in the same millisecond tie)."""
    by_id = {j["jobId"]: j for j in jobs}
    done: set[str] = set()
    ordered = []

    def visit(job: dict) -> None:
        stack = [(job, False)]
        while stack:
            item, expanded = stack.pop()
            if item["jobId"] in done:
                continue
            if expanded:
                done.add(item["jobId"])
                ordered.append(item)
                continue
            stack.append((item, True))
            for dependency in reversed(item.get("dependsOn") or ()):
                target = by_id.get(dependency.get("jobId"))
                if target is not None and target["jobId"] not in done:
                    stack.append((target, False))

    for job in sorted(jobs, key=lambda j: (j.get("createdAt") or 0, j["jobId"])):
        visit(job)
    return ordered


def _cutoff(b, since) -> int:
    """Epoch ms of `since`: a duration counts back from the backend's now (a simulated clock is not this
    machine's), a time is taken as it is."""
    if since is None:
        return 0
    if isinstance(since, (str, datetime.timedelta)) and not isinstance(since, bool):
        try:
            return int(b.clock() * 1000 - timedelta(since).total_seconds() * 1000)
        except (ValueError, TypeError):
            pass
    return _since(since).value // 1_000_000


def _array_parent(job: dict) -> bool:
    array = job.get("arrayProperties") or {}
    return "size" in array and "index" not in array


def _state(job: dict, tails: dict) -> dict:
    """A finished job's recorded state, as the local backend's history holds it (and its log tail)."""
    state = {k: job[k] for k in JOB_STATE if job.get(k) is not None}
    if job["jobId"] in tails:
        state["logs"] = tails[job["jobId"]]
    state["attempts"] = [{**{k: v for k, v in a.items() if k != "container"},
                          "container": {k: a["container"][k] for k in ATTEMPT_CONTAINER if k in (a.get("container") or {})}}
                         for a in job.get("attempts") or ()]
    if not state["attempts"]:
        del state["attempts"]
    return state


def _container_overrides(container: dict | None, base: dict) -> dict:
    """What a job's container has beyond its definition's: command, environment, resource requirements."""
    if not container:
        return {}
    overrides = {}
    if container.get("command") and container["command"] != base.get("command"):
        overrides["command"] = container["command"]
    known = {(e.get("name"), e.get("value")) for e in base.get("environment") or ()}
    env = [e for e in container.get("environment") or () if (e.get("name"), e.get("value")) not in known]
    if env:
        overrides["environment"] = env
    requirements = {(r.get("type"), r.get("value")) for r in base.get("resourceRequirements") or ()}
    extra = [r for r in container.get("resourceRequirements") or () if (r.get("type"), r.get("value")) not in requirements]
    if extra:
        overrides["resourceRequirements"] = extra
    return overrides


def export(b, path=None, jobs: bool = False, since=None, queues=None, all_revisions: bool = False,
           logs: int = 0, progress: bool = True, source: str | None = None) -> Seed:
    """The account behind `b` as a seed (see the module's doc); written to `path` (YAML, or JSON for
    ``.json``) when given.  ``seed.summary`` says what was exported and what was left out."""
    if (since is not None or logs) and not jobs:
        raise ValueError("since and logs need jobs=True")
    exporter = Exporter(b, queues, all_revisions, progress)
    seed = Seed(exporter.resources())
    if jobs:
        seed["jobs"] = exporter.jobs(since, logs)
    seed.summary = _summary(seed, exporter, jobs)
    seed.header = _header(source or b.label or "AWS", b.client.meta.region_name, since if jobs else None, seed.summary)
    if path is not None:
        seed.path = write(seed, Path(path))
    return seed


def targets(path) -> list[Path]:
    """The files an export to `path` may write (the seed, and the JSON-lines table of a large YAML seed's jobs)."""
    path = Path(path)
    return [path] if path.suffix.lower() == ".json" else [path, path.with_name(f"{path.stem}.jobs.jsonl")]


def write(seed: Seed, path: Path) -> Path:
    """The seed as a file: JSON for ``.json``, else YAML with a header comment; more than INLINE_JOBS jobs
    (or more than a YAML seed may hold) go to a JSON-lines table beside it (``<name>.jobs.jsonl``, which the
    seed's ``jobs:`` names).  Too large a seed is refused before anything is written."""
    jobs = seed.get("jobs")
    if path.suffix.lower() == ".json":
        text = json.dumps(dict(seed), indent=1)  # JSON has no comments: no header
        _within(text, MAX_JSON, "JSON", "export to a .yaml file (its jobs go to a JSON-lines table beside it)")
    else:
        text = seed.header + _yaml({k: v for k, v in seed.items() if k != "jobs"})
        _within(text, MAX_YAML, "YAML", "export to a .json file")
        inline = _jobs_yaml(jobs) if jobs is not None and len(jobs) <= INLINE_JOBS else None
        if inline is not None and len((text + inline).encode()) <= MAX_YAML:
            text += inline
        elif jobs is not None:
            table = path.with_name(f"{path.stem}.jobs.jsonl")
            table.write_text("".join(json.dumps(job) + "\n" for job in jobs))  # ASCII: any text survives
            text += _yaml({"jobs": table.name})
    path.write_text(text)
    return path


def _within(text: str, limit: int, kind: str, instead: str) -> None:
    size = len(text.encode())
    if size > limit:
        raise ValueError(f"the seed is {size / (1 << 20):.1f} MiB, more than a {kind} seed may be "
                         f"({limit >> 20} MiB): {instead}")


def _yaml(value) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(value, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120) if value else ""


# YAML's flow style is a superset of JSON but for these: characters YAML may not hold or reads as line breaks
# (escaped as JSON escapes them), and exponents without a dot, which YAML 1.1 reads as strings
_NOT_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_EXPONENT = re.compile(r"[\[:,]\s*-?\d+[eE][-+]?\d")


def _jobs_yaml(jobs: list[dict]) -> str:
    """The jobs section, a job per line as a flow mapping: PyYAML's representer, in Python, took ~1 ms a job
    (6 s for 5,000), json.dumps takes ~20 us; a job whose JSON YAML would read otherwise is dumped as YAML."""
    lines = ["jobs:\n"]
    for job in jobs:
        try:
            line = json.dumps(job, ensure_ascii=False, allow_nan=False)
        except ValueError:
            line = None
        if line is None or _EXPONENT.search(line):
            lines.append(_yaml([job]))
        else:
            lines.append("- " + _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", line) + "\n")
    return "".join(lines)


def _count(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def _summary(seed: dict, exporter: Exporter, jobs: bool) -> str:
    definitions = len(seed.get("jobDefinitions", ()))
    revisions = exporter.counts["revisions"]
    parts = [_count(len(seed.get("computeEnvironments", ())), "compute environment"),
             _count(len(seed.get("jobQueues", ())), "job queue"),
             _count(definitions, "job definition")
             + (f" (latest of {revisions:,} revisions)" if revisions > definitions else ""),
             _count(len(seed.get("schedulingPolicies", ())), "scheduling policy", "scheduling policies")]
    if jobs:
        unfinished = exporter.counts["unfinished"]
        parts.append(_count(exporter.counts["jobs"], "job")
                     + (f" ({unfinished:,} unfinished, simulated again)" if unfinished else ""))
    left = [_count(n, what.replace("queues", "queue").replace("definitions", "definition")
                   .replace("revisions", "revision").replace("jobs", "job").replace("dependencies", "dependency"), what)
            for what, n in exporter.left.items() if n]
    if exporter.mask.count:
        left.append(_count(exporter.mask.count, "secret value") + " masked")
    notes = [_count(exporter.places.count, "account-bound id") + " as placeholders"] if exporter.places.count else []
    if exporter.invalid:
        notes.append(f"{_count(exporter.invalid, 'INVALID environment')} valid here")
    return ", ".join(parts) + ("; left out: " + ", ".join(left) if left else "") + ("; " + ", ".join(notes) if notes else "")


def _header(source: str, region: str, since, summary: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"batchkit seed export of {source} ({region}) at {now}" + (f", jobs since {since}" if since else ""),
             summary,
             "Account ids, roles, subnets, security groups and launch templates are placeholders; secrets are ****.",
             "Load it with batchkit.local(seed=FILE) or @pytest.mark.batch_seed(FILE)."]
    return "".join(f"# {line}\n" for line in lines)
