"""Why a job is where it is, and what holds up a queue, from the Batch API alone (issue #14):
`Batch.why(job_id)`, `Batch.why_queue(queue)`.

Findings are rows of (check, verdict, detail, fix); ``attrs["summary"]`` is the one-line answer.
Every call goes through `Batch` (so it works on AWS, an endpoint or the local backend alike) and is
cached for the one `why` (a `why_queue` shares its cache with the `why` of the queue's head): a job,
its queue, the queue's environments, its dependencies and the queue's snapshot; listings are of one
queue or one array's failed children, a page at most each; never a listing of the account.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from functools import cached_property

from .. import catalog
from ..errors import BatchError

COLUMNS = ("check", "verdict", "detail", "fix")
ORDER = {"blocking": 0, "warning": 1, "ok": 2, "info": 3}
MAX_CHAIN = 20  # dependencies walked to find the job that failed first
LOG_LINES = 5  # the last log lines of a failed attempt shown in its finding
STARTING_LONG = 120  # seconds: a job STARTING longer than this is likely pulling a large or unreachable image
LAUNCH_LONG = 600  # seconds: new instances take a few minutes; a RUNNABLE job waiting longer for them is a warning
AHEAD = 100  # jobs ahead of a fair-share job at the front of its queue described (one DescribeJobs): their shares
HOLDERS = 5  # running jobs named as holding a full environment
LISTED = 100  # one page: jobs of a status listed per queue (holders, counts), an array's failed children sampled
GROUPS = 5  # kinds of failure of an array's children shown
INDEXES = 8  # array indexes named per kind
GENERIC = ("Essential container in task exited",)  # a statusReason that says nothing about a failure

# The codes AWS Batch puts in a blocked RUNNABLE job's statusReason (user guide, "Jobs stuck in RUNNABLE").
BLOCKED = {
    "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT": "no instance type of the queue's environments meets what the job asks",
    "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE": "the job asks more vCPUs than the environments' maxvCpus",
    "MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS": "Batch's service role lacks permissions",
    "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY": "EC2 has no capacity for the instance type now",
    "ACTION_REQUIRED": "the queue's compute environments are INVALID",
    "UNDETERMINED": "Batch cannot tell why the job does not run",
}
# Exit codes by what they usually mean in a container.
EXITS = {
    1: ("the program failed (a generic error)", "read the last log lines: `b.logs(job_id, tail=50)`"),
    2: ("the program was misused (bad arguments or a shell builtin's misuse)", "check the command and its parameters"),
    126: ("the command is not executable", "check the image's entrypoint/command and its permissions"),
    127: ("the command was not found in the image", "check the command's spelling and that the image has it"),
    137: ("killed with SIGKILL (out of memory, or stopped)", "if it used too much memory, raise the job's memory"),
    139: ("segmentation fault (SIGSEGV) in the program", "a native crash: check the program and its libraries"),
    143: ("stopped with SIGTERM (terminated, or the host went away)", "see the attempt's statusReason"),
}
GPU_FAMILIES = re.compile(r"^(p\d|g\d|g\d\w*|inf\d|trn\d|dl\d)")
# Memory per vCPU (GiB) by family letter, for sizing named instance types without EC2 calls.
GIB_PER_VCPU = {"c": 2, "m": 4, "r": 8, "t": 4, "x": 16, "z": 8, "i": 8, "d": 8, "g": 4, "p": 8}


def why(b, job_id: str):
    """A DataFrame of findings about one job (see the module's docstring)."""
    if not isinstance(job_id, str) or not job_id.strip():
        raise ValueError(f"why takes one job id; got {job_id!r}")
    return Why(b, job_id.strip()).frame()


def why_queue(b, queue: str):
    """A DataFrame of findings about one job queue: is it flowing, what blocks its head."""
    if not isinstance(queue, str) or not queue.strip():
        raise ValueError(f"why_queue takes one job queue name or ARN; got {queue!r}")
    return WhyQueue(b, queue.strip()).frame()


class Cache:
    """The answers of one `why` (or of a `why_queue` and the `why` of its head)."""

    def __init__(self):
        self.jobs: dict[str, dict] = {}
        self.pages: dict[tuple, list[dict]] = {}


class Why:
    def __init__(self, b, job_id: str, cache: Cache | None = None):
        self.b, self.job_id = b, job_id
        self.cache = cache or Cache()
        self.findings: list[tuple[str, str, str, str]] = []
        self.headline = ""  # the answer when nothing blocks or warns (capacity launching, a fair-share wait)
        self.launching = False  # its environments launch instances (desiredvCpus above what runs there)

    # --- API, cached for this one `why` ---------------------------------------------------

    def _pages(self, operation: str, **request) -> list[dict]:
        key = (operation, repr(sorted(request.items())))
        if key not in self.cache.pages:
            self.cache.pages[key] = self.b.pages(catalog.operation(operation), request)
        return self.cache.pages[key]

    def _call(self, operation: str, key: str, **request) -> list[dict]:
        return [row for page in self._pages(operation, **request) for row in page.get(key, ())]

    def listed(self, status: str, limit: int = LISTED, **where) -> tuple[list[dict], bool]:
        """The first `limit` job summaries of a status (one page); whether there are more."""
        pages = self._pages("ListJobs", jobStatus=status, **where,
                            PaginationConfig={"MaxItems": limit, "PageSize": limit})
        rows = [row for page in pages for row in page.get("jobSummaryList", ())]
        return rows[:limit], bool(pages and (pages[-1].get("NextToken") or pages[-1].get("nextToken")))

    def jobs(self, ids) -> list[dict]:
        known = self.cache.jobs
        missing = [i for i in dict.fromkeys(ids) if i not in known]
        if missing:
            for job in self._call("DescribeJobs", "jobs", jobs=missing):
                known[job["jobId"]] = job
        return [known[i] for i in ids if i in known]

    @cached_property
    def job(self) -> dict:
        found = self.jobs([self.job_id])
        if not found:
            raise BatchError("DescribeJobs", "JobNotFound", f"no job with id {self.job_id!r}")
        return found[0]

    @property
    def queue_id(self) -> str:
        return self.job["jobQueue"]

    @cached_property
    def queue(self) -> dict | None:
        found = self._call("DescribeJobQueues", "jobQueues", jobQueues=[self.queue_id])
        return found[0] if found else None

    @cached_property
    def environments(self) -> list[dict]:
        order = sorted((self.queue or {}).get("computeEnvironmentOrder") or (), key=lambda o: o.get("order", 0))
        arns = [o["computeEnvironment"] for o in order]
        found = {}
        for env in self._call("DescribeComputeEnvironments", "computeEnvironments", computeEnvironments=arns):
            found[env["computeEnvironmentArn"]] = found[env["computeEnvironmentName"]] = env  # the order may name either
        return [found[a] for a in arns if a in found]

    @cached_property
    def snapshot(self) -> dict:
        return self.queue_snapshot(self.queue_id)

    @cached_property
    def policy(self) -> dict | None:
        """The queue's scheduling policy (DescribeSchedulingPolicies), None for a FIFO queue; {"arn": ...} when
        the endpoint does not describe it (its weights are then unknown)."""
        arn = (self.queue or {}).get("schedulingPolicyArn")
        if not arn:
            return None
        try:
            found = self._call("DescribeSchedulingPolicies", "schedulingPolicies", arns=[arn])
        except BatchError:
            return {"arn": arn}
        return found[0] if found else {"arn": arn}

    def queue_snapshot(self, queue: str) -> dict:
        try:
            pages = self._pages("GetJobQueueSnapshot", jobQueue=queue)
        except BatchError:  # an older endpoint without the action: the place in the queue is left out
            return {}
        return pages[0] if pages else {}

    def front(self) -> list[str]:
        """The ARNs of the RUNNABLE jobs at the front of the queue, next first (at most 100)."""
        return [j.get("jobArn") for j in (self.snapshot.get("frontOfQueue") or {}).get("jobs") or ()]

    def now(self) -> float:
        """The endpoint's time in ms (a simulated backend's clock is not ours): the snapshot's, else ours."""
        snap = self.snapshot
        return ((snap.get("frontOfQueue") or {}).get("lastUpdatedAt")
                or (snap.get("queueUtilization") or {}).get("lastUpdatedAt") or time.time() * 1000)

    def sharing(self, envs: list[dict]) -> list[dict]:
        """The queues (this one among them) placing jobs on any of `envs`: one DescribeJobQueues of all queues."""
        keys = {k for e in envs for k in (e["computeEnvironmentArn"], e["computeEnvironmentName"])}
        return [q for q in self._call("DescribeJobQueues", "jobQueues")
                if any(o.get("computeEnvironment") in keys for o in q.get("computeEnvironmentOrder") or ())]

    # --- findings ------------------------------------------------------------------------

    def add(self, check: str, verdict: str, detail: str, fix: str = "") -> None:
        self.findings.append((check, verdict, detail, fix))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The findings, blocking first, then warnings, then the headline (stable: checks keep their order
        within a verdict)."""
        def rank(finding) -> float:
            headline = finding[2] == self.headline and finding[1] not in ("blocking", "warning")
            return 1.5 if headline else ORDER[finding[1]]

        return sorted(self.findings, key=rank)

    def explain(self) -> str:
        """Work out the findings; the one-line summary."""
        status = self.job.get("status")
        {"SUBMITTED": self.waiting, "PENDING": self.waiting, "RUNNABLE": self.runnable, "STARTING": self.starting,
         "FAILED": self.failed}.get(status, self.going)()
        if not self.findings:
            self.add("status", "info", f"{status}: {self.job.get('statusReason') or 'nothing more to tell'}")
        first = self.rows()[0]
        return f"{status}: {first[2] if first[1] in ('blocking', 'warning') else self.headline or self.findings[0][2]}"

    def frame(self):
        summary = self.explain()
        return _frame(self.rows(), summary, self.b, **self.about())

    def about(self) -> dict:
        return {"job": self.job_id}

    # SUBMITTED / PENDING
    def waiting(self) -> None:
        deps = [d["jobId"] for d in self.job.get("dependsOn") or () if d.get("jobId")]
        if deps:
            found = self.jobs(deps)
            failed = [j for j in found if j.get("status") == "FAILED"]
            open_ = [j for j in found if j.get("status") not in ("SUCCEEDED", "FAILED")]
            if failed:
                self.add("dependencies", "blocking", f"dependency {_names(failed)} FAILED: this job will fail "
                         "with 'Dependent Job failed'", f"see why {failed[0]['jobId']} failed, fix it and submit again")
            if open_:
                self.add("dependencies", "info", f"waits for {len(open_)} of {len(deps)} dependencies: "
                         + ", ".join(f"{j.get('jobName')} ({j.get('status')})" for j in open_))
            elif not failed:
                self.add("dependencies", "ok", f"all {len(deps)} dependencies SUCCEEDED")
        elif self.job.get("status") == "SUBMITTED" and not (self.job.get("arrayProperties") or {}).get("size"):
            self.add("status", "info", "SUBMITTED, without dependencies: Batch moves it to RUNNABLE within seconds; "
                     "ask again then")
        self.array_progress()

    def array_progress(self, failures: bool = True) -> None:
        array = self.job.get("arrayProperties") or {}
        if array.get("size"):
            counts = {s: n for s, n in (array.get("statusSummary") or {}).items() if n}
            text = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none started"
            self.add("array", "info", f"array of {array['size']}: {text}")
            if failures:  # partly failed while the other children go on
                self.array_failures("warning")

    def array_failures(self, verdict: str) -> bool:
        """An array parent's failed children grouped by exit code and reason (from its first failed children:
        one ListJobs page and one DescribeJobs); whether it had any."""
        array = self.job.get("arrayProperties") or {}
        size, failed = array.get("size"), (array.get("statusSummary") or {}).get("FAILED") or 0
        if not size or not failed:
            return False
        listed, more = self.listed("FAILED", arrayJobId=self.job["jobId"])
        children = self.jobs([s["jobId"] for s in listed])
        if not children:
            return False
        groups: dict[tuple, list[dict]] = {}
        for child in sorted(children, key=lambda c: (c.get("arrayProperties") or {}).get("index", 0)):
            groups.setdefault(child_failure(child), []).append(child)
        ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: the first index's kind first
        kinds = []
        for (code, reason), members in ranked[:GROUPS]:
            indexes = [str((c.get("arrayProperties") or {}).get("index", "?")) for c in members]
            shown = ", ".join(indexes[:INDEXES]) + (", …" if len(indexes) > INDEXES else "")
            said = f' "{_clip(reason, 80)}"' if reason else ""
            kinds.append(f"{'exit ' + str(code) if code is not None else 'no exit code'}{said} ({len(members)}: "
                         f"index{'es' if len(members) > 1 else ''} {shown})")
        if len(ranked) > GROUPS:
            kinds.append(f"{len(ranked) - GROUPS} more kinds")
        sampled = (f" (grouped from the first {len(children)} failed children)"
                   if more or failed > len(children) else "")
        sample = ranked[0][1][0]
        attempts = sample.get("attempts") or ()
        explained = ""
        fix = f"see b.why({sample['jobId']!r})"
        if attempts:
            _, _, meaning, fix = decode_attempt(attempts[-1], sample)
            explained = f"; the most common, e.g. {sample['jobId']}: {meaning}"
            if (attempts[-1].get("container") or {}).get("exitCode") not in (None, 0):
                explained += self.log_tail(sample, len(attempts) - 1)
            fix = f"{fix} (then submit the array again; b.why({sample['jobId']!r}) explains that child)"
        self.add("array failures", verdict, f"{failed} of {size} children failed: {'; '.join(kinds)}{sampled}"
                 f"{explained}", fix)
        return True

    # RUNNABLE
    def runnable(self) -> None:
        q = self.queue
        if q is None:
            self.add("queue", "blocking", f"queue {self.job['jobQueue']} no longer exists", "submit to another queue")
            return
        name = q["jobQueueName"]
        self.queue_state(q)
        self.check_environments(name)
        self.decode_reason()
        if not self.blocked():
            self.behind_blocked_head(name)
        if not self.blocked():  # nothing wrong with it: is there room?
            self.capacity_in_use()
        self.time_limit()
        if self.policy is not None and not any(f[1] == "blocking" and f[0] != "capacity" for f in self.findings):
            self.fair_share(name)  # the order the waiting jobs get room in (its place in the queue with it)
        else:
            self.place_in_queue(name)

    def blocked(self) -> bool:
        return any(f[1] == "blocking" for f in self.findings)

    def queue_state(self, q: dict) -> None:
        name = q["jobQueueName"]
        if q.get("state") == "DISABLED":
            self.add("queue", "blocking", f"queue {name} is DISABLED: it starts no jobs",
                     f"enable it: b.update_job_queue(jobQueue={name!r}, state='ENABLED')")
        elif q.get("status") == "INVALID":
            self.add("queue", "blocking", f"queue {name} is INVALID: {q.get('statusReason')}", "fix what it names")
        else:
            self.add("queue", "ok", f"queue {name} is ENABLED and VALID (priority {q.get('priority')})")

    def behind_blocked_head(self, queue: str) -> None:
        """A job behind a blocked head waits for it (first in, first out), whatever room there is."""
        front, arn = self.front(), self.job.get("jobArn")
        if not front or front[0] == arn:
            return
        head = self.jobs([front[0].rsplit("/", 1)[-1]])  # job/<id> (an array child: job/<id>:<index>)
        if not head or head[0].get("status") != "RUNNABLE":
            return
        head, reason = head[0], head[0].get("statusReason") or ""
        code = blocked_code(reason)
        if code is None:
            return
        if self.policy is not None and head.get("shareIdentifier") != self.job.get("shareIdentifier"):
            return  # on a fair-share queue a blocked job holds up its own share only
        place = f"{_ordinal(front.index(arn) + 1)} in line" if arn in front else f"behind the first {len(front)}"
        self.add("queue head", "blocking", f"the head of queue {queue}, {head.get('jobName')} ({head['jobId']}), "
                 f"is blocked: {code} ({BLOCKED[code]}); the jobs behind it wait, this one {place}",
                 f"see b.why({head['jobId']!r}) and fix what blocks it, or cancel it: "
                 f"b.cancel([{head['jobId']!r}], reason='blocks the queue')")

    def check_environments(self, queue: str) -> None:
        envs = self.environments
        unusable = [e for e in envs if e.get("state") == "DISABLED" or e.get("status") == "INVALID"]
        if not envs:
            self.add("environments", "blocking", f"queue {queue} has no compute environment",
                     "attach one in its computeEnvironmentOrder")
            return
        described = "; ".join(f"{e['computeEnvironmentName']} {e.get('state')}/{e.get('status')}"
                              + (f" ({e['statusReason']})" if e.get("statusReason") and e.get("status") == "INVALID"
                                 else "") for e in unusable)
        if len(unusable) == len(envs):
            self.add("environments", "blocking", f"every environment of queue {queue} is DISABLED or INVALID: "
                     f"{described}", environment_fix(unusable))
        elif unusable:
            self.add("environments", "warning", f"some environments cannot run jobs: {described}",
                     environment_fix(unusable))
        else:
            self.add("environments", "ok", "; ".join(describe_env(e) for e in envs) + ": ENABLED and VALID")

    def decode_reason(self) -> None:
        reason = self.job.get("statusReason") or ""
        code = blocked_code(reason)
        if code is None:
            return
        needs = requirements(self.job)
        usable = [e for e in self.environments if e.get("state") == "ENABLED"]
        envs = "; ".join(describe_env(e) for e in usable) or "none ENABLED"
        asked = f"the job asks {format_needs(needs)}"
        if self.job.get("nodeProperties") and code.startswith("MISCONFIGURATION"):
            self.add("multi-node", "blocking", *multinode_misfit(self.job["nodeProperties"], usable, code))
        elif code == "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT":
            short = shortfall(needs, usable)
            self.add("resources", "blocking", f"{BLOCKED[code]}: {asked}{short}; environments: {envs}",
                     "ask less (vCPUs/memory/GPUs), or add instance types that fit to an environment of the queue, "
                     "or submit to a queue whose environments have them")
        elif code == "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE":
            largest = max((e.get("computeResources", {}).get("maxvCpus") or 0 for e in usable), default=0)
            self.add("resources", "blocking", f"{BLOCKED[code]}: {asked}, the largest maxvCpus is {largest}; "
                     f"environments: {envs}", f"raise maxvCpus to at least {needs['vcpus']:g} or ask fewer vCPUs")
        elif code == "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY":
            kind = reason.rsplit(" ", 1)[-1]
            self.add("capacity", "blocking", f"{BLOCKED[code]} ({kind}); it runs once EC2 has some; "
                     f"environments: {envs}", "allow more instance types or families, more subnets (Availability "
                     "Zones), or a Spot/On-Demand environment as a fallback in the queue's order")
        elif code == "ACTION_REQUIRED":
            invalid = [e for e in self.environments if e.get("status") == "INVALID"]
            if not any(f[0] == "environments" and f[1] == "blocking" for f in self.findings):  # said already
                bad = "; ".join(f"{e['computeEnvironmentName']}: {e.get('statusReason') or e.get('status')}"
                                for e in invalid)
                self.add("statusReason", "blocking", f"{code}: {BLOCKED[code]}: {bad or envs}",
                         environment_fix(invalid) if invalid else "fix what the environments' statusReason names "
                         "(roles, subnets, launch template)")
        else:
            self.add("statusReason", "blocking" if code.startswith("MISCONFIGURATION") else "warning",
                     f"{BLOCKED[code]}: {reason}", "see the user guide's 'Jobs stuck in a RUNNABLE status'")

    def capacity_in_use(self) -> None:
        """maxvCpus reached: by which running jobs (of the queues sharing the environments), and which
        higher-priority queues sharing them have a backlog."""
        envs = self.usable_environments()
        limit = sum((e.get("computeResources") or {}).get("maxvCpus") or 0 for e in envs)
        if not limit:
            return
        queues = self.sharing(envs)
        names = {q["jobQueueArn"]: q["jobQueueName"] for q in queues}
        ids, more = [], False
        for q in queues:
            for status in ("RUNNING", "STARTING"):
                listed, truncated = self.listed(status, jobQueue=q["jobQueueArn"])
                ids += [s["jobId"] for s in listed]
                more = more or truncated
        holders = sorted(self.jobs(ids), key=lambda j: -requirements(j)["vcpus"])
        used, asked = sum(requirements(j)["vcpus"] for j in holders), requirements(self.job)["vcpus"]
        where = ", ".join(e["computeEnvironmentName"] for e in envs)
        at_least = "at least " if more else ""  # a page of each status per queue was listed
        if used + asked <= limit:
            self.add("capacity", "info", f"{at_least}{used:g} of {limit:g} vCPUs (maxvCpus of {where}) in use by "
                     f"{at_least}{len(holders)} jobs: room for its {asked:g}")
            self.scaling(envs, used)
            return
        shared: dict[tuple, list[dict]] = {}  # jobs of fair-share queues, by (share, queue): too many to name
        for j in holders:
            if j.get("shareIdentifier"):
                shared.setdefault((j["shareIdentifier"], names.get(j.get("jobQueue"), j.get("jobQueue"))), []).append(j)
        alone = [j for j in holders if not j.get("shareIdentifier")]
        held = ", ".join([f"share {share} ({at_least}{len(jobs)} job{'s' if len(jobs) != 1 else ''}, "
                          f"{sum(requirements(j)['vcpus'] for j in jobs):g} vCPUs, on {queue})"
                          for (share, queue), jobs in sorted(shared.items(), key=lambda kv: -len(kv[1]))]
                         + [f"{j.get('jobName')} ({j['jobId']}, {requirements(j)['vcpus']:g} vCPUs, {j.get('status')} "
                            f"on {names.get(j.get('jobQueue'), j.get('jobQueue'))})" for j in alone[:HOLDERS]])
        others = f" and {at_least}{len(alone) - HOLDERS} more" if len(alone) > HOLDERS else ""
        self.add("capacity", "blocking", f"environments full: {at_least}{used:g} of {limit:g} vCPUs (maxvCpus of "
                 f"{where}) in use, the job asks {asked:g}; held by {held or 'no job the queues list'}{others}",
                 f"wait for them to finish, or raise maxvCpus: b.update_compute_environment(computeEnvironment="
                 f"{envs[0]['computeEnvironmentName']!r}, computeResources={{'maxvCpus': {used + asked:g}}})")
        self.queues_ahead(envs, queues)

    def scaling(self, envs: list[dict], used: float) -> None:
        """Room, but the job waits: its MANAGED EC2/Spot environments are launching instances (desiredvCpus above
        what their RUNNING/STARTING jobs use), or have yet to scale up for it."""
        managed = [e for e in envs if e.get("type") == "MANAGED"
                   and (e.get("computeResources") or {}).get("type") in ("EC2", "SPOT")]
        if not managed:
            return
        desired = sum((e.get("computeResources") or {}).get("desiredvCpus") or 0 for e in managed)
        room = sum((e.get("computeResources") or {}).get("maxvCpus") or 0 for e in managed)
        names = ", ".join(e["computeEnvironmentName"] for e in managed)
        one = len(managed) == 1
        waited, since = self.waited()
        asks = f"the job asks {format_needs(requirements(self.job))}; {since} {_seconds(waited)} ago"
        self.launching = desired > used
        if self.launching:
            said = (f"{names} {'is' if one else 'are'} launching instances: desiredvCpus {desired:g}, above the "
                    f"{used:g} vCPUs of the jobs running there; {asks}; new instances usually take a few minutes")
        elif desired < room:
            said = (f"{names} {'has' if one else 'have'} no instance for it yet (desiredvCpus {desired:g}, all in "
                    f"use): Batch raises desiredvCpus for RUNNABLE jobs and launches instances; {asks}; new "
                    "instances usually take a few minutes")
        else:
            return
        long = waited > LAUNCH_LONG * 1000
        if long:
            said += f"; it has waited longer than launches take ({_seconds(LAUNCH_LONG * 1000)})"
        self.add("scaling", "warning" if long else "info", said,
                 f"wait; if it lasts over ~{LAUNCH_LONG // 60} minutes check {names}'s instance types (one must fit "
                 "what the job asks), subnets (a route to ECS and ECR) and EC2 quotas (vCPUs per instance family, "
                 "Spot), and its Auto Scaling group's activity")
        self.headline = self.headline or said

    def waited(self) -> tuple[float, str]:
        """How long (ms) the job has been able to run as far as the API tells, and since what: its dependencies
        finishing, else its creation (the API does not say when it became RUNNABLE)."""
        since, what = self.job.get("createdAt") or self.now(), "created"
        deps = [d["jobId"] for d in self.job.get("dependsOn") or () if d.get("jobId")]
        if deps:
            finished = max((j.get("stoppedAt") or 0 for j in self.jobs(deps)), default=0)
            if finished > since:
                since, what = finished, "its dependencies finished"
        return max(self.now() - since, 0), what

    def fair_share(self, queue: str) -> None:
        """A fair-share queue: the job's share and its weight, what the shares use now, and its place in line."""
        policy = self.policy or {}
        fair = policy.get("fairsharePolicy")
        share = self.job.get("shareIdentifier")
        name = policy.get("name") or str(policy.get("arn", "?")).rsplit("/", 1)[-1]
        distribution = (fair or {}).get("shareDistribution") or ()
        weight, entry = share_weight(share or "", distribution)
        if fair is None:
            weighs = f"weightFactor unknown (policy {name} is not described by this endpoint)"
        elif entry == share:
            weighs = f"weightFactor {weight:g}"
        elif entry:
            weighs = f"weightFactor {weight:g} from {entry}"
        else:
            weighs = f"weightFactor {weight:g}, the default: no entry of policy {name} matches"
        priority = self.job.get("schedulingPriority")
        said = f"share {share} ({weighs}; schedulingPriority {priority if priority is not None else 0})"
        utilization = (self.snapshot.get("queueUtilization") or {}).get("fairshareUtilization") or {}
        usage = {u.get("shareIdentifier"): share_vcpus(u) for u in utilization.get("topCapacityUtilization") or ()}
        if utilization or usage:
            holders = sorted(((s, v) for s, v in usage.items() if v and s != share), key=lambda sv: -sv[1])
            others = ", ".join(f"{s} {v:g} vCPUs (weightFactor {share_weight(s, distribution)[0]:g})"
                               for s, v in holders)
            active = utilization.get("activeShareCount")
            said += (f" uses {usage.get(share, 0):g} vCPUs of queue {queue} now; other shares: {others or 'none'}"
                     + (f"; {_count(active, 'active share')}" if active is not None else ""))
        said += ". The share with the lowest use × weightFactor goes next"
        front, arn = self.front(), self.job.get("jobArn")
        if arn in front:
            place = front.index(arn)
            said += f": this job is {_ordinal(place + 1)} of {len(front)} at the front of {queue}"
            ahead = self.jobs([a.rsplit("/", 1)[-1] for a in front[:min(place, AHEAD)]])
            if ahead:
                counts: dict[str, int] = {}
                for job in ahead:
                    counts[job.get("shareIdentifier") or "?"] = counts.get(job.get("shareIdentifier") or "?", 0) + 1
                said += ", after " + ", ".join(f"{n} of {s}" for s, n in sorted(counts.items(), key=lambda sn: -sn[1]))
        elif self.snapshot:
            said += f": this job is not among the {len(front)} at the front of {queue}"
        self.add("fair share", "info", said,
                 f"a lower weightFactor gives a share more (the shareDistribution of policy {name}: "
                 "b.update_scheduling_policy(arn=..., fairsharePolicy=...)); schedulingPriorityOverride on SubmitJob "
                 "orders jobs within the share")
        self.headline = self.headline or said

    def usable_environments(self) -> list[dict]:
        return [e for e in self.environments if e.get("state") == "ENABLED" and e.get("status") != "INVALID"]

    def queues_ahead(self, envs: list[dict], queues: list[dict], verdict: str = "warning") -> None:
        """Higher-priority queues sharing `envs` with RUNNABLE jobs: the scheduler places theirs first."""
        mine, name = (self.queue or {}).get("priority", 0), (self.queue or {}).get("jobQueueName")
        where = ", ".join(e["computeEnvironmentName"] for e in envs)
        for q in queues:
            if q.get("priority", 0) > mine and q.get("state") == "ENABLED":
                front = (self.queue_snapshot(q["jobQueueArn"]).get("frontOfQueue") or {}).get("jobs") or ()
                if front:
                    count = f"{len(front)}+" if len(front) >= 100 else str(len(front))
                    self.add("priority", verdict, f"queue {q['jobQueueName']} (priority {q.get('priority')} > "
                             f"{mine}) shares {where} and has {count} RUNNABLE jobs: they are placed first",
                             f"raise queue {name}'s priority above {q.get('priority')}, "
                             "or give it an environment of its own")

    def time_limit(self) -> None:
        reason = self.job.get("statusReason") or ""
        for action in (self.queue or {}).get("jobStateTimeLimitActions") or ():
            if action.get("state") != "RUNNABLE" or not reason.startswith(action.get("reason", "\0")):
                continue
            seconds = action.get("maxTimeSeconds", 0)
            # Batch counts from when the reason arose, which the API does not give: creation is the earliest
            at = _when((self.job.get("createdAt") or 0) + seconds * 1000)
            self.add("time limit", "warning", f"queue {self.queue['jobQueueName']} will {action.get('action')} it "
                     f"after {seconds} s RUNNABLE with {action.get('reason')} (at the earliest {at})",
                     "fix the cause before then, or it is cancelled")

    def place_in_queue(self, queue: str) -> None:
        front = [j.get("jobArn") for j in (self.snapshot.get("frontOfQueue") or {}).get("jobs") or ()]
        if not self.snapshot:
            return
        arn = self.job.get("jobArn")
        if arn not in front and len(front) < LISTED and self.launching:
            self.add("place in queue", "info", f"no longer among the jobs waiting at the front of queue {queue} "
                     f"({len(front)} listed): Batch has given it room on the capacity launching")
            return
        if arn in front:
            place = front.index(arn) + 1
            head = " (at the head: a blocked head holds up the jobs behind it)" if place == 1 and any(
                f[1] == "blocking" for f in self.findings) else ""
            self.add("place in queue", "info", f"{_ordinal(place)} of {len(front)} at the front of queue {queue}{head}")
        else:
            self.add("place in queue", "info", f"not among the first {len(front)} jobs of queue {queue}")

    # FAILED
    def failed(self) -> None:
        reason = self.job.get("statusReason") or ""
        if reason.startswith("Dependent Job failed"):
            root = self.root_failure(self.job)
            if root is None:
                self.add("dependencies", "blocking", "a dependency failed (no longer described by the API)",
                         "submit again once its dependencies succeed")
                return
            self.add("dependencies", "blocking", f"dependency {root.get('jobName')} ({root['jobId']}) failed first; "
                     f"it failed because: {self.explain_attempts(root, add=False) or root.get('statusReason')}",
                     f"fix {root.get('jobName')}, then submit the chain again")
            return
        if reason.startswith("Canceled by JobStateTimeLimit action"):
            code = reason.rsplit(": ", 1)[-1]
            self.add("time limit", "blocking", f"cancelled by the queue's jobStateTimeLimitActions after being "
                     f"RUNNABLE with {code}: {BLOCKED.get(code.split(' ')[0], code)}",
                     "fix the cause of the block (see why of a job stuck like it) and submit again")
            return
        if self.array_failures("blocking"):
            self.array_progress(failures=False)
            return
        if not self.explain_attempts(self.job):
            self.add("status", "blocking", f"FAILED: {reason or 'no reason given'}")
        self.array_progress(failures=False)

    def root_failure(self, job: dict) -> dict | None:
        """The dependency that failed first, walking down while it failed because of its own dependencies."""
        for _ in range(MAX_CHAIN):
            deps = self.jobs([d["jobId"] for d in job.get("dependsOn") or () if d.get("jobId")])
            failed = sorted((j for j in deps if j.get("status") == "FAILED"), key=lambda j: j.get("stoppedAt") or 0)
            if not failed:
                return None
            job = failed[0]
            if not (job.get("statusReason") or "").startswith("Dependent Job failed"):
                return job
        return job

    def explain_attempts(self, job: dict, add: bool = True) -> str:
        """Each attempt's failure decoded; the last one's explanation."""
        attempts = job.get("attempts") or ()
        last = ""
        for number, attempt in enumerate(attempts, 1):
            check, verdict, detail, fix = decode_attempt(attempt, job)
            if number == len(attempts) and (attempt.get("container") or {}).get("exitCode") not in (None, 0):
                detail += self.log_tail(job, number - 1)
            last = detail
            if add:
                self.add(f"attempt {number}" if len(attempts) > 1 else check, verdict if number == len(attempts)
                         else "info", detail, fix)
        retry = job.get("retryStrategy") or {}
        if add and attempts and any("Host EC2" in (a.get("statusReason") or "") for a in attempts) and not any(
                "Host EC2" in (r.get("onStatusReason") or "") for r in retry.get("evaluateOnExit") or ()):
            self.add("retry strategy", "warning", f"{len(attempts)} of {retry.get('attempts', 1)} attempts used; "
                     "nothing retries a reclaimed host",
                     "retryStrategy={'attempts': 3, 'evaluateOnExit': [{'onStatusReason': 'Host EC2*', "
                     "'action': 'RETRY'}, {'onReason': '*', 'action': 'EXIT'}]}")
        return last

    def log_tail(self, job: dict, attempt: int) -> str:
        from ..jobs import logs

        try:  # the job as described already: only GetLogEvents
            lines = logs(self.b, job["jobId"], attempt=attempt, tail=LOG_LINES, job=job)["message"].dropna().tolist()
        except (BatchError, ValueError):  # no logs to read (no stream, no access): left out
            return ""
        clipped = [" ".join(str(line).split())[:200] for line in lines]
        return f"; its last log lines: {' | '.join(clipped)}" if lines else "; it wrote no log lines"

    # STARTING
    def starting(self) -> None:
        self.going()
        created, container = self.job.get("createdAt"), self.job.get("container") or {}
        if not created or self.now() - created < STARTING_LONG * 1000:
            return
        image = container.get("image") or "?"
        self.add("image pull", "warning", f"STARTING, created {_seconds(self.now() - created)} ago (the API does not "
                 f"say when it left RUNNABLE): a long STARTING is the pull of image {image} from {registry(image)} on "
                 f"{container.get('instanceType') or 'its host'}",
                 "a large image pulls slowly: make it smaller or cache it (an AMI with it, "
                 "ECS_IMAGE_PULL_BEHAVIOR=prefer-cached); check the registry's access (ECR: the execution or instance "
                 "role's ecr:GetAuthorizationToken and ecr:BatchGetImage; a private registry: repositoryCredentials) "
                 "and the subnets' route to it (NAT gateway or VPC endpoints); if it fails, the job ends FAILED with "
                 "CannotPullContainerError")

    # RUNNING / STARTING / SUCCEEDED
    def going(self) -> None:
        job, status = self.job, self.job.get("status")
        created, started, stopped = job.get("createdAt"), job.get("startedAt"), job.get("stoppedAt")
        times = []
        if created and started:
            times.append(f"queued for {_seconds(started - created)}")
        if started and stopped:
            times.append(f"ran for {_seconds(stopped - started)}")
        elif started:  # the endpoint's clock may not be ours (a simulated one): say since when
            times.append(f"running since {_when(started)}")
        verdict = "ok" if status in ("SUCCEEDED", "RUNNING", "STARTING") else "info"
        if times or not (job.get("arrayProperties") or {}).get("size"):  # not the status again; an array: its counts
            self.add("status", verdict, ", ".join(times) or (status.lower() if status else "unknown"))
        self.array_progress()


