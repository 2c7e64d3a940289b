"""The job lifecycle: a discrete-event simulation of the Batch scheduler.

Every timed transition is an event on a heap; `advance_to` pops them in time
order and, after each instant, places RUNNABLE jobs (higher-priority queues
first, each in its queue order: ordering.py, FIFO or fair share) where
`scheduler.place` finds room on the compute environments' fleets (fleet.py:
instances launched and packed by vCPU, memory and GPU), binds them, and scales
idle instances down.  Nothing scans all jobs, so cost grows with the events,
not with the jobs stored.

A multi-node parallel job queues as one job; its nodes ``<id>#<n>`` are jobs
of their own, spawned when it becomes RUNNABLE and bound together.  The main
node starts first, the others when it runs; the main node's exit ends the job
(see "multi-node parallel jobs" below, and nodes.py).
"""

from __future__ import annotations

import heapq
from collections import deque
from contextlib import contextmanager
from fnmatch import fnmatchcase


from ..gcpause import gc_paused
from . import nodes, rules, scheduler
from .fleet import Fleet, Settings, fleet_for
from .job import Job
from .moto_adapter import make_arn_for_job, new_stream, random, utcnow
from .ordering import ordering_for
from .outcomes import DEFAULT_SECONDS, SUCCESS, Outcomes, run_process, simulated_logs
from .status_index import StatusIndex

SUBMITTED_SECONDS, RUNNABLE_SECONDS, STARTING_SECONDS = 1, 1, 2  # simulated time in each state
OUT_OF_MEMORY = "OutOfMemoryError: Container killed due to memory usage"
TIME_LIMIT = "Canceled by JobStateTimeLimit action due to reason: {}"
DEPENDENCY_FAILED = "Dependent Job failed"
TIMED_OUT = "Job attempt duration exceeded timeout"
CHILD_FAILED = "Array Child Job failed"
LOG_GROUP = "/aws/batch/job"


