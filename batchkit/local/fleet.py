"""The capacity of one compute environment, as AWS Batch manages it: instances, Fargate tasks or a pool.

A job asks for vCPUs, memory (MiB) and GPUs.  MANAGED EC2/SPOT environments
launch instances of their ``instanceTypes`` (ready ``launch_seconds`` later),
never beyond ``maxvCpus``, and pack jobs onto them by all three; an instance
left idle for ``idle_seconds`` is terminated, down to ``minvCpus``.  FARGATE
environments run each job as a task sized to it (Fargate's valid vCPU/memory
combinations), UNMANAGED ones take jobs up to ``unmanagedvCpus``.
`place` reserves room for a job (on a ready instance, or on one still
launching), `release` gives it back; the lifecycle asks in its queue order.
A multi-node parallel job's nodes are placed together or not at all
(`place_nodes`): one instance each ("Multi-node parallel job nodes are
single-tenant"), all of one type, in one environment, on EC2 On-Demand only
(the user guide's "Compute environment considerations for MNP": not on
UNMANAGED environments, not on Spot; Fargate does not run them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from moto.moto_api._internal import mock_random

from . import instances, nodes as node_ranges

UNLIMITED = float("inf")
# Fargate's task sizes: vCPUs -> the memory (MiB) a task of that size may have
FARGATE = {0.25: (512, 1024, 2048), 0.5: tuple(range(1024, 4097, 1024)), 1: tuple(range(2048, 8193, 1024)),
           2: tuple(range(4096, 16385, 1024)), 4: tuple(range(8192, 30721, 1024)),
           8: tuple(range(16384, 61441, 4096)), 16: tuple(range(32768, 122881, 8192))}


@dataclass
class Settings:
    """How long AWS takes: an instance to launch, a new image to pull, an idle instance to go."""

    launch_seconds: float = 120.0
    pull_seconds: float = 20.0
    idle_seconds: float = 300.0
    capacity_fault: Callable[[str], bool] = lambda instance_type: False  # Faults.capacity


@dataclass(eq=False)
class Instance:
    """An EC2 instance of an environment (or, for Fargate and unmanaged pools, the room a job runs in)."""

    id: str
    type: str
    vcpus: float
    memory: float
    gpus: int
    ready_at: int  # simulated ms: launching until then
    spot: bool = False
    used: list = field(default_factory=lambda: [0.0, 0, 0])  # vCPUs, MiB, GPUs reserved or running
    jobs: set = field(default_factory=set)
    waiting: list = field(default_factory=list)  # jobs reserved while it launches
    images: set = field(default_factory=set)  # pulled already: later jobs start faster
    idle_since: int | None = None
    held: bool = False  # all of it taken by one job (a node of a multi-node parallel job)

    def room_for(self, need) -> bool:
        return all(used + asked <= total for used, asked, total in zip(self.used, need, self.size))

    @property
    def size(self) -> tuple:
        return self.vcpus, self.memory, self.gpus

    def take(self, job, need) -> None:
        self.used = [used + asked for used, asked in zip(self.used, need)]
        self.jobs.add(job)
        self.idle_since = None

    def hold(self, job) -> None:
        """The whole instance for one job: nothing else is packed beside it."""
        self.take(job, self.size)
        self.held = True

    def give_back(self, job, need, now: int) -> None:
        if self.held:
            need, self.held = self.size, False
        self.used = [used - asked for used, asked in zip(self.used, need)]
        self.jobs.discard(job)
        if job in self.waiting:
            self.waiting.remove(job)
        if not self.jobs:
            self.idle_since = now


def need_of(job) -> tuple:
    return job.vcpus, job.memory, job.gpus


class Fleet:
    """What an environment can run and what it runs now; `blocked` says why a job can never run here."""

    def __init__(self, env, now: int, settings):
        self.env, self.settings = env, settings
        self.instances: list[Instance] = []

    @property
    def resources(self) -> dict:
        return self.env.compute_resources or {}

    @property
    def max_vcpus(self) -> float:
        return float(self.resources.get("maxvCpus", UNLIMITED))

    def blocked(self, job) -> str | None:
        return None

    def place(self, job, now: int) -> Instance | None:
        raise NotImplementedError

    def release(self, job, instance: Instance, now: int) -> None:
        instance.give_back(job, need_of(job), now)

    def blocked_nodes(self, nodes: list) -> str | None:
        """Why a multi-node parallel job can never run here: only managed EC2 On-Demand environments run them."""
        return "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"

    def place_nodes(self, nodes: list, now: int) -> list[Instance] | None:
        """An instance for each node, all reserved at once, or None."""
        return None

    def top_up(self, now: int, vcpus: float | None = None) -> None:
        """Launch instances up to minvCpus or `vcpus` (only instance fleets have any to launch)."""

    def scale_down(self, now: int) -> int | None:
        """Terminate what has idled long enough; when to look again (ms), if ever."""
        return None

    @property
    def desired_vcpus(self) -> float:
        return sum(i.vcpus for i in self.instances)

    @property
    def used_vcpus(self) -> float:
        return sum(i.used[0] for i in self.instances)


class Instances(Fleet):
    """MANAGED EC2 and SPOT: instances of the environment's types, launched and packed."""

    def __init__(self, env, now: int, settings):
        super().__init__(env, now, settings)
        self.top_up(now)

    @property
    def types(self) -> list:
        return instances.candidates(tuple(self.resources.get("instanceTypes") or ("optimal",)))

    def top_up(self, now: int, vcpus: float | None = None) -> None:
        """Run at least minvCpus (or `vcpus`, an UpdateComputeEnvironment's desiredvCpus), in the smallest type."""
        target = max(float(self.resources.get("minvCpus", 0)), vcpus or 0)
        smallest = min(self.types, key=lambda t: (t.vcpus, t.memory), default=None)
        while smallest and self.desired_vcpus + smallest.vcpus <= target:
            self._launch(smallest, now)

    def blocked(self, job) -> str | None:
        vcpus, memory, gpus = need_of(job)
        if vcpus > self.max_vcpus:
            return "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
        if not any(t.fits(vcpus, memory, gpus) for t in self.types):
            return "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"
        return None

    def place(self, job, now: int) -> Instance | None:
        need = need_of(job)
        if self.used_vcpus + need[0] > self.max_vcpus:  # the environment supports maxvCpus of jobs
            return None
        for instance in self.instances:  # packed onto what runs or launches already, oldest first
            if instance.room_for(need):
                return instance
        if self.desired_vcpus + need[0] > self.max_vcpus:
            return None
        # the smallest type that fits: AWS may exceed maxvCpus by this one instance (botocore's docs)
        fitting = [t for t in self.types if t.fits(*need)]
        return self._launch(min(fitting, key=lambda t: (t.vcpus, t.memory, t.gpus)), now) if fitting else None

    def blocked_nodes(self, nodes: list) -> str | None:
        if self.resources.get("type") == "SPOT":
            return "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"
        kind = self._node_kind(nodes)
        if kind is None:
            return "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"
        if len(nodes) * kind.vcpus > self.max_vcpus:
            return "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
        return None

    def _node_kind(self, nodes: list):
        """The one instance type a job's nodes run on: the one they name, or else the smallest type of the
        environment that fits the largest node."""
        need = [max(values) for values in zip(*(need_of(node) for node in nodes))]
        named = node_ranges.instance_type(nodes)
        fitting = [t for t in self.types if t.fits(*need) and named in (None, t.name)]
        return min(fitting, key=lambda t: (t.vcpus, t.memory, t.gpus), default=None)

    def place_nodes(self, nodes: list, now: int) -> list[Instance] | None:
        kind, count = self._node_kind(nodes), len(nodes)
        if self.used_vcpus + count * kind.vcpus > self.max_vcpus:
            return None
        found = [i for i in self.instances if not i.jobs and i.type == kind.name][:count]
        more = count - len(found)
        if more:
            idle = [i for i in self.instances if not i.jobs and i.type != kind.name]
            over = self.desired_vcpus + more * kind.vcpus - self.max_vcpus
            if over > sum(i.vcpus for i in idle):
                return None
            if self.settings.capacity_fault(kind.name):
                raise InsufficientCapacity(kind.name)
            for instance in idle:  # idle instances of other types make room, as the service replaces them
                if over <= 0:
                    break
                self.instances.remove(instance)
                over -= instance.vcpus
            found += [self._launch(kind, now) for _ in range(more)]
        return found

    def _launch(self, kind, now: int) -> Instance:
        if self.settings.capacity_fault(kind.name):
            raise InsufficientCapacity(kind.name)
        instance = Instance(f"i-{mock_random.get_random_hex(17)}", kind.name, kind.vcpus, kind.usable_memory,
                            kind.gpus, now + int(self.settings.launch_seconds * 1000),
                            self.resources.get("type") == "SPOT", idle_since=now)
        self.instances.append(instance)
        return instance

    def scale_down(self, now: int) -> int | None:
        idle_ms = int(self.settings.idle_seconds * 1000)
        floor = float(self.resources.get("minvCpus", 0))
        later = None
        for instance in list(self.instances):
            if instance.jobs or instance.idle_since is None:
                continue
            due = instance.idle_since + idle_ms
            if due <= now and self.desired_vcpus - instance.vcpus >= floor:
                self.instances.remove(instance)
            elif due > now:
                later = due if later is None else min(later, due)
        return later

    def terminate(self, instance: Instance) -> None:
        """A reclaimed host: gone, with whatever ran on it (the lifecycle stops those attempts)."""
        if instance in self.instances:
            self.instances.remove(instance)