class WhyQueue(Why):
    """`Batch.why_queue`: is the queue flowing (its state, its environments, how many jobs RUNNABLE,
    STARTING and RUNNING: a page of each), what blocks its head (the `why` of the job at the front,
    sharing this cache), and higher-priority queues sharing its environments with a backlog."""

    STATUSES = ("RUNNABLE", "STARTING", "RUNNING")

    def __init__(self, b, queue: str, cache: Cache | None = None):
        super().__init__(b, "", cache)
        self.queue_name = queue

    @property
    def queue_id(self) -> str:
        return self.queue_name

    @cached_property
    def job(self) -> dict:  # no job of its own: the head's `why` has one
        return {}

    def about(self) -> dict:
        return {"queue": (self.queue or {}).get("jobQueueName", self.queue_name)}

    def explain(self) -> str:
        q = self.queue
        if q is None:
            raise BatchError("DescribeJobQueues", "JobQueueNotFound", f"no job queue named {self.queue_name!r}")
        name = q["jobQueueName"]
        self.queue_state(q)
        self.check_environments(name)
        counts = {}
        for status in self.STATUSES:
            listed, more = self.listed(status, jobQueue=q["jobQueueArn"])
            counts[status] = f"{len(listed)}+" if more else str(len(listed))
        said = ", ".join(f"{n} {s}" for s, n in counts.items())
        capped = " (a page of each status listed)" if any(n.endswith("+") for n in counts.values()) else ""
        self.add("jobs", "info", said + capped)
        if self.policy is not None:
            self.shares(name)
        self.head(name, counts["RUNNABLE"] != "0")
        if counts["RUNNABLE"] != "0":
            envs = self.usable_environments()
            self.queues_ahead(envs, self.sharing(envs))
        first = self.rows()[0]
        if first[1] == "blocking":
            return f"{name} held up: {first[2]}"
        if first[1] == "warning":
            return f"{name} slowed: {first[2]}"
        going = counts["RUNNING"] != "0" or counts["STARTING"] != "0"
        if going:
            return f"{name} flowing: {said}"
        if counts["RUNNABLE"] != "0":
            return f"{name} waiting: {counts['RUNNABLE']} RUNNABLE, none started yet"
        return f"{name} idle: no job RUNNABLE, STARTING or RUNNING"

    def shares(self, name: str) -> None:
        """A fair-share queue: its policy's weights and what each share uses now (GetJobQueueSnapshot)."""
        policy = self.policy or {}
        fair = policy.get("fairsharePolicy")
        label = policy.get("name") or str(policy.get("arn", "?")).rsplit("/", 1)[-1]
        if fair is None:
            self.add("fair share", "info", f"scheduled by fair-share policy {label} (not described by this endpoint)")
            return
        distribution = fair.get("shareDistribution") or ()
        weights = ", ".join(f"{e.get('shareIdentifier')} {float(e.get('weightFactor', 1.0)):g}"
                            for e in distribution) or "none listed"
        utilization = (self.snapshot.get("queueUtilization") or {}).get("fairshareUtilization") or {}
        holders = sorted(((u.get("shareIdentifier"), share_vcpus(u)) for u in
                          utilization.get("topCapacityUtilization") or ()), key=lambda sv: -sv[1])
        used = ", ".join(f"{s} {v:g} vCPUs (weightFactor {share_weight(s or '', distribution)[0]:g})"
                         for s, v in holders if v) or "no share"
        active = utilization.get("activeShareCount")
        self.add("fair share", "info", f"policy {label}: weightFactor {weights} (any other share 1; lower gets "
                 f"more), shareDecaySeconds {fair.get('shareDecaySeconds', 0)}, computeReservation "
                 f"{fair.get('computeReservation', 0)}; using vCPUs now: {used}"
                 + (f" ({_count(active, 'active share')})" if active is not None else ""),
                 "a lower weightFactor gives a share more: b.update_scheduling_policy(arn=..., fairsharePolicy=...)")

    def head(self, name: str, runnable: bool) -> None:
        """The job at the front of the queue, and why it waits (its own `why`, on this cache)."""
        front = self.front()
        if not front:
            if runnable and not self.snapshot:
                self.add("head", "info", "the endpoint has no GetJobQueueSnapshot: the head is not known")
            return
        head_id = front[0].rsplit("/", 1)[-1]
        head = Why(self.b, head_id, self.cache)
        head.__dict__.update(queue=self.queue, environments=self.environments, snapshot=self.snapshot)
        try:
            head.job
        except BatchError:  # gone between the snapshot and now
            return
        summary = head.explain()
        label = f"{head.job.get('jobName')} ({head_id})"
        waited = self.now() - (head.job.get("createdAt") or self.now())
        count = len(front) - 1
        behind = f"{count}{'+' if len(front) >= 100 else ''} RUNNABLE job{'' if count == 1 else 's'} behind it"
        # the queue's own state and environments are findings of this `why_queue` already
        blocking = [f for f in head.rows() if f[1] == "blocking" and f[0] not in ("queue", "environments")]
        if not blocking and head.blocked():
            self.add("head", "info", f"the head job {label}, created {_seconds(waited)} ago, waits for that; {behind}")
        elif blocking:
            check, _, detail, fix = blocking[0]
            self.add("head", "blocking", f"the head job {label}, created {_seconds(waited)} ago, waits: {detail}; "
                     f"{behind}", fix or f"see b.why({head_id!r})")
        else:
            self.add("head", "info", f"the head job {label}, created {_seconds(waited)} ago, is next: {summary}; "
                     f"{behind}")


