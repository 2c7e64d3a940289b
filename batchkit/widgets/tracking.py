"""What a job monitor knows, refreshed with as few API calls as possible.

The first refresh lists every job of each queue in one pass (ListJobs with an
AFTER_CREATED_AT filter sees every status at once: a listing per status would
miss a job that moves to an already-listed status in between).  Later ones ask
each queue only for jobs created since the newest one seen and describe only
the jobs that have not finished (a finished job never changes) and array
parents not yet described (their children are counted by status).
"""

from __future__ import annotations

import threading

from .. import catalog
from ..jobs import first_starts

FINISHED = ("SUCCEEDED", "FAILED")


def _array_parent(job: dict) -> bool:
    array = job.get("arrayProperties") or {}
    return "size" in array and "index" not in array


def _since(created_at: int) -> list[dict]:
    return [{"name": "AFTER_CREATED_AT", "values": [str(created_at)]}]


class JobTracker:
    def __init__(self, b, queues=None):
        self.b = b
        self.queues = [queues] if isinstance(queues, str) else (list(queues) if queues else None)
        self.jobs: dict[str, dict] = {}  # job id -> the latest summary or description
        self.described: set[str] = set()  # ids whose full description has been merged
        self.stale: set[str] = set()  # described ids whose status a later listing changed
        self.newest: dict[str, int] = {}  # queue -> newest createdAt seen
        self.first_start: dict[str, int] = {}  # array parent -> its first child's start (never changes once known)
        self.lock = threading.Lock()
        self._list = catalog.operation("ListJobs")
        self._describe = catalog.operation("DescribeJobs")

    def queue_names(self) -> list[str]:
        if self.queues is None:
            self.queues = list(self.b.queues()["jobQueueName"])
        return self.queues

    def refresh(self) -> None:
        queues = self.queue_names()
        first = not self.newest
        requests = [{"jobQueue": q, "filters": _since(0 if first else self.newest[q] - 1)} for q in queues]
        listed = self.b.map(lambda r: (r["jobQueue"], self.b.pages(self._list, dict(r))), requests)
        with self.lock:
            for queue, pages in listed:
                for page in pages:
                    for job in page.get("jobSummaryList", ()):
                        self._merge({**job, "jobQueue": job.get("jobQueue") or queue}, described=False)
                        self.newest[queue] = max(self.newest.get(queue, 0), job.get("createdAt") or 0)
                self.newest.setdefault(queue, 0)
            pending = [i for i, job in self.jobs.items() if (job.get("status") not in FINISHED and not first)
                       or (_array_parent(job) and i not in self.described) or i in self.stale]
        self.describe(pending)

    def describe(self, ids: list[str]) -> list[dict]:
        """Full descriptions of `ids` (100 a call), merged into what is known."""
        if not ids:
            return []
        jobs = [job for page in self.b.pages(self._describe, {"jobs": list(ids)}) for job in page.get("jobs", ())]
        starts = self._array_starts(jobs)
        with self.lock:
            for job in jobs:
                self._merge(job, described=True)
                if job["jobId"] in starts and not job.get("startedAt"):
                    self.jobs[job["jobId"]]["startedAt"] = starts[job["jobId"]]
        return jobs

    def _array_starts(self, described: list[dict]) -> dict[str, int]:
        """Array parents' starts where the service leaves them out: their first child's, as `b.jobs` shows
        them (so the row agrees with the card); looked up once per parent (ListJobs of its started children)."""
        asked = {j["jobId"]: j["arrayProperties"].get("statusSummary") for j in described
                 if _array_parent(j) and not j.get("startedAt") and j["jobId"] not in self.first_start}
        if asked:
            self.first_start.update(first_starts(self.b, asked))
        return self.first_start

    def _merge(self, job: dict, described: bool) -> None:
        job_id = job["jobId"]
        known = self.jobs.setdefault(job_id, {})
        if described:  # a description is the whole job; a summary updates part of it
            known.clear()
            self.described.add(job_id)
            self.stale.discard(job_id)
        elif job_id in self.described:
            if job.get("status") != known.get("status"):
                self.stale.add(job_id)  # described again this refresh: attempts, children, reason
            job = {**job, "arrayProperties": {**known.get("arrayProperties", {}), **job.get("arrayProperties", {})}}
        known.update(job)

    def frame(self):
        """The known jobs as DescribeJobs' frame (every column of the model), newest first."""
        with self.lock:
            records = list(self.jobs.values())
        df = self.b.frame(records, self._describe.row_shape)
        df = df.sort_values("createdAt", ascending=False, ignore_index=True, kind="stable")
        return self.b._label(df, self._describe.name)

    def counts(self):
        """Jobs per queue and status (every status a column); an array job counts as its children."""
        import pandas as pd

        statuses = list(self._list.member("jobStatus").enum)
        table = pd.DataFrame(0, index=pd.Index(self.queue_names(), name="queue"), columns=statuses)
        with self.lock:
            jobs = list(self.jobs.values())
        for job in jobs:
            queue = str(job.get("jobQueue") or "").rsplit("/", 1)[-1]
            if queue not in table.index:
                continue
            children = (job.get("arrayProperties") or {}).get("statusSummary") or {}
            for status, n in (children.items() if any(children.values()) else [(job.get("status"), 1)]):
                if status in table.columns:
                    table.loc[queue, status] += n
        return table
