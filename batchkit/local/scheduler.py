"""Where a RUNNABLE job runs: the scheduler's filter and choice, in the shape of Kubernetes' framework.

The lifecycle brings jobs in each queue's order (ordering.py: first in, first
out, or fair share; higher-priority queues first) and binds what this returns.  `place` filters the
queue's ENABLED compute environments to those that could ever run the job,
then chooses the first in the queue's order with room now: an instance that
runs or launches (`Fleet.place`).  When none could ever run it, the job is
blocked and says why with the codes AWS Batch puts in ``statusReason`` (the
user guide's "Jobs stuck in a RUNNABLE status"); a blocked job at the head of
a FIFO queue holds up the jobs behind it, as on AWS (on a fair-share queue,
those of its share).  A multi-node parallel job is
placed all or nothing: every node on an instance of its own in one environment
(`Fleet.blocked_nodes`, `Fleet.place_nodes`); it waits RUNNABLE until they all fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fleet import Fleet, InsufficientCapacity

MESSAGES = {
    "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT":
        "The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the "
        "job queue.",
    "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE":
        "CE(s) associated with the job queue cannot meet the CPU requirement of the job.",
    "ACTION_REQUIRED": "CE(s) associated with the job queue are invalid.",
    "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY": "Service cannot fulfill the capacity requested for instance type {}",
}


@dataclass(frozen=True)
class Blocked:
    code: str
    detail: str = ""

    @property
    def reason(self) -> str:
        return f"{self.code} - {MESSAGES[self.code].format(self.detail)}"


def place(queue, job, now: int, fleet_of) -> tuple | Blocked | None:
    """(environment, instance) with room for the job, why it is `Blocked`, or None: it waits for room.
    For a multi-node parallel job: (environment, [an instance per node])."""
    if queue.environments and all(getattr(env, "status", "VALID") == "INVALID" for env in queue.environments):
        return Blocked("ACTION_REQUIRED")
    refusals, fits_somewhere, gang = [], False, job.nodes is not None
    for env in (env for env in queue.environments
                if env.state == "ENABLED" and getattr(env, "status", "VALID") != "INVALID"):
        fleet: Fleet = fleet_of(env)
        code = fleet.blocked_nodes(job.nodes) if gang else fleet.blocked(job)  # the filter: could it ever run here?
        if code is not None:
            refusals.append(Blocked(code))
            continue
        try:
            # the choice: room now, on a running or a new instance (for every node at once)
            instance = fleet.place_nodes(job.nodes, now) if gang else fleet.place(job, now)
        except InsufficientCapacity as exc:
            refusals.append(Blocked("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY", exc.instance_type))
            continue
        if instance is not None:
            return env, instance
        fits_somewhere = True  # once running jobs end (the next environment in order may have room)
    if fits_somewhere or not refusals:
        return None
    codes = [r.code for r in refusals]
    for code in ("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY", "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"):
        if code in codes:
            return refusals[codes.index(code)]
    return refusals[0]  # every environment's maxvCpus is below what the job asks
