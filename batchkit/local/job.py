"""One job as the service records it: request, effective settings, status, attempts."""

from __future__ import annotations

import copy

from . import rules
from .rules import STATUSES

FINISHED = ("SUCCEEDED", "FAILED")


def _merge_named(base: list, overrides: list, key: str) -> list:
    merged = {item[key]: item for item in base or ()}
    merged.update({item[key]: item for item in overrides or ()})
    return list(merged.values())


def _overridden(base: dict | None, overrides: dict | None, merged_by: dict) -> dict:
    """`base` with `overrides` applied: the lists named in `merged_by` merged item by item (by
    the key it gives), every other member replaced."""
    result = dict(base or {})
    for key, value in (overrides or {}).items():
        result[key] = _merge_named(result.get(key), value, merged_by[key]) if key in merged_by else value
    return result


def merge_container(base: dict | None, overrides: dict | None) -> dict:
    """Container properties with containerOverrides applied (environment by name, resources by type)."""
    return _overridden(base, overrides, {"environment": "name", "resourceRequirements": "type"})


def container_of(definition, overrides: dict | None) -> dict:
    """The definition's container properties with the job's containerOverrides applied; without
    overrides, the definition's own dict (a job never changes its container: one object fewer per
    job for the cyclic collector to walk)."""
    if not overrides and definition.container_properties:
        return definition.container_properties
    return merge_container(definition.container_properties, overrides)


def eks_of(definition, overrides: dict | None) -> dict | None:
    """The definition's eksProperties with the job's eksPropertiesOverride applied: a container
    override names its container (or, without a name, takes the one at its position); its env
    is merged by name, image, command, args and resources replace the definition's."""
    pod_overrides = (overrides or {}).get("podProperties")
    if not definition.eks_properties or not pod_overrides:
        return definition.eks_properties
    pod = dict(definition.eks_properties.get("podProperties") or {})
    for kind in ("containers", "initContainers"):
        if not pod_overrides.get(kind):
            continue
        containers = pod[kind] = list(pod.get(kind) or ())
        for position, override in enumerate(pod_overrides[kind]):
            name = override.get("name")
            at = next((i for i, c in enumerate(containers) if c.get("name") == name), None) if name else position
            if at is None or at >= len(containers):
                rules.fail(f"eksPropertiesOverride: the job definition has no {kind[:-1]} {name or f'at position {position}'}")
            containers[at] = _overridden(containers[at], override, {"env": "name"})
    if pod_overrides.get("metadata"):
        pod["metadata"] = {**(pod.get("metadata") or {}), **pod_overrides["metadata"]}
    return {**definition.eks_properties, "podProperties": pod}


def requirement(container: dict, kind: str, legacy: str, cast):
    for item in container.get("resourceRequirements") or ():
        if item.get("type") == kind:
            return cast(item["value"])
    value = container.get(legacy)
    return cast(value) if value is not None else cast(0)


def requirements(container: dict) -> tuple:
    """(vCPUs, memory in MiB, GPUs) of a container.  The last container's are kept: jobs without
    overrides share their definition's container (`container_of`), which never changes, and a seed's
    thousands of jobs come a definition at a time."""
    global _last_requirements
    last = _last_requirements  # one tuple: another thread replaces it whole
    if last[0] is not container:
        last = _last_requirements = (container, (requirement(container, "VCPU", "vcpus", float),
                                                 requirement(container, "MEMORY", "memory", int),
                                                 requirement(container, "GPU", "gpus", int)))
    return last[1]


_last_requirements: tuple = (None, ())