# --- pure helpers -------------------------------------------------------------------------


def _frame(rows, summary: str, b, **attrs):
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(COLUMNS)).astype("string")
    df.attrs["summary"] = summary
    df.attrs.update(attrs)
    if b.label:
        df.attrs["backend"] = b.label
    return df


def blocked_code(reason: str) -> str | None:
    """The AWS blocked-queue code a RUNNABLE job's statusReason starts with, if any."""
    return next((c for c in BLOCKED if (reason or "").startswith(c)), None)


def share_weight(share: str, distribution) -> tuple[float, str | None]:
    """A share's weightFactor as AWS Batch matches it: its own entry, else a `prefix*` entry it starts with,
    else the default 1; and the entry that gave it."""
    for entry in distribution:
        if entry.get("shareIdentifier") == share:
            return float(entry.get("weightFactor", 1.0)), share
    for entry in distribution:
        key = entry.get("shareIdentifier") or ""
        if key.endswith("*") and share.startswith(key[:-1]):
            return float(entry.get("weightFactor", 1.0)), key
    return 1.0, None


def share_vcpus(utilization: dict) -> float:
    """The vCPUs a share uses now (a fairshareUtilization entry)."""
    return sum(float(u.get("quantity") or 0) for u in utilization.get("capacityUsage") or ()
               if str(u.get("capacityUnit", "VCPU")).upper() in ("VCPU", "CPU"))


