"""Each queue's jobs by status, so that ListJobs for a status reads only the jobs in it.

Lists hold a queue's own jobs (not array children) in submission order (`Job.position`,
the job's place in `Lifecycle.by_queue`).  A job that leaves a status stays in its
list until the list is compacted (when more than half of it has left): removing
from the front of a 100,000-job list would move the rest every time.  Readers
skip entries whose job is in another status now (`current`).  After a restore the
finished jobs' lists are shared with the snapshot (they are its largest part and
rarely change): each is copied before its first change.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import attrgetter

from .job import FINISHED

position = attrgetter("position")


def current(status: str):
    """The test a list's readers apply: is the job still in the list's status?"""
    return lambda job: job.status == status


class StatusIndex:
    def __init__(self, lists: dict | None = None, shared: set | None = None):
        self.lists: dict[tuple[str, str], list] = lists or {}  # (queue ARN, status) -> jobs, some gone since
        self.gone: dict[tuple[str, str], int] = {}  # how many in each list have left its status
        self.shared = shared or set()  # keys whose list is the snapshot's: copy before changing

    def jobs(self, queue_arn: str, status: str) -> list:
        """The queue's jobs in `status`, in submission order, with some that have left it (see `current`)."""
        return self.lists.get((queue_arn, status), [])

    def add(self, job) -> None:
        key = (job.queue.arn, job.status)
        jobs = self._own(key)
        if not jobs or jobs[-1].position < job.position:  # the newest job in it: most often
            jobs.append(job)
            return
        at = bisect_left(jobs, job.position, key=position)
        if at < len(jobs) and jobs[at] is job:  # back in a status it had left (a retry): its entry is still there
            self.gone[key] -= 1
        else:
            jobs.insert(at, job)

    def remove(self, job) -> None:
        """`job` leaves its status (call before changing it)."""
        key = (job.queue.arn, job.status)
        gone = self.gone[key] = self.gone.get(key, 0) + 1
        jobs = self.lists[key]
        if gone > len(jobs) // 2 + 32:
            status = job.status
            self._own(key)[:] = [other for other in jobs if other.status == status and other is not job]
            self.gone[key] = 0

    def _own(self, key) -> list:
        if key in self.shared:
            self.shared.discard(key)
            self.lists[key] = list(self.lists[key])
        return self.lists.setdefault(key, [])

    # -- snapshots (snapshot.py) ----------------------------------------------------------

    def frozen(self, memo: dict) -> dict:
        """The lists as a snapshot keeps them: only current entries, unfinished jobs replaced by the
        snapshot's copies."""
        return {key: [memo.get(id(job), job) for job in jobs if job.status == key[1]] for key, jobs in self.lists.items()}

    @staticmethod
    def restored(lists: dict, memo: dict) -> StatusIndex:
        """From a snapshot's lists: the finished ones shared, the others with this restore's copies."""
        shared = {key for key in lists if key[1] in FINISHED}
        return StatusIndex({key: jobs if key in shared else [memo[id(job)] for job in jobs]
                            for key, jobs in lists.items()}, shared)
