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


from . import instances, nodes as node_ranges
from .faults import Faults
from .moto_adapter import random

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
    faults: Faults = field(default_factory=Faults)  # the LocalBatch's: capacity and Spot reclaims


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
    reclaim_at: int | None = None  # simulated ms: a Spot instance reclaimed then (Faults.spot)

    def room_for(self, need) -> bool:
        return all(used + asked <= total for used, asked, total in zip(self.used, need, self.size))

    @property
    def size(self) -> tuple:
        return self.vcpus, self.memory, self.gpus

    @property
    def free_vcpus(self) -> float:
        return self.vcpus - self.used[0]

    def take(self, job, need) -> None:
        self.used = [used + asked for used, asked in zip(self.used, need)]
        self.jobs.add(job)
        self.idle_since = None

    def give_back(self, job, need, now: int) -> None:
        self.used = [used - asked for used, asked in zip(self.used, need)]
        self.jobs.discard(job)
        if job in self.waiting:
            self.waiting.remove(job)
        if not self.jobs:
            self.idle_since = now


def need_of(job) -> tuple:
    return job.vcpus, job.memory, job.gpus


class Fleet:
    """What an environment can run and what it runs now; `blocked` says why a job can never run here.

    Totals are kept as jobs come and go (never summed over instances), so a placement costs the
    same with 1 instance or 1,000."""

    def __init__(self, env, now: int, settings, rng=random):
        self.env, self.settings = env, settings
        self.random = rng  # the lifecycle's: instance ids replay the same (state.py)
        self.instances: dict[Instance, None] = {}  # in launch order
        self.used_vcpus = 0.0  # reserved or running
        self.desired_vcpus = 0.0  # of the instances running or launching

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

    def take(self, job, instance: Instance, whole: bool = False) -> None:
        """Room for the job on the instance; `whole`: all of it (a node of a multi-node parallel job:
        "single-tenant", nothing is packed beside it)."""
        if whole:
            need = instance.size
            instance.held = True
        else:
            need = need_of(job)
        instance.take(job, need)
        self.used_vcpus += need[0]

    def release(self, job, instance: Instance, now: int) -> None:
        if instance.held:
            need = instance.size
            instance.held = False
        else:
            need = need_of(job)
        instance.give_back(job, need, now)
        self.used_vcpus -= need[0]

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