class Job:
    """A job (or array parent, or array child, or a multi-node parallel job or one of its nodes)."""

    __slots__ = (
        "id", "arn", "name", "queue", "definition", "request", "created_at", "status", "reason",
        "started_at", "stopped_at", "attempts", "current", "container", "parameters", "timeout",
        "retry", "vcpus", "memory", "parent", "index", "size", "children", "summary",
        "depends", "waiting", "dependents", "dependency_failed", "version", "env", "plan", "eks", "frozen",
        "gpus", "instance", "blocked", "position", "share", "priority", "node_props", "nodes", "node_of",
        "node_index",
    )

    def __init__(self, job_id, arn, name, queue, definition, request, now, parent=None, index=None,
                 node_of=None, node_index=None, container=None):
        self.id, self.arn, self.name = job_id, arn, name
        self.queue, self.definition, self.request = queue, definition, request
        self.created_at, self.status, self.reason = now, "SUBMITTED", None
        self.started_at = self.stopped_at = None
        # attempts, children, depends and dependents start as the shared empty tuple: most jobs never
        # have some of them, and every list a stored job keeps is walked by each full collection
        self.attempts: list[dict] | tuple = ()
        self.current: dict | None = None  # the running attempt: its start, outcome, task ids, stream
        self.container = container_of(definition, request.get("containerOverrides")) if container is None else container
        self.eks = eks_of(definition, request.get("eksPropertiesOverride"))
        self.parameters = {**(definition.parameters or {}), **(request.get("parameters") or {})}
        self.timeout = request.get("timeout") or definition.timeout or None
        self.retry = request.get("retryStrategy") or definition.retry_strategy or None
        self.vcpus, self.memory, self.gpus = requirements(self.container)
        self.parent, self.index = parent, index
        self.size = (request.get("arrayProperties") or {}).get("size") if parent is None else None
        self.children: list[Job] | tuple = ()
        self.summary = dict.fromkeys(STATUSES, 0) if self.size else None
        self.depends: list[tuple[Job, str | None]] | tuple = ()
        self.waiting = 0  # unfinished dependencies
        self.dependents: list[Job] | tuple = ()
        self.dependency_failed = False
        self.version = 0  # bumped on every status change: stale events and queue entries are skipped
        self.env = None  # the compute environment the current attempt runs on
        self.plan = None  # how the current attempt ends: (exit code, container reason, status reason)
        self.frozen = False  # finished when a snapshot was taken: shared by the snapshot's restores
        self.instance = None  # where it runs, or is reserved while the instance launches (fleet.py)
        self.blocked = None  # (code, since): why it cannot run, at the head of its queue
        self.position = None  # its place among its queue's jobs, for ListJobs (array children have none)
        self.share = request.get("shareIdentifier")  # its share of a fair-share queue (ordering.py)
        # SubmitJob's schedulingPriorityOverride "overrides any scheduling priority in the job definition"
        self.priority = request.get("schedulingPriorityOverride", getattr(definition, "scheduling_priority", None))
        # a multi-node parallel job: its nodeProperties (numNodes overridden) and its node jobs once RUNNABLE;
        # a node: its job and index (nodes.py)
        self.node_props = self.nodes = None
        self.node_of, self.node_index = node_of, node_index

    def __deepcopy__(self, memo):
        if self.frozen:
            return self
        copied = memo[id(self)] = Job.__new__(Job)
        for name in Job.__slots__:
            setattr(copied, name, copy.deepcopy(getattr(self, name), memo))
        return copied

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def settled(self) -> bool:
        """Finished for good: a node of an unfinished job may run again when its job is retried."""
        return self.status in FINISHED and (self.node_of is None or self.node_of.status in FINISHED)

    @property
    def is_main_node(self) -> bool:
        return self.node_of is not None and self.node_index == self.node_of.node_props["mainNode"]

    @property
    def attempt_limit(self) -> int:
        return int((self.retry or {}).get("attempts") or 1)

    def summary_dict(self) -> dict:
        result = {
            "jobArn": self.arn, "jobId": self.id, "jobName": self.name, "createdAt": self.created_at,
            "status": self.status, "jobDefinition": self.definition.arn,
        }
        if self.share is not None:
            result["shareIdentifier"] = self.share
        self._times(result)
        if self.attempts and "exitCode" in self.attempts[-1]["container"]:
            container = self.attempts[-1]["container"]
            result["container"] = {k: container[k] for k in ("exitCode", "reason") if k in container}
        if self.size:
            result["arrayProperties"] = {"size": self.size}
        elif self.index is not None:
            result["arrayProperties"] = {"index": self.index}
        if self.node_props is not None:
            result["nodeProperties"] = {"numNodes": self.node_props["numNodes"]}
        elif self.node_of is not None:
            result["nodeProperties"] = {"isMainNode": self.is_main_node, "numNodes": self.node_of.node_props["numNodes"],
                                        "nodeIndex": self.node_index}
        return result

    def detail(self, tags: dict) -> dict:
        request = self.request
        result = {
            "jobArn": self.arn, "jobName": self.name, "jobId": self.id, "jobQueue": self.queue.arn,
            "status": self.status, "attempts": [dict(a) for a in self.attempts],
            "createdAt": self.created_at, "dependsOn": list(request.get("dependsOn") or ()),
            "jobDefinition": self.definition.arn, "parameters": dict(self.parameters),
            "tags": tags, "propagateTags": bool(request.get("propagateTags", self.definition.propagate_tags)),
            "platformCapabilities": list(self.definition.platform_capabilities or ()),
        }
        self._times(result)
        for key, value in (("retryStrategy", self.retry), ("timeout", self.timeout)):
            if value:
                result[key] = value
        if self.share is not None:
            result["shareIdentifier"] = self.share
        if self.priority is not None:
            result["schedulingPriority"] = self.priority
        if self.definition.container_properties is not None or self.node_of is not None:
            result["container"] = self._container_detail()
        if self.node_props is not None:  # the job's, numNodes overridden; its nodes are jobs of their own
            result["nodeProperties"] = self.node_props
        elif self.node_of is not None:
            result["nodeDetails"] = {"nodeIndex": self.node_index, "isMainNode": self.is_main_node}
        if self.eks:
            result["eksProperties"] = self.eks
        if self.size:
            result["arrayProperties"] = {"statusSummary": dict(self.summary), "size": self.size}
        elif self.index is not None:
            result["arrayProperties"] = {"index": self.index}
        return result

    def _times(self, result: dict) -> None:
        for key, value in (("statusReason", self.reason), ("startedAt", self.started_at), ("stoppedAt", self.stopped_at)):
            if value is not None:
                result[key] = value

    def _container_detail(self) -> dict:
        container = {k: v for k, v in self.container.items() if v is not None}
        latest = self.current or (self.attempts[-1] if self.attempts else None)
        if latest is not None:
            container.update(latest["container"])
        return container