class Lifecycle:
    def __init__(self, backend, now: int = 0, outcomes: Outcomes | None = None, executor: str = "simulated",
                 settings: Settings | None = None, seed=None):
        self.backend = backend  # the moto backend holding queues, environments and definitions
        self.now = now  # simulated epoch milliseconds
        # ids, addresses and stream names come from this backend's own generator (seeded from moto's unless
        # `seed`), so a journal replayed over a checkpoint gives every job the ids it had (state.py)
        self.random = type(random)(random.getrandbits(128) if seed is None else seed)
        self.instants = 0  # how many instants have run: the journal notes clock steps that ran some
        self.jobs: dict[str, Job] = {}  # by id and by ARN, array children included
        self.by_queue: dict[str, list[Job]] = {}  # queue ARN -> its jobs (no children) in submission order
        self.listed = StatusIndex()  # the same by status, for ListJobs
        # timed events by instant: a heap of instants (few: events share them) and each one's
        # (job, its version then) in the order they were asked for; an instant without events is a wake-up
        self.times: list[int] = []
        self.due: dict[int, list[tuple]] = {}
        self.seq = 0  # orders the launching and reclaims heaps
        self.orders: dict = {}  # queue ARN -> its RUNNABLE jobs in its queue order (ordering.Fifo, FairShare)
        self.fleets: dict[str, Fleet] = {}  # environment ARN -> its instances and what runs on them
        self.launching: list[tuple] = []  # heap of (ready at, seq, instance) with jobs waiting for it
        self.reclaims: list[tuple] = []  # heap of (at, seq, instance, environment): Spot reclaims (Faults.spot)
        self.scale_due: int | None = None  # when an idle instance may next go: scale-down looks only then
        self.settings = Settings() if settings is None else settings  # shared with the LocalBatch
        self.settled: deque[Job] = deque()  # finished jobs whose dependents are not yet told
        self.draining = False
        self.outcomes = Outcomes() if outcomes is None else outcomes  # shared with the LocalBatch
        self.executor = executor

    # -- submitting -------------------------------------------------------------

    def submit(self, request: dict, queue, definition, history: dict | None = None) -> Job:
        """A new job; with `history` (see history.py) one that already finished, as recorded (or, with
        only a ``jobId``, one simulated under that id)."""
        job_id = (history or {}).get("jobId")
        if history is not None and "status" not in history:
            history = None
        size = rules.array_size(request.get("arrayProperties"))
        node_props = nodes.effective(definition, request) if definition.node_properties is not None else None
        if node_props is None and request.get("nodeOverrides"):
            rules.fail("nodeOverrides can only be used with a multi-node parallel job definition")
        depends = self._dependencies(request, size) if history is None else []
        job_id = job_id or uuid4_text(self.random)
        if job_id in self.jobs:
            rules.fail(f"a job with the id {job_id} already exists")
        share = request.get("shareIdentifier") if history is None else None
        if share is not None:
            self.order(queue).admit(share, self.now)
        looked_up = self.__dict__.get("_looked_up")
        arn = looked_up["arn"] + job_id if looked_up else make_arn_for_job(self.backend.account_id, job_id,
                                                                            self.backend.region_name)
        job = Job(job_id, arn, request["jobName"], queue, definition, request, self.now)
        job.node_props = node_props
        self._add(job)
        queued = self.by_queue.setdefault(queue.arn, [])
        job.position = len(queued)
        queued.append(job)
        if history is not None:  # finished long ago, as recorded: its dependencies are not resolved
            self._record(job, history)
            self.listed.add(job)
            return job
        self.listed.add(job)
        if share is not None:
            self.order(queue).submitted(job, self.now)
        job.depends = depends or ()
        for target, kind in depends:
            if kind != "N_TO_N":  # N_TO_N binds child to child when the children are spawned
                self._wait_on(job, target)
        self._after(job, SUBMITTED_SECONDS)
        return job

    @contextmanager
    def recording(self):
        """While a seed's jobs are submitted in bulk: what each of them looked up in moto (its logs backend,
        the spelling of a job's ARN, the wall clock its log streams are stamped with, its queue and job
        definition by name in `found`: ~6 us a job) looked up once.  Nothing of it stays (snapshots copy
        this object)."""
        account, region = self.backend.account_id, self.backend.region_name
        prefix = make_arn_for_job(account, "", region)
        arn = prefix if make_arn_for_job(account, "x", region) == prefix + "x" else ""
        self._looked_up = {"logs": self.backend.logs_backend, "arn": arn, "now": utcnow(), "found": {}} if arn else None
        try:
            yield
        finally:
            del self._looked_up

    def _dependencies(self, request: dict, size) -> list:
        result = []
        for dependency in rules.dependencies(request.get("dependsOn")):
            kind, job_id = dependency.get("type"), dependency.get("jobId")
            if not job_id:
                if kind == "SEQUENTIAL" and size:
                    continue  # each child waits for the one before it
                rules.fail("dependsOn: a jobId is required unless the type is SEQUENTIAL on an array job")
            target = self.jobs.get(job_id)
            if target is None:
                rules.fail(f"dependsOn: job {job_id} does not exist")
            if kind == "N_TO_N" and not (size and target.size == size):
                rules.fail("dependsOn: an N_TO_N dependency needs two array jobs of the same size")
            result.append((target, kind))
        return result

    def _add(self, job: Job) -> None:
        self.jobs[job.id] = self.jobs[job.arn] = job

    def _wait_on(self, job: Job, target: Job) -> None:
        if target.status == "FAILED":
            job.dependency_failed = True
        elif target.status != "SUCCEEDED":
            job.waiting += 1
            if not target.dependents:
                target.dependents = []
            target.dependents.append(job)

    # -- time -------------------------------------------------------------------

    def _instant(self, at: int) -> list:
        events = self.due.get(at)
        if events is None:
            events = self.due[at] = []
            heapq.heappush(self.times, at)
        return events

    def _after(self, job: Job, seconds: float) -> None:
        """The job's next transition, `seconds` from now (skipped if its status changes before)."""
        self._instant(self.now + int(seconds * 1000)).append((job, job.version))

    def wake(self, at: int | None = None) -> None:
        """Ask for a placement pass at `at` (now by default): capacity or queue state changed."""
        self._instant(self.now if at is None else at)

    @gc_paused  # the events' objects hold no garbage cycles; collections walk every stored job (~30% at 100,000)
    def advance_to(self, target: int) -> None:
        times, due = self.times, self.due
        while times and times[0] <= target:
            at = heapq.heappop(times)
            if at not in due:
                continue  # its events ran with another entry for the same instant
            self.now = max(self.now, at)
            self.instants += 1
            while (events := due.pop(at, None)) is not None:  # events asked for this instant meanwhile run too
                for job, version in events:
                    if job.version == version:
                        self._fire(job)
            self._place()
        self.now = max(self.now, target)

    @gc_paused
    def run_until_idle(self) -> int:
        """Advance until nothing more can happen; the simulated milliseconds that passed."""
        start = self.now
        while self.due:
            self.advance_to(self.times[0])
        return self.now - start

    @property
    def busy(self) -> bool:
        return bool(self.due)

    # -- transitions ----------------------------------------------------------------

    def _fire(self, job: Job) -> None:
        if job.status == "SUBMITTED":
            self._leave_submitted(job)
        elif job.status == "STARTING":
            self._run(job)
        elif job.status == "RUNNING":
            self._end(job)

    def _set(self, job: Job, status: str) -> None:
        if job.parent is not None:
            summary = job.parent.summary
            summary[job.status] -= 1
            summary[status] += 1
        if job.position is not None:
            self.listed.remove(job)
            job.status = status
            self.listed.add(job)
        else:
            job.status = status
        job.version += 1

    def _leave_submitted(self, job: Job) -> None:
        if job.dependency_failed:
            return self._finish(job, "FAILED", DEPENDENCY_FAILED)
        if job.waiting or job.size:
            self._set(job, "PENDING")
        if not job.waiting:
            self._ready(job)

    def _ready(self, job: Job) -> None:
        """Every dependency has succeeded: spawn the children, or queue the job."""
        if job.size:
            self._spawn(job)
        else:
            if job.node_props is not None and job.nodes is None:
                self._spawn_nodes(job)
            self._set(job, "RUNNABLE")
            self._enqueue(job)

    def _spawn(self, parent: Job) -> None:
        sequential = any(d.get("type") == "SEQUENTIAL" and not d.get("jobId") for d in parent.request.get("dependsOn") or ())
        parent.summary["PENDING"] = parent.size
        parent.children = []
        for index in range(parent.size):
            child = Job(f"{parent.id}:{index}", f"{parent.arn}:{index}", parent.name, parent.queue,
                        parent.definition, parent.request, self.now, parent=parent, index=index)
            child.status = "PENDING"
            self._add(child)
            if child.share is not None:
                self.order(child.queue).submitted(child, self.now)
            parent.children.append(child)
            for target, kind in parent.depends:
                if kind == "N_TO_N":
                    self._wait_on(child, target.children[index] if target.children else target)
            if sequential and index:
                self._wait_on(child, parent.children[index - 1])
            if child.dependency_failed:
                self._finish(child, "FAILED", DEPENDENCY_FAILED)
            elif not child.waiting:
                self._ready(child)
        self._drain()

    def _spawn_nodes(self, job: Job) -> None:
        """A multi-node parallel job's nodes, RUNNABLE with it: ``<id>#<n>``, each with its node range's
        container (nodes.py); the scheduler places them together."""
        overrides = (job.request.get("nodeOverrides") or {}).get("nodePropertyOverrides")
        job.nodes = []
        for index, container in enumerate(nodes.containers(job.node_props, overrides)):
            node = Job(f"{job.id}#{index}", f"{job.arn}#{index}", job.name, job.queue, job.definition, job.request,
                       self.now, node_of=job, node_index=index, container=container)
            node.status = "RUNNABLE"
            if not node.is_main_node:  # the timeout "applies to the whole job and not to the nodes"
                node.timeout = None
            self._add(node)
            job.nodes.append(node)
        job.vcpus = sum(node.vcpus for node in job.nodes)  # what its share uses while it runs (ordering.py)

    def order(self, queue):
        """The queue's order of RUNNABLE jobs (ordering.py), made when first needed."""
        order = self.orders.get(queue.arn)
        if order is None:
            order = self.orders[queue.arn] = ordering_for(self, queue)
        return order

    def _enqueue(self, job: Job) -> None:
        eligible = self.now + RUNNABLE_SECONDS * 1000
        self.order(job.queue).push(job, eligible)
        self.wake(eligible)

    def _place(self) -> None:
        self._instances_ready()
        self._reclaims_due()
        queues = sorted(self.backend._job_queues.values(), key=lambda q: -int(q.priority))
        now = self.now
        for queue in queues:
            order = self.orders.get(queue.arn)
            if queue.state != "ENABLED" or not order:
                continue
            skipped = None  # fair share: the shares whose first job is blocked, this pass
            while True:
                job = order.next(now, skipped)  # the queue order
                if job is None:
                    break
                found = scheduler.place(queue, job, now, self.fleet)  # filter and choice
                if isinstance(found, tuple):
                    order.take(job, now)
                    self._bind(job, *found)  # bind
                elif found is None:
                    break  # it waits for room, and the jobs behind it with it
                elif not self._blocked(queue, job, found):
                    if order.head_blocks:
                        break  # a blocked head holds up a FIFO queue
                    skipped = order.skip(job, skipped)  # on a fair-share queue, its share
        if self.scale_due is not None and self.scale_due <= self.now:
            self._scale_down()

    def fleet(self, env) -> Fleet:
        """The instances of a compute environment (its minvCpus launched when first asked)."""
        fleet = self.fleets.get(env.arn)
        if fleet is None or fleet.env is not env:
            fleet = self.fleets[env.arn] = fleet_for(env, self.now, self.settings, self.random)
        return fleet

    def _blocked(self, queue, job: Job, blocked) -> bool:
        """Say why the head cannot run; True if a jobStateTimeLimitAction cancelled it meanwhile."""
        if job.blocked is None or job.blocked[0] != blocked.code:
            job.blocked = (blocked.code, self.now)
        job.reason = blocked.reason
        for action in getattr(queue, "time_limit_actions", None) or ():
            if action.get("state", "RUNNABLE") == "RUNNABLE" and action.get("reason") == blocked.code:
                due = job.blocked[1] + int(action.get("maxTimeSeconds", 600)) * 1000
                if due > self.now:
                    self.wake(due)
                    return False
                self._finish(job, "FAILED", TIME_LIMIT.format(blocked.code))  # its queue entry is stale now
                return True
        return False

    def _bind(self, job: Job, env, instance) -> None:
        if job.nodes is not None:
            return self._bind_nodes(job, env, instance)
        job.env, job.instance, job.blocked, job.reason = env, instance, None, None
        self.fleet(env).take(job, instance)
        self._start_when_ready(job)

    def _start_when_ready(self, job: Job) -> None:
        if job.instance.ready_at > self.now:
            self._wait_for(job.instance, job)
        else:
            self._start(job)

    def _wait_for(self, instance, job: Job) -> None:
        """The instance is launching: the job starts when it is ready (`_instances_ready`)."""
        instance.waiting.append(job)
        if len(instance.waiting) == 1:
            self.seq += 1
            heapq.heappush(self.launching, (instance.ready_at, self.seq, instance))
            self.wake(instance.ready_at)

    def _instances_ready(self) -> None:
        while self.launching and self.launching[0][0] <= self.now:
            _, _, instance = heapq.heappop(self.launching)
            waiting, instance.waiting = instance.waiting, []
            for job in waiting:
                if job.status == "RUNNABLE" and job.instance is instance:
                    self._start(job)

    def _release(self, job: Job) -> None:
        if job.instance is not None:
            self.fleet(job.env).release(job, job.instance, self.now)
            if job.share is not None and job.node_of is None:  # a node's vCPUs count in its job's share
                self.order(job.queue).released(job, self.now)
            if not job.instance.jobs:
                self._scale_at(self.now + int(self.settings.idle_seconds * 1000))
        elif job.env is not None and job.share is not None:  # a multi-node parallel job, bound (_bind_nodes)
            self.order(job.queue).released(job, self.now)
        job.env = job.instance = None

    def capacity_changed(self) -> None:
        """An environment's settings changed (minvCpus, desiredvCpus): look at its instances now."""
        self._scale_at(self.now)

    def _scale_at(self, at: int) -> None:
        if self.scale_due is None or at < self.scale_due:
            self.scale_due = at
            self.wake(at)

    def _scale_down(self) -> None:
        self.scale_due = None
        for fleet in self.fleets.values():
            later = fleet.scale_down(self.now)
            if later is not None:
                self._scale_at(later)

    def front_of_queue(self, queue, limit: int) -> list[tuple[Job, int]]:
        """The RUNNABLE jobs next in line on `queue` in its queue order, with when each became RUNNABLE."""
        order = self.orders.get(queue.arn)
        if order is None:
            return []
        return [(job, eligible - RUNNABLE_SECONDS * 1000) for job, eligible in order.front(self.now, limit)]

    def _start(self, job: Job) -> None:
        self._set(job, "STARTING")
        account, region = self.backend.account_id, self.backend.region_name
        task, instance = str(self.random.uuid4()), job.instance
        job.current = {"container": {
            "containerInstanceArn": f"arn:aws:ecs:{region}:{account}:container-instance/{self.random.uuid4()}",
            "taskArn": f"arn:aws:ecs:{region}:{account}:task/{task}",
            "logStreamName": f"{job.definition.name}/default/{task}",
        }}
        if job.node_of is not None:
            self._node_starting(job)
        if instance.type not in ("UNMANAGED", "FARGATE"):
            job.current["container"]["instanceType"] = instance.type
        if instance.spot and instance.reclaim_at is None:
            self._reclaim_later(instance, job.env)
        image = job.container.get("image")
        pulled = image in instance.images or instance.type == "UNMANAGED"
        instance.images.add(image)
        self._after(job, STARTING_SECONDS + (0 if pulled else self.settings.pull_seconds))

    def _run(self, job: Job) -> None:
        self._set(job, "RUNNING")
        job.started_at = job.current["startedAt"] = self.now
        limit = (job.timeout or {}).get("attemptDurationSeconds")
        if self.executor == "subprocess":
            exit_code, lines, seconds, reason = run_process(job, limit)
        else:
            rule = self.outcomes.find(job.name, job.queue, job.definition, job.index, job.node_index)
            exit_code, reason = rule.exit_code_for(len(job.attempts)), rule.reason
            lines = simulated_logs(job) if rule.logs is None else rule.logs
            seconds = rule.duration
            if seconds is None and (job.node_of is None or job.is_main_node):  # other nodes: until stopped
                seconds = DEFAULT_SECONDS
            if rule.memory is not None and rule.memory > job.memory:  # the kernel's OOM killer, at the end
                exit_code, reason = 137, OUT_OF_MEMORY
        if limit is not None and seconds is not None and seconds >= limit:
            job.plan, seconds = (None, None, TIMED_OUT), limit
        else:
            job.plan = (exit_code, reason, reason or SUCCESS)
        self._write_logs(job, lines)
        if job.node_of is not None:
            self._node_running(job)
        if seconds is not None:  # None: a node that runs until its main node exits
            self._after(job, seconds)

    def _end(self, job: Job) -> None:
        exit_code, reason, status_reason = job.plan
        self._stop_attempt(job, exit_code, reason, status_reason)
        if job.node_of is not None:
            return self._node_exited(job, exit_code, reason or "", status_reason, retry=exit_code is not None)
        if exit_code == 0:
            self._finish(job, "SUCCEEDED", status_reason)
        elif exit_code is not None and self._retries(job, exit_code, reason or "", status_reason):
            self._set(job, "RUNNABLE")
            self._enqueue(job)
        else:
            self._finish(job, "FAILED", status_reason)

    def _stop_attempt(self, job: Job, exit_code, reason, status_reason) -> None:
        attempt, job.current = job.current, None
        self._release(job)
        job.plan = None
        self.wake()  # freed room may start a queued job
        if "startedAt" not in attempt:
            return  # stopped while STARTING: no container ran, no attempt to report
        if exit_code is not None:
            attempt["container"]["exitCode"] = exit_code
        if reason:
            attempt["container"]["reason"] = reason
        attempt.update(stoppedAt=self.now, statusReason=status_reason)
        job.attempts = [*job.attempts, attempt]  # at most 10
        if job.node_of is not None and job.is_main_node:  # a multi-node parallel job's attempts are its main node's
            job.node_of.attempts = [*job.node_of.attempts, attempt]

    def _retries(self, job: Job, exit_code: int, reason: str, status_reason: str) -> bool:
        if len(job.attempts) >= job.attempt_limit:
            return False
        for rule in (job.retry or {}).get("evaluateOnExit") or ():
            if (_glob(rule.get("onExitCode"), str(exit_code)) and _glob(rule.get("onReason"), reason)
                    and _glob(rule.get("onStatusReason"), status_reason)):
                return rule.get("action", "").upper() == "RETRY"
        return True

    def _finish(self, job: Job, status: str, reason: str | None) -> None:
        self._release(job)  # reserved on an instance still launching
        self._set(job, status)
        job.reason, job.stopped_at = reason, self.now
        if job.share is not None and job.node_of is None:  # a node is not a job of its share: its job is
            self.order(job.queue).finished(job, self.now)
        if job.nodes:
            self._finish_nodes(job, status, reason)
        self.settled.append(job)
        self._drain()

    def _drain(self) -> None:
        """Tell dependents and array parents about finished jobs, iteratively (chains can be long)."""
        if self.draining:
            return
        self.draining = True
        try:
            while self.settled:
                job = self.settled.popleft()
                for dependent in job.dependents:
                    self._dependency_done(dependent, job.status)
                job.dependents = ()
                parent = job.parent
                if parent is not None and not parent.finished:
                    done = parent.summary["SUCCEEDED"] + parent.summary["FAILED"]
                    if done == parent.size:
                        failed = parent.summary["FAILED"]
                        self._finish(parent, "FAILED" if failed else "SUCCEEDED", CHILD_FAILED if failed else None)
        finally:
            self.draining = False

    def _dependency_done(self, job: Job, status: str) -> None:
        if job.finished:
            return
        if status == "FAILED":
            job.dependency_failed = True
            if job.status == "PENDING":
                self._finish(job, "FAILED", DEPENDENCY_FAILED)
            return
        job.waiting -= 1
        if not job.waiting and job.status == "PENDING" and not job.children:
            self._ready(job)

    # -- cancel and terminate ----------------------------------------------------

    def cancel(self, job: Job, reason: str) -> None:
        """SUBMITTED, PENDING and RUNNABLE jobs fail; later states are left alone.  A node is cancelled
        with its job (nodes are not queued on their own)."""
        job = job.node_of or job
        if job.status in ("SUBMITTED", "PENDING", "RUNNABLE") and not self._running_children(job):
            self._finish(job, "FAILED", reason)
            self.wake()  # the next job in line may run now
        for child in job.children:
            self.cancel(child, reason)

    def terminate(self, job: Job, reason: str) -> None:
        """Every unfinished job fails; STARTING and RUNNING attempts are stopped (a multi-node parallel
        job's on all its nodes)."""
        if job.node_of is not None:
            return self._terminate_node(job, reason)
        if job.status in ("STARTING", "RUNNING") and job.node_props is None:
            self._stop_attempt(job, None, None, reason)
        if not job.finished:
            self._finish(job, "FAILED", reason)
            self.wake()
        for child in job.children:
            self.terminate(child, reason)

    def interrupt(self, job: Job) -> str:
        """The job's EC2 host is reclaimed: every attempt on it stops, and retries as it may."""
        instance = job.instance
        if job.status not in ("STARTING", "RUNNING") or instance is None or instance.type in ("UNMANAGED", "FARGATE"):
            raise ValueError(f"job {job.id} is {job.status}, not STARTING or RUNNING on an EC2 instance")
        self._reclaim(instance, job.env)
        return instance.id

    def _reclaim_later(self, instance, env) -> None:
        after = self.settings.faults.reclaim_after()
        if after is not None:
            instance.reclaim_at = self.now + int(after * 1000)
            self.seq += 1
            heapq.heappush(self.reclaims, (instance.reclaim_at, self.seq, instance, env))
            self.wake(instance.reclaim_at)

    def _reclaims_due(self) -> None:
        while self.reclaims and self.reclaims[0][0] <= self.now:
            _, _, instance, env = heapq.heappop(self.reclaims)
            instance.reclaim_at = None
            # unless Spot reclaims were turned off since, or the instance went (idle, or reclaimed on purpose)
            if self.settings.faults.spot_per_hour and instance in self.fleet(env).instances:
                self._reclaim(instance, env)

    def _reclaim(self, instance, env) -> None:
        reason = f"Host EC2 (instance {instance.id}) terminated."
        self.fleet(env).terminate(instance)
        for victim in sorted(instance.jobs, key=lambda j: j.id):
            if victim.node_of is not None:  # a node: the main one's job retries or fails, another fails
                if victim.current is not None:
                    self._stop_attempt(victim, None, None, reason)
                else:
                    self._release(victim)
                self._node_exited(victim, None, "", reason)
                continue
            if victim.status == "RUNNABLE":  # reserved on it: back in line
                self._release(victim)
                self._enqueue(victim)
                continue
            self._stop_attempt(victim, None, None, reason)
            if self._retries(victim, None, "", reason):
                self._set(victim, "RUNNABLE")
                self._enqueue(victim)
            else:
                self._finish(victim, "FAILED", reason)

    # -- multi-node parallel jobs (user guide: "Multi-node parallel jobs", "Job lifecycle for MNP jobs") --

    def _bind_nodes(self, job: Job, env, instances: list) -> None:
        """Every node on an instance of its own, at once; the main node starts first, when the last of
        them is up ("AWS Batch provisions the instance capacity ... The main node is launched first")."""
        job.env, job.blocked, job.reason = env, None, None  # bound: its share's until released (_release)
        main = job.nodes[job.node_props["mainNode"]]
        ordered = [node for node in job.nodes if node is not main] + [main]
        for node, instance in zip(ordered, sorted(instances, key=lambda i: i.ready_at)):
            node.env, node.instance, node.reason = env, instance, None
            self.fleet(env).take(node, instance, whole=True)
        self._start_when_ready(main)

    def _node_starting(self, node: Job) -> None:
        """A node's container gets an awsvpc network interface; the main node's start is the job's."""
        address = f"10.0.{self.random.randint(0, 255)}.{self.random.randint(1, 254)}"
        node.current["container"]["networkInterfaces"] = [
            {"attachmentId": str(self.random.uuid4()), "privateIpv4Address": address}]
        if node.is_main_node:
            self._set(node.node_of, "STARTING")

    def _node_running(self, node: Job) -> None:
        """The main node runs: so does the job, and the other nodes are launched ("When the main node
        reaches the RUNNING status ... the child nodes are launched and they also move to STARTING")."""
        if not node.is_main_node:
            return
        job = node.node_of
        self._set(job, "RUNNING")
        job.started_at = self.now
        for other in job.nodes:
            if other is not node and other.status == "RUNNABLE" and other.instance is not None:
                self._start_when_ready(other)

    def _node_exited(self, node: Job, exit_code, reason: str, status_reason: str, retry: bool = True) -> None:
        """A node's attempt has stopped.  Another node than the main one just ends ("If a child node dies,
        AWS Batch doesn't take any action on the other nodes"); the main node's exit ends the job with
        its status, or, if the job has retries left, starts another attempt of every node."""
        status = "SUCCEEDED" if exit_code == 0 else "FAILED"
        if not node.is_main_node:
            return self._finish(node, status, status_reason)
        job = node.node_of
        if status == "FAILED" and retry and self._retries(node, exit_code, reason, status_reason):
            return self._retry_nodes(job, status_reason)
        self._finish(node, status, status_reason)
        self._finish(job, status, status_reason)

    def _retry_nodes(self, job: Job, reason: str) -> None:
        """Another attempt: every node stops and the job waits to be placed again ("Each new attempt of a
        multi-node parallel job updates the corresponding child nodes' attempts")."""
        for node in job.nodes:
            if node.current is not None:  # the main node's attempt has stopped already
                self._stop_attempt(node, None, None, reason)
            self._release(node)
            node.reason = node.stopped_at = None
            self._set(node, "RUNNABLE")
        self._release(job)
        self._set(job, "RUNNABLE")
        self._enqueue(job)

    def _finish_nodes(self, job: Job, status: str, reason: str | None) -> None:
        """The job has ended: its other nodes stop ("If the main node exits, the job is considered
        finished, and all of the child nodes are stopped") and end with the job's status."""
        for node in job.nodes:
            if node.finished:
                continue
            if node.status in ("STARTING", "RUNNING"):
                self._stop_attempt(node, None, None, reason)
            self._finish(node, status, reason)

    def _terminate_node(self, node: Job, reason: str) -> None:
        """TerminateJob on one node of a running job stops that node (the main node: the job); on a job
        not yet running, it terminates the job."""
        job = node.node_of
        if job.status not in ("STARTING", "RUNNING"):
            return self.terminate(job, reason)
        if node.finished:
            return
        if node.status in ("STARTING", "RUNNING"):
            self._stop_attempt(node, None, None, reason)
        self._node_exited(node, None, "", reason, retry=False)
        self.wake()

    @staticmethod
    def _running_children(job: Job) -> bool:
        return any(child.status in ("STARTING", "RUNNING") for child in job.children)

    def _record(self, job: Job, history: dict) -> None:
        job.status, job.reason = history["status"], history.get("statusReason")
        job.created_at = history.get("createdAt", self.now)
        job.started_at, job.stopped_at = history.get("startedAt"), history.get("stoppedAt", job.created_at)
        job.attempts = history.get("attempts") or []  # history.split's own copies (or made there)
        if job.size:
            self._record_children(job, {child["index"]: child for child in history.get("children") or ()})
        if job.attempts and history.get("logs"):
            stream = job.attempts[-1]["container"].setdefault(
                "logStreamName", f"{job.definition.name}/default/{uuid4_hex(self.random)}")
            self._write_stream(job, stream, history["logs"], job.attempts[-1].get("startedAt") or job.created_at,
                               recorded=True)

    def _record_children(self, parent: Job, recorded: dict) -> None:
        """A recorded array's children: those the history holds as recorded, the rest with the parent's
        status and times (a history without children says only how the array ended)."""
        if not recorded:
            parent.summary[parent.status] = parent.size
            return
        parent.children = []
        for index in range(parent.size):
            child = Job(f"{parent.id}:{index}", f"{parent.arn}:{index}", parent.name, parent.queue,
                        parent.definition, parent.request, parent.created_at, parent=parent, index=index)
            state = recorded.get(index) or {"status": parent.status, "statusReason": parent.reason,
                                             "startedAt": parent.started_at, "stoppedAt": parent.stopped_at}
            self._record(child, {"createdAt": parent.created_at, **{k: v for k, v in state.items() if v is not None}})
            self._add(child)
            parent.children.append(child)
            parent.summary[child.status] += 1

    # -- logs ------------------------------------------------------------------------

    def _write_logs(self, job: Job, lines) -> None:
        """Every attempt gets a stream in CloudWatch Logs (moto's), like the awslogs driver."""
        self._write_stream(job, job.current["container"]["logStreamName"], lines, self.now)

    def _write_stream(self, job: Job, stream_name: str, lines, at: int, recorded: bool = False) -> None:
        options = (job.container.get("logConfiguration") or {}).get("options") or {}
        group_name = options.get("awslogs-group", LOG_GROUP)
        looked_up = self.__dict__.get("_looked_up")
        logs = looked_up["logs"] if looked_up else self.backend.logs_backend
        group = logs.groups.get(group_name) or logs.create_log_group(group_name, {})
        if recorded:  # a seed's history: thousands of new streams, made without moto's per-call costs
            return new_stream(group, stream_name, lines or (), at, looked_up and looked_up["now"])
        if stream_name not in group.streams:
            group.create_log_stream(stream_name)
        if lines:
            events = [line if isinstance(line, dict) else {"timestamp": at + i, "message": line}
                      for i, line in enumerate(lines)]
            group.streams[stream_name].put_log_events(events)


def uuid4_hex(rng) -> str:
    """``rng.uuid4().hex`` (moto's: ``UUID(int=rng.getrandbits(128), version=4)``), the same draw, without
    building a UUID (~2 us: seeding makes two a job)."""
    return (rng.getrandbits(128) & _UUID_KEEP | _UUID_V4).to_bytes(16, "big").hex()  # "%032x" takes 1.7x as long


def uuid4_text(rng) -> str:
    """``str(rng.uuid4())``: uuid4_hex's draw in the 8-4-4-4-12 form."""
    text = uuid4_hex(rng)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_UUID_KEEP = ~((0xC000 << 48) | (0xF000 << 64))  # uuid.UUID(version=4): the variant and version bits cleared,
_UUID_V4 = (0x8000 << 48) | (4 << 76)  # then set to RFC 4122's variant and version 4


def _glob(pattern, value: str) -> bool:
    return pattern is None or fnmatchcase(value, pattern)
