"""What a job monitor knows, refreshed with as few API calls as possible.

The first refresh lists every job of the queues.  Later ones ask each queue
only for jobs created since the newest one seen (ListJobs' AFTER_CREATED_AT
filter, which covers every status) and describe only the jobs that have not
finished: a finished job never changes.
"""

from __future__ import annotations

import threading

from .. import catalog

FINISHED = ("SUCCEEDED", "FAILED")
COLUMNS = ("jobId", "jobName", "queue", "status", "statusReason", "createdAt", "startedAt", "stoppedAt",
           "exitCode", "arraySize", "arrayIndex")


def _record(job: dict, queue: str | None = None) -> dict:
    """A listing summary or a full description, as one monitor row."""
    array = job.get("arrayProperties") or {}
    return {
        "jobId": job["jobId"], "jobName": job.get("jobName"),
        "queue": queue or (job.get("jobQueue") or "").rsplit("/", 1)[-1] or None,
        "status": job.get("status"), "statusReason": job.get("statusReason"),
        "createdAt": job.get("createdAt"), "startedAt": job.get("startedAt"), "stoppedAt": job.get("stoppedAt"),
        "exitCode": (job.get("container") or {}).get("exitCode"),
        "arraySize": array.get("size"), "arrayIndex": array.get("index"),
        "statusSummary": array.get("statusSummary"),
    }


class JobTracker:
    def __init__(self, b, queues=None):
        self.b = b
        self.queues = [queues] if isinstance(queues, str) else (list(queues) if queues else None)
        self.jobs: dict[str, dict] = {}
        self.newest: dict[str, int] = {}  # queue -> newest createdAt seen
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
        if first:
            requests = [{"jobQueue": q, "jobStatus": s} for q in queues for s in self._list.member("jobStatus").enum]
        else:
            requests = [{"jobQueue": q, "filters": [{"name": "AFTER_CREATED_AT", "values": [str(self.newest[q] - 1)]}]}
                        for q in queues]
        listed = self.b.map(lambda r: (r["jobQueue"], self.b.pages(self._list, dict(r))), requests)
        with self.lock:
            for queue, pages in listed:
                for page in pages:
                    for job in page.get("jobSummaryList", ()):
                        self._merge(_record(job, queue))
                        self.newest[queue] = max(self.newest.get(queue, 0), job.get("createdAt") or 0)
                self.newest.setdefault(queue, 0)
            pending = [i for i, job in self.jobs.items() if job["status"] not in FINISHED]
        if pending and not first:
            described = self.b.pages(self._describe, {"jobs": pending})
            with self.lock:
                for page in described:
                    for job in page.get("jobs", ()):
                        self._merge(_record(job))

    def _merge(self, record: dict) -> None:
        known = self.jobs.get(record["jobId"])
        if known is None:
            self.jobs[record["jobId"]] = record
        else:
            known.update({k: v for k, v in record.items() if v is not None})

    def describe(self, job_id: str) -> dict:
        """One job's full description (for the detail pane), merged into what is known."""
        pages = self.b.pages(self._describe, {"jobs": [job_id]})
        jobs = [job for page in pages for job in page.get("jobs", ())]
        if jobs:
            with self.lock:
                self._merge(_record(jobs[0]))
        return jobs[0] if jobs else {}

    def frame(self):
        import pandas as pd

        with self.lock:
            rows = [{k: job.get(k) for k in COLUMNS} for job in self.jobs.values()]
        df = pd.DataFrame(rows, columns=list(COLUMNS))
        for column in ("createdAt", "startedAt", "stoppedAt"):
            df[column] = pd.to_datetime(pd.to_numeric(df[column], errors="coerce"), unit="ms", utc=True)
        for column in ("exitCode", "arraySize", "arrayIndex"):
            df[column] = pd.to_numeric(df[column], errors="coerce").astype("Int64")
        return df.sort_values("createdAt", ascending=False, ignore_index=True)

    def counts(self):
        """Jobs per queue and status (every status a column)."""
        df = self.frame()
        statuses = list(catalog.operation("ListJobs").member("jobStatus").enum)
        table = df.groupby(["queue", "status"]).size().unstack(fill_value=0) if len(df) else None
        import pandas as pd

        if table is None:
            return pd.DataFrame(0, index=pd.Index(self.queue_names(), name="queue"), columns=statuses)
        return table.reindex(index=self.queue_names(), columns=statuses, fill_value=0)