def requirements(job: dict) -> dict:
    """vCPUs, memory (MiB) and GPUs a container job asks (resourceRequirements win over vcpus/memory)."""
    container = job.get("container") or {}
    needs = {"vcpus": float(container.get("vcpus") or 0), "memory": float(container.get("memory") or 0), "gpus": 0}
    for item in container.get("resourceRequirements") or ():
        key = {"VCPU": "vcpus", "MEMORY": "memory", "GPU": "gpus"}.get(item.get("type"))
        if key:
            needs[key] = float(item.get("value") or 0)
    return needs


def multinode_misfit(nodes: dict, envs: list[dict], code: str) -> tuple[str, str]:
    """(detail, fix) for a multi-node parallel job no environment of its queue can run.  The user guide:
    its nodes run on managed EC2 On-Demand instances (not Spot, Fargate or unmanaged), one whole
    instance each ("single-tenant"), all in one compute environment."""
    count = int(nodes.get("numNodes") or 0)
    largest = {key: max((requirements(group).get(key, 0) for group in nodes.get("nodeRangeProperties") or ()),
                        default=0) for key in ("vcpus", "memory", "gpus")}
    unfit = [e for e in envs if e.get("type") == "UNMANAGED"
             or (e.get("computeResources") or {}).get("type") in ("SPOT", "FARGATE", "FARGATE_SPOT")]
    detail = (f"a multi-node parallel job of {count} nodes (the largest asks {format_needs(largest)}) needs {count} "
              f"whole instances of one type in one MANAGED EC2 On-Demand environment")
    if unfit and len(unfit) == len(envs):
        kinds = "; ".join(f"{e['computeEnvironmentName']} is "
                          f"{(e.get('computeResources') or {}).get('type') or e.get('type')}" for e in unfit)
        return f"{detail}: {kinds}", "submit it to a queue with a MANAGED EC2 (On-Demand) environment"
    if code == "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE":
        limits = "; ".join(describe_env(e) for e in envs) or "none ENABLED"
        return (f"{detail}, more vCPUs than maxvCpus allows: {limits}",
                f"raise maxvCpus to {count} x the instance type's vCPUs, or run fewer nodes (nodeOverrides numNodes)")
    return (f"{detail}; no instance type of {'; '.join(describe_env(e) for e in envs) or 'none ENABLED'} fits "
            "its largest node", "add an instance type that fits the largest node, or ask less in that node range")