class Instances(Fleet):
    """MANAGED EC2 and SPOT: instances of the environment's types, launched and packed.

    A job goes to the instance with the fewest free vCPUs that still has room for it (best fit:
    instances are filed by free vCPUs, so the search looks at few of them), else to a new one."""

    def __init__(self, env, now: int, settings, rng=random):
        super().__init__(env, now, settings, rng)
        self.by_free: dict[float, dict[Instance, None]] = {}  # free vCPUs -> those instances, oldest first
        self.idle: dict[Instance, None] = {}  # instances without jobs, in the order they became idle
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
        for free in sorted(free for free in self.by_free if free >= need[0]):  # packed onto what runs or launches
            for instance in self.by_free[free]:
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
        found = [i for i in self.idle if i.type == kind.name][:count]
        more = count - len(found)
        if more:
            others = [i for i in self.idle if i.type != kind.name]
            over = self.desired_vcpus + more * kind.vcpus - self.max_vcpus
            if over > sum(i.vcpus for i in others):
                return None
            if self.settings.faults.capacity_fails(kind.name):
                raise InsufficientCapacity(kind.name)
            for instance in others:  # idle instances of other types make room, as the service replaces them
                if over <= 0:
                    break
                self.terminate(instance)
                over -= instance.vcpus
            found += [self._launch(kind, now) for _ in range(more)]
        return found

    def take(self, job, instance: Instance, whole: bool = False) -> None:
        self._unfile(instance)
        self.idle.pop(instance, None)
        super().take(job, instance, whole)
        self._file(instance)

    def release(self, job, instance: Instance, now: int) -> None:
        self._unfile(instance)
        super().release(job, instance, now)
        if instance in self.instances:  # not reclaimed meanwhile
            self._file(instance)
            if not instance.jobs:
                self.idle[instance] = None

    def _file(self, instance: Instance) -> None:
        self.by_free.setdefault(instance.free_vcpus, {})[instance] = None

    def _unfile(self, instance: Instance) -> None:
        filed = self.by_free.get(instance.free_vcpus)
        if filed is not None and filed.pop(instance, 0) is None and not filed:
            del self.by_free[instance.free_vcpus]

    def _launch(self, kind, now: int) -> Instance:
        if self.settings.faults.capacity_fails(kind.name):
            raise InsufficientCapacity(kind.name)
        instance = Instance(f"i-{self.random.get_random_hex(17)}", kind.name, kind.vcpus, kind.usable_memory,
                            kind.gpus, now + int(self.settings.launch_seconds * 1000),
                            self.resources.get("type") == "SPOT", idle_since=now)
        self.instances[instance] = None
        self.idle[instance] = None
        self.desired_vcpus += instance.vcpus
        self._file(instance)
        return instance

    def scale_down(self, now: int) -> int | None:
        idle_ms = int(self.settings.idle_seconds * 1000)
        floor = float(self.resources.get("minvCpus", 0))
        for instance in list(self.idle):  # the longest idle first
            due = instance.idle_since + idle_ms
            if due > now:
                return due
            if self.desired_vcpus - instance.vcpus >= floor:
                self.terminate(instance)
        return None

    def terminate(self, instance: Instance) -> None:
        """A reclaimed host: gone, with whatever ran on it (the lifecycle stops those attempts)."""
        if self.instances.pop(instance, 0) is None:
            self._unfile(instance)
            self.idle.pop(instance, None)
            self.desired_vcpus -= instance.vcpus


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
        task = Instance(f"fargate-{self.random.get_random_hex(12)}", "FARGATE", vcpus, memory, 0, now)
        self.instances[task] = None
        self.desired_vcpus += vcpus
        return task

    def release(self, job, instance: Instance, now: int) -> None:
        super().release(job, instance, now)
        del self.instances[instance]
        self.desired_vcpus -= instance.vcpus


class Pool(Fleet):
    """UNMANAGED: instances someone else runs; as many vCPUs as ``unmanagedvCpus`` says (unlimited if unset)."""

    def __init__(self, env, now: int, settings, rng=random):
        super().__init__(env, now, settings, rng)
        vcpus = float(getattr(env, "unmanaged_vcpus", None) or UNLIMITED)
        self.pool = Instance("unmanaged", "UNMANAGED", vcpus, UNLIMITED, 1 << 30, now)
        self.instances = {self.pool: None}

    @property
    def max_vcpus(self) -> float:
        return self.pool.vcpus

    def blocked(self, job) -> str | None:
        return "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE" if job.vcpus > self.max_vcpus else None

    def place(self, job, now: int) -> Instance | None:
        return self.pool if self.pool.room_for(need_of(job)) else None

    def take(self, job, instance: Instance, whole: bool = False) -> None:
        super().take(job, instance, whole)
        self.desired_vcpus = self.used_vcpus

    def release(self, job, instance: Instance, now: int) -> None:
        super().release(job, instance, now)
        self.desired_vcpus = self.used_vcpus


class InsufficientCapacity(Exception):
    """EC2 could not launch an instance of this type (a capacity fault)."""

    def __init__(self, instance_type: str):
        super().__init__(instance_type)
        self.instance_type = instance_type


def fleet_for(env, now: int, settings, rng=random) -> Fleet:
    if env.env_type != "MANAGED":
        return Pool(env, now, settings, rng)
    kind = (env.compute_resources or {}).get("type", "EC2")
    return Tasks(env, now, settings, rng) if kind.startswith("FARGATE") else Instances(env, now, settings, rng)