class Tasks(Fleet):
    """MANAGED FARGATE and FARGATE_SPOT: a task per job, sized to it, up to maxvCpus in all."""

    def blocked(self, job) -> str | None:
        vcpus, memory, gpus = need_of(job)
        if vcpus > self.max_vcpus:
            return "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
        if gpus or memory not in FARGATE.get(vcpus, ()):
            return "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"
        return None

    def place(self, job, now: int) -> Instance | None:
        vcpus, memory, _ = need_of(job)
        if self.used_vcpus + vcpus > self.max_vcpus:
            return None
        task = Instance(f"fargate-{mock_random.get_random_hex(12)}", "FARGATE", vcpus, memory, 0, now)
        self.instances.append(task)
        return task

    def release(self, job, instance: Instance, now: int) -> None:
        super().release(job, instance, now)
        self.instances.remove(instance)


class Pool(Fleet):
    """UNMANAGED: instances someone else runs; as many vCPUs as ``unmanagedvCpus`` says (unlimited if unset)."""

    def __init__(self, env, now: int, settings):
        super().__init__(env, now, settings)
        vcpus = float(getattr(env, "unmanaged_vcpus", None) or UNLIMITED)
        self.instances = [Instance("unmanaged", "UNMANAGED", vcpus, UNLIMITED, 1 << 30, now)]

    @property
    def max_vcpus(self) -> float:
        return self.instances[0].vcpus

    def blocked(self, job) -> str | None:
        return "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE" if job.vcpus > self.max_vcpus else None

    def place(self, job, now: int) -> Instance | None:
        pool = self.instances[0]
        return pool if pool.room_for(need_of(job)) else None

    @property
    def desired_vcpus(self) -> float:
        return self.used_vcpus


class InsufficientCapacity(Exception):
    """EC2 could not launch an instance of this type (a capacity fault)."""

    def __init__(self, instance_type: str):
        super().__init__(instance_type)
        self.instance_type = instance_type


def fleet_for(env, now: int, settings) -> Fleet:
    if env.env_type != "MANAGED":
        return Pool(env, now, settings)
    kind = (env.compute_resources or {}).get("type", "EC2")
    return Tasks(env, now, settings) if kind.startswith("FARGATE") else Instances(env, now, settings)