def format_needs(needs: dict) -> str:
    parts = [f"{needs['vcpus']:g} vCPUs", f"{needs['memory']:g} MiB"]
    if needs["gpus"]:
        parts.append(f"{needs['gpus']:g} GPU{'' if needs['gpus'] == 1 else 's'}")
    return ", ".join(parts)


def instance_size(name: str) -> tuple[int, int, bool] | None:
    """(vCPUs, memory MiB, has GPUs) of a named instance type, estimated from its name (m5.2xlarge: 8, 32 GiB);
    None for families and Batch's choices (optimal), whose sizes the Batch API does not give."""
    match = re.fullmatch(r"([a-z]+)(\d*)([a-z-]*)\.(\d*)(x?large|medium|small|micro|nano)", name)
    if not match:
        return None
    family, number = match.group(1) + match.group(2) + match.group(3), match.group(4)
    size = match.group(5)
    vcpus = {"large": 2, "medium": 1, "small": 1, "micro": 1, "nano": 1}.get(size) or 4 * int(number or 1)
    memory = int(vcpus * GIB_PER_VCPU.get(family[0], 4) * 1024)
    return vcpus, memory, bool(GPU_FAMILIES.match(family))


def registry(image: str) -> str:
    """Where an image is pulled from, by its name."""
    host = image.split("/", 1)[0] if "/" in image else ""
    if ".dkr.ecr." in host:
        return f"Amazon ECR ({host})"
    if host == "public.ecr.aws":
        return "Amazon ECR Public"
    if not host or ("." not in host and ":" not in host and host != "localhost"):
        return "Docker Hub (anonymous pulls are rate-limited)"
    return f"the registry {host}"


