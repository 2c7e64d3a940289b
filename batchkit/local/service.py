"""moto's Batch backend with the service's rules and a real job lifecycle.

moto keeps the compute environments, queues, definitions, tags and ARNs; this
subclass adds what the API reference says and moto does not do, and hands
jobs to the `Lifecycle`.  Each LocalBatch has a `Runtime` (clock, faults, lock,
strictness) and an AWS account of its own: moto keeps its backends per account,
so any number of LocalBatches live side by side in one process.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import types

from . import nodes, references, rules
from .moto_adapter import (BATCH_URL_BASES, DEFAULT_ACCOUNT_ID, BatchBackend, ComputeEnvironment, account_backends,
                           batch_backends, forget, untrack)
from .calls import Call, Calls
from .lifecycle import Lifecycle
from .store import Store


class Runtime:
    """What a running LocalBatch shares with every request: clock, faults, lock, settings."""

    def __init__(self, account: str, clock, faults, outcomes, strict: bool = False, executor: str = "simulated",
                 settings=None):
        self.account, self.clock, self.faults, self.outcomes = account, clock, faults, outcomes
        self.settings = settings  # fleet.Settings: launch, image pull and idle times
        self.strict, self.executor = strict, executor
        self.lock = threading.RLock()  # one request or tick at a time: nobody sees torn state
        self.backends: dict[tuple[str, str], LocalBatchBackend] = {}
        self.calls = Calls()
        self.moto_handler = None  # what moto's own routing calls for this account (LocalBatch sets it)
        self.journal = None  # state=: persistence.Journal, which every change is written to
        self._quiet = self._frozen = 0

    @contextlib.contextmanager
    def quietly(self):
        with self.lock:
            self._quiet += 1
        try:
            yield
        finally:
            with self.lock:
                self._quiet -= 1

    @property
    def recording(self) -> bool:
        return not self._quiet

    def record(self, operation: str, params: dict, status: int, answer, request_size: int | None = None) -> None:
        if not self._quiet:
            self.calls.add(Call(operation, params, status, answer if isinstance(answer, str) else answer.decode()),
                           request_size)

    def reinstall(self) -> None:
        for (account, region), backend in self.backends.items():
            batch_backends[account][region] = backend

    def backend(self, region: str) -> "LocalBatchBackend":
        key = (self.account, region)
        if key not in self.backends:
            # moto builds ours for this account too (its CloudFormation may create Batch resources in a
            # region no Batch request has used yet): take that one if it exists
            regions = batch_backends[self.account]
            regions.backend = LocalBatchBackend
            backend = dict.get(regions, region)
            if not isinstance(backend, LocalBatchBackend):
                backend = regions[region] = LocalBatchBackend(region, self.account)
            if self.backends:  # a region or account first used later starts at the same time
                backend.lifecycle.now = max(b.lifecycle.now for b in self.backends.values())
            self.backends[key] = backend
        return self.backends[key]

    @contextlib.contextmanager
    def frozen(self):
        """Realtime clocks stand still meanwhile (seeding happens before the clock's start)."""
        self._frozen += 1
        try:
            yield
        finally:
            self._frozen -= 1

    def catch_up(self) -> None:
        """Realtime clocks: bring every lifecycle up to the current simulated time."""
        if not self.clock.manual and not self._frozen:
            now, started = self.clock.now(), time.perf_counter()
            ran = self.journal is not None and sum(backend.lifecycle.instants for backend in self.backends.values())
            for backend in self.backends.values():
                backend.lifecycle.advance_to(now)
            if ran is not False and ran != sum(backend.lifecycle.instants for backend in self.backends.values()):
                # a step that moved something: replay takes the same steps
                self.journal.note("clock", time.perf_counter() - started, t=now)

    def uninstall(self) -> None:
        regions = batch_backends[self.account]
        regions.backend = BatchBackend  # moto's own again, for whoever uses this account next
        for region in [r for r, b in dict.items(regions) if isinstance(b, LocalBatchBackend)]:
            del regions[region]
        self.backends.clear()


FIRST_ACCOUNT = int(DEFAULT_ACCOUNT_ID)  # moto's default: ARNs look like those of moto's own tests
_runtimes: dict[str, Runtime] = {}  # account -> the running LocalBatch's runtime
_registry = threading.Lock()


def free_account(requested: str | None = None) -> str:
    """`requested` if no LocalBatch uses it, else the first free account from moto's default on."""
    with _registry:
        if requested is not None:
            if not re.fullmatch(r"\d{12}", requested):
                raise ValueError(f"account must be 12 digits, not {requested!r}")
            if requested in _runtimes:
                raise ValueError(f"account {requested} is taken by another running LocalBatch")
            return requested
        number = FIRST_ACCOUNT
        while f"{number:012d}" in _runtimes:
            number += 1
        return f"{number:012d}"


def activate(runtime: Runtime) -> None:
    with _registry:
        if runtime.account in _runtimes:
            raise ValueError(f"account {runtime.account} is taken by another running LocalBatch")
        _runtimes[runtime.account] = runtime


def deactivate(runtime: Runtime) -> None:
    with _registry:
        if _runtimes.get(runtime.account) is runtime:
            runtime.uninstall()
            for service, region, backend in account_backends(runtime.account):
                forget(service, region, backend)  # the next LocalBatch in this account starts clean
            untrack(runtime.account)
            del _runtimes[runtime.account]


def runtime_of(account: str) -> Runtime:
    """The runtime of the LocalBatch that owns `account` (requests carry it in a header)."""
    try:
        return _runtimes[account]
    except KeyError:
        raise RuntimeError(f"no LocalBatch is running for account {account}") from None


class LocalBatchBackend(BatchBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        runtime = runtime_of(account_id)
        seed = runtime.journal.seed_for(region_name) if runtime.journal is not None else None  # replayable ids
        self.lifecycle = Lifecycle(self, runtime.clock.now(), runtime.outcomes, runtime.executor, runtime.settings, seed)
        self.store = Store(self)  # the kinds moto lacks (service environments, service jobs, ...)

    @property
    def _url_module(self):
        """moto routes requests for this account here (its CloudFormation, a mock_aws started meanwhile)."""
        handler = runtime_of(self.account_id).moto_handler
        return types.SimpleNamespace(url_bases=BATCH_URL_BASES, url_paths={"{0}/.*$": handler})

    @property
    def strict(self) -> bool:
        return runtime_of(self.account_id).strict

    def reset(self) -> None:
        """Only `fresh()` starts over: a moto mock started elsewhere in the process resets every
        backend of every account, and must not wipe a running LocalBatch."""

    def fresh(self) -> None:
        super().reset()

    # -- compute environments --------------------------------------------------

    def create_environment(self, request: dict) -> ComputeEnvironment:
        name = rules.name("computeEnvironmentName", request.get("computeEnvironmentName"))
        if self.get_compute_environment_by_name(name) is not None:
            rules.fail(f"A compute environment already exists with the name {name}")
        kind, state = request.get("type"), request.get("state", "ENABLED")
        if kind not in ("MANAGED", "UNMANAGED"):
            rules.fail(f"type {kind} must be one of MANAGED | UNMANAGED")
        if state not in ("ENABLED", "DISABLED"):
            rules.fail(f"state {state} must be one of ENABLED | DISABLED")
        resources = request.get("computeResources")
        if kind == "MANAGED" and not resources:
            rules.fail("computeResources must be specified when creating a MANAGED compute environment")
        if kind == "MANAGED" and resources.get("type") in ("EC2", "SPOT") and not resources.get("instanceRole"):
            rules.fail("Error executing request, Exception : Instance role is required.")
        rules.instance_types(resources)
        references.check(self, request.get("serviceRole"), resources, self.strict)
        env = ComputeEnvironment(name, kind, state, resources, request.get("serviceRole"), self.account_id, self.region_name)
        env.unmanaged_vcpus = request.get("unmanagedvCpus")
        if request.get("tags"):
            self.tag_resource(env.arn, request["tags"])
        cluster = self.ecs_backend.create_cluster(f"AWSBatch-{name}")  # where the service runs its jobs
        env.set_ecs(cluster.arn, cluster.name)
        self._compute_environments[env.arn] = env
        self.lifecycle.fleet(env)  # its minvCpus launch now
        return env

    def create_compute_environment(self, compute_environment_name, _type, state, compute_resources, service_role,
                                   tags=None):
        """moto's signature, which its CloudFormation models call: the API's rules apply there too."""
        return self.create_environment({
            "computeEnvironmentName": compute_environment_name, "type": _type, "state": state,
            "computeResources": compute_resources, "serviceRole": service_role, "tags": tags,
        })

    def update_compute_environment(self, compute_environment_name, state, compute_resources, service_role):
        env = self.find_environment(compute_environment_name)
        if state is not None and state not in ("ENABLED", "DISABLED"):
            rules.fail(f"state {state} must be one of ENABLED | DISABLED")
        if compute_resources:
            rules.instance_types(compute_resources)
            if compute_resources.get("instanceRole"):  # before anything changes: strict rejects a missing one
                references.check(self, None, {"instanceRole": compute_resources["instanceRole"]}, self.strict)
            merged = {**(env.compute_resources or {}), **compute_resources}
            low, high = merged.get("minvCpus", 0), merged.get("maxvCpus", 0)
            if env.env_type == "MANAGED" and not 0 <= low <= merged.get("desiredvCpus", low) <= high:
                rules.fail("computeResources: minvCpus <= desiredvCpus <= maxvCpus must hold")
            env.compute_resources = merged
            if compute_resources.get("desiredvCpus") is not None or "minvCpus" in compute_resources:
                # launches what the new desired or minimum asks for; idle ones go again in time
                self.lifecycle.fleet(env).top_up(self.lifecycle.now, compute_resources.get("desiredvCpus"))
                self.lifecycle.capacity_changed()
        if service_role is not None:
            references.check(self, service_role, None, self.strict)
            env.service_role = service_role
        if service_role is not None or (compute_resources or {}).get("instanceRole"):
            runtime_of(self.account_id).faults.valid(env.name)  # the role that made it INVALID is replaced
        if state is not None:
            env.state = state
        self.lifecycle.wake()
        return env.name, env.arn

    def delete_compute_environment(self, compute_environment_name: str) -> None:
        env = self.find_environment(compute_environment_name)
        if env.state == "ENABLED":
            rules.fail(f"Cannot delete compute environment {env.name}: it is ENABLED; disable it first")
        if any(env in queue.environments for queue in self._job_queues.values()):
            rules.fail(f"Cannot delete compute environment {env.name}: found existing JobQueue relationship")
        del self._compute_environments[env.arn]
        if env.ecs_name in self.ecs_backend.clusters:  # a moto mock started elsewhere clears ECS, not us
            self.ecs_backend.delete_cluster(env.ecs_name)

    # -- job queues --------------------------------------------------------------

    def create_job_queue(self, queue_name, priority, schedule_policy, state, compute_env_order, tags=None):
        rules.name("jobQueueName", queue_name)
        for item in compute_env_order or ():  # moto reports these as "malformed"
            if isinstance(item, dict):
                self.find_environment(item.get("computeEnvironment"))
        if schedule_policy is not None:
            schedule_policy = self.find_policy(schedule_policy).arn
        return super().create_job_queue(queue_name, priority, schedule_policy, state or "ENABLED",
                                        compute_env_order, tags)

    def update_job_queue(self, queue_name, priority, state, compute_env_order, schedule_policy):
        queue = self.find_queue(queue_name)
        if schedule_policy is not None:
            # CreateJobQueue: "After a job queue has a fair-share scheduling policy, it can be replaced but can't be
            # removed" and "A job queue without a fair-share scheduling policy ... can't have [one] added"
            if not queue.schedule_policy:
                rules.fail(f"Job queue {queue.name} is a FIFO job queue: it can't have a fair-share scheduling "
                           "policy added")
            if not schedule_policy:
                rules.fail(f"Job queue {queue.name} has a fair-share scheduling policy: it can be replaced but "
                           "can't be removed")
            schedule_policy = self.find_policy(schedule_policy).arn
        if compute_env_order:  # moto only resolves ARNs here; the service takes names too
            compute_env_order = [
                {**item, "computeEnvironment": getattr(self.get_compute_environment(item.get("computeEnvironment", "")), "arn", item.get("computeEnvironment"))}
                for item in compute_env_order
            ]
        result = super().update_job_queue(queue.name, priority, state, compute_env_order, schedule_policy)
        self.lifecycle.wake()
        return result

    def delete_job_queue(self, queue_name: str) -> None:
        queue = self.find_queue(queue_name)
        if queue.state == "ENABLED":
            rules.fail(f"Cannot delete job queue {queue.name}: it is ENABLED; disable it first")
        del self._job_queues[queue.arn]
        self.lifecycle.orders.pop(queue.arn, None)  # a queue made later under this name starts afresh

    # -- scheduling policies (fair share: ordering.FairShare reads them) ---------------------------

    def create_policy(self, request: dict):
        name = request.get("name")
        if any(policy.name == name for policy in self._scheduling_policies.values()):
            rules.fail(f"Scheduling policy {name} already exists")
        fairshare = rules.fairshare_policy(request)
        return super().create_scheduling_policy(name, fairshare, request.get("tags"))

    def update_policy(self, request: dict) -> None:
        policy = self.find_policy(request.get("arn"), exact=True)
        if request.get("quotaSharePolicy") is not None:
            rules.fail("Once set during creation, a fairsharePolicy cannot be removed or changed to a quotaSharePolicy")
        policy.fairshare_policy = rules.fairshare_policy(request)
        self.lifecycle.wake()  # new weights or reservation: look again

    def delete_policy(self, arn: str) -> None:
        users = sorted(q.name for q in self._job_queues.values() if q.schedule_policy and q.schedule_policy == arn)
        if users:
            rules.fail(f"Cannot delete scheduling policy {arn}: it is used by job queue(s) {', '.join(users)}")
        self.delete_scheduling_policy(arn)

    def find_policy(self, identifier, exact: bool = False):
        """A scheduling policy by ARN (or, leniently, by name or by the name in another account's ARN,
        as seeds written for moto's default account give it), or the service's ClientException."""
        identifier = identifier or ""
        policy = self._scheduling_policies.get(identifier)
        if policy is None and not exact and not self.strict:
            name = identifier.rsplit("scheduling-policy/", 1)[-1]
            policy = next((p for p in self._scheduling_policies.values() if p.name == name), None)
        if policy is None:
            rules.fail(f"Scheduling policy {identifier} does not exist")
        return policy

    # -- job definitions -----------------------------------------------------------

    def register_job_definition(self, def_name, *args, **kwargs):
        rules.name("jobDefinitionName", def_name)
        rules.retry_strategy(kwargs.get("retry_strategy"))
        rules.timeout(kwargs.get("timeout"))
        rules.tags(kwargs.get("tags"))  # moto's JobDefinition tags itself, past tag_resource
        nodes.check_definition(kwargs.get("_type"), kwargs.get("node_properties"), kwargs.get("container_properties"),
                               kwargs.get("eks_properties"), kwargs.get("platform_capabilities"))
        definition = super().register_job_definition(def_name, *args, **kwargs)
        if definition.node_properties is not None:  # moto's new revision keeps the last one's containerProperties
            definition.container_properties = None
        return definition

    def job_definitions(self, name=None, identifiers=None, status=None) -> list:
        """DescribeJobDefinitions' selection: by name, by name:revision or ARN, by status."""
        if identifiers:
            found = []
            for identifier in identifiers:
                if ":" in identifier and not identifier.startswith("arn:"):
                    found.append(self.get_job_definition_by_name_revision(*identifier.split(":", 1)))
                else:
                    found.extend(self.get_job_definitions(identifier))
            definitions = [d for d in found if d is not None]
        elif name:
            definitions = self.get_job_definitions(name)
        else:
            definitions = list(self._job_definitions.values())
        return [d for d in definitions if status is None or d.status == status]

    # -- tags: a resource's tags may be shared with a snapshot (snapshot.py), so they are
    # copied before they change ------------------------------------------------------

    def untag_resource(self, resource_arn, tag_keys):
        self._own_tags(resource_arn)
        return super().untag_resource(resource_arn, tag_keys)

    def _own_tags(self, arn) -> None:
        tags = self.tagger.tags
        if arn in tags:
            tags[arn] = dict(tags[arn])

    # -- jobs ----------------------------------------------------------------------

    def submit(self, request: dict, history: dict | None = None):
        rules.name("jobName", request.get("jobName"))
        rules.retry_strategy(request.get("retryStrategy"))
        rules.timeout(request.get("timeout"))
        rules.tags(request.get("tags"))  # before the lifecycle has the job
        # a seed's jobs recorded in bulk (Lifecycle.recording): the queues and definitions stay put meanwhile
        looked_up = self.lifecycle.__dict__.get("_looked_up")
        found = looked_up["found"] if looked_up else None
        queue = found.get(request.get("jobQueue")) if found is not None else None
        if queue is None:
            queue = self.find_queue(request.get("jobQueue"))
            if found is not None:
                found[request.get("jobQueue")] = queue
        if queue.state != "ENABLED" and history is None:  # a seed's jobs with ids were submitted while it was enabled
            rules.fail(f"Job queue {queue.name} is DISABLED: jobs cannot be submitted to it")
        if history is None or "status" not in history:  # SubmitJob's shareIdentifier: "Don't specify this parameter if the job queue doesn't
            # have a fair-share scheduling policy. If the job queue has a fair-share scheduling policy, then this
            # parameter must be specified."
            if queue.schedule_policy and request.get("shareIdentifier") is None:
                rules.fail(f"Job queue {queue.name} has a fair-share scheduling policy: a shareIdentifier must be "
                           "specified")
            if not queue.schedule_policy and request.get("shareIdentifier") is not None:
                rules.fail(f"Job queue {queue.name} doesn't have a fair-share scheduling policy: don't specify a "
                           "shareIdentifier")
        known = ("definition", request.get("jobDefinition"), history is not None)
        definition = found.get(known) if found is not None else None
        if definition is None:
            definition = self.get_job_definition(request.get("jobDefinition") or "")
            if definition is None and history is not None:  # a revision of another account's history
                definition = self.get_job_definition(request["jobDefinition"].rsplit(":", 1)[0])
            if found is not None and definition is not None:
                found[known] = definition
        if definition is None or (definition.status != "ACTIVE" and history is None):
            rules.fail(f"Job definition {request.get('jobDefinition')} does not exist")
        job = self.lifecycle.submit(request, queue, definition, history)
        if request.get("tags"):
            self.tag_resource(job.arn, request["tags"])
        return job

    def find_environment(self, identifier):
        """A compute environment by name or ARN, or the service's ClientException."""
        env = self.get_compute_environment(identifier or "")
        if env is None:
            rules.fail(f"Compute environment {identifier} does not exist")
        return env

    def find_queue(self, identifier):
        """A job queue by name or ARN, or the service's ClientException."""
        queue = self.get_job_queue(identifier or "")
        if queue is None:
            rules.fail(f"Job queue {identifier} does not exist")
        return queue

    def tag_resource(self, resource_arn: str, tags: dict) -> None:
        """Every kind's tags pass here (TagResource too), but for moto's job definitions."""
        rules.tags(tags, self.list_tags_for_resource(resource_arn))
        self._own_tags(resource_arn)
        super().tag_resource(resource_arn, tags)
