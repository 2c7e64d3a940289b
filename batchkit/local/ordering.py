"""The queue order, the scheduler's first piece: which RUNNABLE job of a queue is tried next.

One ordering per job queue, behind one small interface the lifecycle uses
(`Lifecycle._place`, `front_of_queue`): `push` a job that became RUNNABLE,
`next` the job to try now (None: nothing can go now), `take` it once bound,
`skip` its share when it is blocked, `front` for GetJobQueueSnapshot, and
hooks for a job's share (`admit`, `submitted`, `released`, `finished`).

- `Fifo`: a queue without a scheduling policy, "scheduled in a first-in,
  first-out (FIFO) model" (CreateJobQueue); a blocked head holds up the queue.
- `FairShare`: a queue with a fair-share scheduling policy.  The user guide
  ("Use share identifiers to identify workloads"): the scheduler "tracks usage
  for each share identifier by using the (T * weightFactor) formula, where T is
  the vCPU usage over time" and "picks jobs with the lowest usage"; within a
  share, "jobs with a higher scheduling priority are scheduled first".  T here
  is the share's vCPU-seconds, each weighing exp(-age / shareDecaySeconds) (0:
  600 s, botocore's FairsharePolicy doc), plus a second's worth of what it runs
  now (so shares that consumed alike balance the instant they start).  A share
  that has not run lately can so "temporarily use more compute resources than
  the weight for that share identifier would allow" (the user guide's tutorial).
  computeReservation keeps (computeReservation/100)^ActiveFairShares of the
  queue's maximum vCPUs for share identifiers not yet active.  A job that can
  never run (a MISCONFIGURATION reason) holds up its own share only; a job
  that waits for room holds up the queue, as on a FIFO queue (otherwise the
  share with the lowest usage would starve behind smaller jobs of others).

Costs follow events: per-share heaps, a scan of the shares that have jobs
waiting per dispatch (at most 500 are active per queue), never of stored jobs.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

DEFAULT_DECAY_SECONDS = 600  # botocore: shareDecaySeconds 0 "indicates the default minimum time window (600 seconds)"
RUNNING_SECONDS = 1.0  # what a share runs now counts as this much usage on top of what it consumed
MAX_ACTIVE_SHARES = 500  # CreateJobQueue: "a maximum of 500 active share identifiers"
TOP_SHARES = 20  # FairshareUtilizationDetail.topCapacityUtilization: "the top 20 shares"


class Fifo:
    """First in, first out: a deque of (job, version, eligible at); stale entries are dropped when met."""

    head_blocks = True  # a blocked job at the head holds up every job behind it

    def __init__(self):
        self.waiting: deque = deque()

    def __bool__(self) -> bool:
        return bool(self.waiting)

    def push(self, job, eligible: int) -> None:
        self.waiting.append((job, job.version, eligible))

    def next(self, now: int, skipped=None):
        waiting = self.waiting
        while waiting:
            job, version, eligible = waiting[0]
            if job.version != version:  # cancelled or terminated while queued
                waiting.popleft()
                continue
            return job if eligible <= now else None
        return None

    def take(self, job, now: int) -> None:
        self.waiting.popleft()

    def skip(self, job, skipped):
        return skipped

    def front(self, now: int, limit: int) -> list[tuple]:
        front = []
        for job, version, eligible in self.waiting:
            if job.version == version:
                front.append((job, eligible))
                if len(front) == limit:
                    break
        return front

    # a FIFO queue has no shares
    def admit(self, share: str, now: int) -> None:
        pass

    def submitted(self, job, now: int) -> None:
        pass

    def released(self, job, now: int) -> None:
        pass

    def finished(self, job, now: int) -> None:
        pass

    def utilization(self, now: int):
        return None


class Share:
    """One share identifier of a fair-share queue: its waiting jobs and its usage."""

    __slots__ = ("name", "waiting", "vcpus", "bound", "history", "since", "unfinished")

    def __init__(self, name: str, now: int):
        self.name = name
        self.waiting: list = []  # heap of (-schedulingPriority, seq, job, version, eligible at)
        self.vcpus = 0.0  # vCPUs of its jobs bound now (STARTING, RUNNING, or reserved on a launching instance)
        self.bound = 0  # those jobs
        self.history = 0.0  # vCPU-seconds consumed, decayed, as of `since`
        self.since = now
        self.unfinished = 0  # jobs SUBMITTED .. RUNNING

    def consumed(self, now: int, decay: float) -> float:
        """vCPU-seconds consumed up to `now`, each second weighing exp(-age / decay)."""
        elapsed = (now - self.since) / 1000
        if elapsed <= 0:
            return self.history
        kept = math.exp(-elapsed / decay)
        return self.history * kept + self.vcpus * decay * (1 - kept)

    def usage(self, now: int, decay: float, extra: float = 0.0) -> float:
        """T: what it consumed (decayed), and what it runs now as a second's worth (which balances the shares
        that have consumed alike, at the instant they start)."""
        return self.consumed(now, decay) + (self.vcpus + extra) * RUNNING_SECONDS

    def settle(self, now: int, decay: float) -> None:
        self.history, self.since = self.consumed(now, decay), now

    def head(self, now: int):
        """(seq, job) first in line in this share if it may go now; stale entries dropped."""
        waiting = self.waiting
        while waiting:
            _, seq, job, version, eligible = waiting[0]
            if job.version != version:
                heapq.heappop(waiting)
                continue
            return (seq, job) if eligible <= now else None
        return None

    def in_order(self):
        """Its current entries in dispatch order, without popping them (a walk of the heap)."""
        waiting = self.waiting
        if not waiting:
            return
        frontier = [(waiting[0], 0)]
        while frontier:
            entry, index = heapq.heappop(frontier)
            if entry[2].version == entry[3]:
                yield entry
            for child in (2 * index + 1, 2 * index + 2):
                if child < len(waiting):
                    heapq.heappush(frontier, (waiting[child], child))


class FairShare:
    """A queue with a fair-share scheduling policy: the share with the lowest T * weightFactor goes next."""

    head_blocks = False  # a blocked job holds up its share; the other shares go on

    def __init__(self, lifecycle, queue):
        self.lifecycle, self.queue = lifecycle, queue  # the policy is read on use: it may be updated or replaced
        self.shares: dict[str, Share] = {}
        self.ready: set[str] = set()  # shares with jobs waiting
        self.vcpus = 0.0  # bound now, all shares
        self.seq = 0
        self.busy = 0  # shares with unfinished jobs
        self.using = 0  # shares with jobs bound now
        self.cooling: dict[str, int] = {}  # share -> when it went idle: active for the decay window after
        self.cooled: deque = deque()  # (went idle at, share), oldest first
        self._weights = (None, {})  # (the policy dict they were read from, share -> weightFactor)

    # -- the policy --------------------------------------------------------------------

    @property
    def policy(self) -> dict:
        found = self.lifecycle.backend._scheduling_policies.get(self.queue.schedule_policy)
        return (found.fairshare_policy if found is not None else None) or {}

    def decay(self, policy: dict) -> float:
        return float(policy.get("shareDecaySeconds") or DEFAULT_DECAY_SECONDS)

    def weight(self, name: str, policy: dict) -> float:
        """The share's weightFactor: its own entry, else a matching prefix* entry, else 1.0 (ShareAttributes)."""
        seen, weights = self._weights
        if seen is not policy:
            weights = {}
            self._weights = (policy, weights)
        if name not in weights:
            found = 1.0
            for entry in policy.get("shareDistribution") or ():
                identifier = entry.get("shareIdentifier", "")
                if identifier == name or (identifier.endswith("*") and name.startswith(identifier[:-1])):
                    found = float(entry.get("weightFactor") or 1.0)
                    if identifier == name:
                        break
            weights[name] = found
        return weights[name]

    # -- shares: active or not ---------------------------------------------------------------

    def share(self, name: str, now: int) -> Share:
        share = self.shares.get(name)
        if share is None:
            share = self.shares[name] = Share(name, now)
        return share

    def active(self, now: int) -> int:
        """Shares with jobs SUBMITTED to RUNNING, or that had some within the decay window (user guide)."""
        return self.busy + self._cooling(now)

    def _cooling(self, now: int) -> int:
        """Shares whose last job finished less than the decay window ago."""
        window = self.decay(self.policy) * 1000
        cooled, cooling = self.cooled, self.cooling
        while cooled and cooled[0][0] + window <= now:
            at, name = cooled.popleft()
            if cooling.get(name) == at:
                del cooling[name]
        return len(cooling)

    def admit(self, name: str, now: int) -> None:
        """A job that would add a 501st active share identifier fails (CreateJobQueue's doc)."""
        from . import rules

        share = self.shares.get(name)
        is_active = share is not None and (share.unfinished or name in self.cooling)
        if not is_active and self.active(now) >= MAX_ACTIVE_SHARES:
            rules.fail(f"Job queue {self.queue.name} already has {MAX_ACTIVE_SHARES} active share identifiers: "
                       f"jobs with a new share identifier ({name}) cannot be submitted until one is inactive")

    def submitted(self, job, now: int) -> None:
        share = self.share(job.share, now)
        if not share.unfinished:
            self.busy += 1
            self.cooling.pop(share.name, None)
        share.unfinished += 1

    def finished(self, job, now: int) -> None:
        share = self.shares.get(job.share)
        if share is None or not share.unfinished:
            return
        share.unfinished -= 1
        if not share.unfinished:
            self.busy -= 1
            self.cooling[share.name] = now
            self.cooled.append((now, share.name))

    # -- the interface ---------------------------------------------------------------------

    def __bool__(self) -> bool:
        return bool(self.ready)

    def push(self, job, eligible: int) -> None:
        share = self.share(job.share, self.lifecycle.now)
        self.seq += 1
        heapq.heappush(share.waiting, (-(job.priority or 0), self.seq, job, job.version, eligible))
        self.ready.add(share.name)

    def next(self, now: int, skipped=None):
        policy = self.policy
        decay = self.decay(policy)
        best = best_key = None
        for name in list(self.ready):
            if skipped and name in skipped:
                continue
            share = self.shares[name]
            head = share.head(now)
            if head is None:
                if not share.waiting:
                    self.ready.discard(name)
                continue
            key = (share.usage(now, decay) * self.weight(name, policy), head[0])
            if best_key is None or key < best_key:
                best, best_key = head[1], key
        if best is None or not self._room(best, now, policy):
            return None
        return best

    def _room(self, job, now: int, policy: dict) -> bool:
        """computeReservation: (computeReservation/100)^ActiveFairShares of the maximum vCPUs stay free "for
        share identifiers that aren't already used".  The active shares counted are those using capacity now
        or lately (within the decay window), and the job's own: a share not using any yet may take the room
        kept for it (its first jobs are RUNNABLE a moment after it became active by SUBMITTED ones)."""
        reservation = policy.get("computeReservation") or 0
        if not reservation:
            return True
        fleet = self.lifecycle.fleet
        capacity = sum(fleet(env).max_vcpus for env in self.queue.environments if env.state == "ENABLED")
        if math.isinf(capacity):
            return True
        active = self.using + self._cooling(now) + (0 if self.shares[job.share].bound else 1)
        reserved = capacity * (reservation / 100) ** active
        return self.vcpus + job.vcpus <= capacity - reserved

    def take(self, job, now: int) -> None:
        share = self.shares[job.share]
        heapq.heappop(share.waiting)  # `next` returned its head
        if not share.waiting:
            self.ready.discard(share.name)
        share.settle(now, self.decay(self.policy))
        if not share.bound:
            self.using += 1
        share.bound += 1
        share.vcpus += job.vcpus
        self.vcpus += job.vcpus

    def released(self, job, now: int) -> None:
        share = self.shares.get(job.share)
        if share is None or not share.bound:
            return
        share.settle(now, self.decay(self.policy))
        share.vcpus = max(0.0, share.vcpus - job.vcpus)
        share.bound -= 1
        if not share.bound:
            self.using -= 1
        self.vcpus = max(0.0, self.vcpus - job.vcpus)

    def skip(self, job, skipped):
        """Its share waits until the next pass; the others go on."""
        return (skipped or set()) | {job.share}

    def front(self, now: int, limit: int) -> list[tuple]:
        """The next `limit` jobs as the scheduler would dispatch them if room came: each pick adds its
        vCPUs to its share's usage (a merge of the shares' heaps, without changing them)."""
        policy = self.policy
        decay = self.decay(policy)
        walks, picks = {}, []
        for name in self.ready:
            walk = self.shares[name].in_order()
            first = next(walk, None)
            if first is not None:
                walks[name] = [walk, first, 0.0]
                picks.append(self._pick_key(name, first, 0.0, now, decay, policy))
        heapq.heapify(picks)
        front = []
        while picks and len(front) < limit:
            _, _, name = heapq.heappop(picks)
            walk, entry, extra = walks[name]
            job = entry[2]
            front.append((job, entry[4]))
            extra += job.vcpus
            following = next(walk, None)
            if following is not None:
                walks[name] = [walk, following, extra]
                heapq.heappush(picks, self._pick_key(name, following, extra, now, decay, policy))
        return front

    def _pick_key(self, name, entry, extra, now, decay, policy) -> tuple:
        usage = self.shares[name].usage(now, decay, extra) * self.weight(name, policy)
        return (usage, entry[1], name)

    def utilization(self, now: int) -> dict:
        """FairshareUtilizationDetail: shares using capacity now, the top 20 by vCPUs."""
        using = sorted((s for s in self.shares.values() if s.bound), key=lambda s: (-s.vcpus, s.name))
        return {"activeShareCount": len(using),
                "topCapacityUtilization": [{"shareIdentifier": s.name,
                                            "capacityUsage": [{"capacityUnit": "VCPU", "quantity": s.vcpus}]}
                                           for s in using[:TOP_SHARES]]}


def ordering_for(lifecycle, queue):
    """The queue order a job queue gets: fair share with a scheduling policy, else FIFO."""
    return FairShare(lifecycle, queue) if getattr(queue, "schedule_policy", None) else Fifo()