def environment_fix(envs: list[dict]) -> str:
    """What makes DISABLED or INVALID environments run jobs again."""
    fixes = []
    for env in envs:
        name = env["computeEnvironmentName"]
        if env.get("status") == "INVALID":
            fixes.append(f"fix what {name}'s statusReason names (often a service role or instance role Batch "
                         f"cannot use), then b.update_compute_environment(computeEnvironment={name!r}, "
                         "serviceRole=<role ARN>) or computeResources={'instanceRole': <instance profile ARN>}")
        elif env.get("state") == "DISABLED":
            fixes.append(f"enable it: b.update_compute_environment(computeEnvironment={name!r}, state='ENABLED')")
    return "; ".join(fixes)


def describe_env(env: dict) -> str:
    resources = env.get("computeResources") or {}
    types = resources.get("instanceTypes") or ([resources.get("type")] if resources.get("type") else [])
    kind = env.get("type") if env.get("type") == "UNMANAGED" else ", ".join(types)
    return f"{env['computeEnvironmentName']} ({kind}; maxvCpus {resources.get('maxvCpus', env.get('unmanagedvCpus'))})"


def shortfall(needs: dict, envs: list[dict]) -> str:
    """Which requirement no instance type meets, where the types' names tell (", no GPU instance type")."""
    types = [t for e in envs for t in (e.get("computeResources") or {}).get("instanceTypes") or ()]
    if needs["gpus"] and types and not any(GPU_FAMILIES.match(t.split(".")[0]) for t in types):
        return ", but no environment has a GPU instance type"
    sized = [(t, s) for t in types if (s := instance_size(t))]
    if not sized or len(sized) < len(types):
        return ""
    name, (vcpus, memory, _) = max(sized, key=lambda ts: ts[1][:2])
    short = [f"{what} ({have:g} in the largest type, {name})" for what, have, asked in
             (("vCPUs", vcpus, needs["vcpus"]), ("memory MiB", memory, needs["memory"])) if asked > have]
    return f", more {' and '.join(short)}" if short else ""


def decode_attempt(attempt: dict, job: dict) -> tuple[str, str, str, str]:
    container = attempt.get("container") or {}
    code, reason, status = container.get("exitCode"), container.get("reason") or "", attempt.get("statusReason") or ""
    memory = requirements(job)["memory"]
    if "OutOfMemoryError" in reason or (code == 137 and "memory" in reason.lower()):
        return ("exit code", "blocking", f"out of memory: exit {code}, {reason!r}; it had {memory:g} MiB",
                f"raise its memory (e.g. to {max(memory * 2, 1024):g} MiB) or use less")
    if status.startswith("Host EC2"):
        return ("host", "blocking", f"the host was terminated (a Spot reclaim or a scale-in): {status}",
                "retry on it: a retryStrategy with evaluateOnExit onStatusReason 'Host EC2*' → RETRY")
    if "exceeded timeout" in status:
        limit = (job.get("timeout") or {}).get("attemptDurationSeconds")
        return ("timeout", "blocking", f"the attempt ran past its timeout ({limit} s)" if limit else status,
                "raise timeout.attemptDurationSeconds, or make the job faster")
    if "CannotPullContainerError" in reason + status:
        image = (job.get("container") or {}).get("image")
        return ("image", "blocking", f"the image {image} could not be pulled: {reason or status}",
                "check the image name and tag, the registry's access (execution role) and the network route")
    if "ResourceInitializationError" in reason + status:
        return ("initialization", "blocking", f"the task could not start: {reason or status}",
                "check secrets, log configuration and network access of the execution role and subnets")
    if code is not None and code != 0:
        meaning, fix = EXITS.get(code, (f"the program exited with {code}", "read its last log lines"))
        said = f", {reason!r}" if reason else ""
        return ("exit code", "blocking", f"exit {code}: {meaning}{said}", fix)
    return ("attempt", "info", status or reason or "no reason given", "")


def child_failure(child: dict) -> tuple[int | None, str]:
    """(exit code, reason) of a failed job's last attempt: what its failures are grouped by."""
    attempts = child.get("attempts") or ()
    last = attempts[-1] if attempts else {}
    container = last.get("container") or {}
    code = container.get("exitCode", (child.get("container") or {}).get("exitCode"))
    reason = container.get("reason") or next((r for r in (last.get("statusReason"), child.get("statusReason"))
                                               if r and not r.startswith(GENERIC)), "")
    return code, reason


def _clip(text: str, size: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _names(jobs: list[dict]) -> str:
    return ", ".join(f"{j.get('jobName')} ({j['jobId']})" for j in jobs)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _seconds(ms: float) -> str:
    from ..views import duration

    return duration(ms / 1000)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
