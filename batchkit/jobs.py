"""Work on many jobs at once: fan-out listing, waiting, logs, cancel/terminate."""

from __future__ import annotations

import datetime
import fnmatch
import random
import re
import reprlib
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from . import catalog
from .errors import BatchError, WaitTimeout
from .frames import Raw, Related, flat_rows, parent_of, rows_frame
from .masking import known_secrets, mask_text
from .gcpause import gc_paused

FINISHED = ("SUCCEEDED", "FAILED")
DEFAULT_LOG_GROUP = "/aws/batch/job"


def statuses() -> tuple[str, ...]:
    """Every job status, in lifecycle order (from the model's JobStatus enum)."""
    return tuple(catalog.operation("ListJobs").member("jobStatus").enum)


IDS_EXPECTED = "a job id, a list of ids, or a DataFrame with a jobId column"


def job_ids(value, name: str = "job_ids") -> list[str]:
    """Job ids from a string, a list (tuple, set, Series, array) or a frame with a jobId column.

    Anything else is a one-line TypeError: `name` holds what (its type, a bounded repr), and what
    was expected."""
    if isinstance(value, pd.DataFrame) and "jobId" in value:
        value = value["jobId"]
    elif isinstance(value, str):
        value = value.replace(",", " ").split()
    elif isinstance(value, (pd.DataFrame, Mapping, bytes, bytearray)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} holds {_held(value)}; expected {IDS_EXPECTED}")
    ids = [str(v) for v in value if isinstance(v, str) and v]
    return list(dict.fromkeys(ids))


_SHORT = reprlib.Repr()  # bounded: a huge list or dict is not written out whole
_SHORT.maxstring = _SHORT.maxother = 40
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxset = _SHORT.maxtuple = 4
_SHORT.maxlevel = 2


def _held(value) -> str:
    """What a value is, in one short line: `None`, `5 (int)`, `a DataFrame without a jobId column (...)`."""
    if value is None:
        return "None"
    if isinstance(value, pd.DataFrame):
        columns = ", ".join(map(str, value.columns[:5])) + (", ..." if len(value.columns) > 5 else "")
        return f"a DataFrame without a jobId column (columns: {columns or 'none'})"
    shown = " ".join(_SHORT.repr(value).split())
    return f"{shown[:60] + '...' if len(shown) > 60 else shown} ({type(value).__name__})"


def _choose(values, allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = [values] if isinstance(values, str) else list(values)
    for value in chosen:
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}{catalog.suggest(value, allowed)}")
    return chosen


def timedelta(value) -> pd.Timedelta:
    """pd.Timedelta, reading '2d' as pandas 4 will only read '2D'."""
    return pd.Timedelta(re.sub(r"(?<=\d)d", "D", value) if isinstance(value, str) else value)


def _since(since) -> pd.Timestamp | None:
    """A cut-off time from a datetime, a timedelta or seconds ago, '2h'/'30m'/'1d', or an ISO date."""
    if since is None:
        return None
    now = pd.Timestamp.now(tz="UTC")
    if isinstance(since, datetime.datetime):
        since = pd.Timestamp(since)
    elif isinstance(since, (int, float)):
        since = pd.Timedelta(seconds=since)
    try:
        return now - timedelta(since)
    except (ValueError, TypeError):
        pass
    try:
        stamp = pd.Timestamp(since)
    except (ValueError, TypeError):
        raise ValueError(f"cannot read since={since!r}: give a time, a duration like '2h' or an ISO date") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _name_filter(name: str) -> dict | None:
    # ListJobs' JOB_NAME filter matches a name or a prefix ending in '*' only.
    if "*" in name[:-1] or "?" in name or "[" in name:
        return None
    return {"filters": [{"name": "JOB_NAME", "values": [name]}]}


@gc_paused
def listing(b, queue=None, status="ALL", name=None, since=None, detail=False, children=False):
    """Jobs across queues and statuses in one frame, listings fanned out in parallel.

    An array parent's ``startedAt``, where the service leaves it out, is its first child's start (the
    earliest listed child, else child 0); children listed with ``children=True`` carry their parent's queue."""
    order = statuses()
    wanted = list(order) if status in (None, "ALL") else _choose(status, order, "job status")
    cutoff = _since(since)
    if queue is None:
        queues = list(b.queues()["jobQueueName"])
    else:
        queues = [queue] if isinstance(queue, str) else list(queue)
    server_filter = _name_filter(name) if name else None
    if server_filter:  # the service ignores jobStatus when filtering by name
        requests = [{"jobQueue": q, **server_filter} for q in queues]
    else:
        requests = [{"jobQueue": q, "jobStatus": s} for q in queues for s in wanted]
    limit = None if cutoff is None else cutoff.value // 1_000_000

    def keep(r: dict) -> bool:
        return (r.get("status") in wanted and (not name or fnmatch.fnmatchcase(r.get("jobName", ""), name))
                and (limit is None or r.get("createdAt", 0) >= limit))

    describer = _Describer(b, keep) if detail else None
    summaries = _list(b, requests, describer)
    if children:  # array children, and the nodes of multi-node parallel jobs
        parents = {r["jobId"]: r for r in summaries if _array_parent(r)}
        summaries += _in_queue(_list(b, [{"arrayJobId": p, "jobStatus": s} for p in parents for s in wanted],
                                     describer), parents)
        gangs = {r["jobId"]: r for r in summaries if "numNodes" in (r.get("nodeProperties") or {})
                 and "nodeIndex" not in r["nodeProperties"]}
        summaries += _in_queue(_list(b, [{"multiNodeJobId": p, "jobStatus": s} for p in gangs for s in wanted],
                                     describer), gangs)
    rank = {s: i for i, s in enumerate(order)}
    newest: dict[str, dict] = {}
    for record in summaries:  # a job that moved on between listings shows up twice
        seen = newest.get(record["jobId"])
        if seen is None or rank.get(record.get("status"), -1) > rank.get(seen.get("status"), -1):
            newest[record["jobId"]] = record
    kept = sorted((r for r in newest.values() if keep(r)), key=lambda r: r.get("createdAt", 0), reverse=True)
    if detail:
        return describer.frame([r["jobId"] for r in kept])
    df = b.frame(_with_array_starts(b, _with_array_progress(b, kept)), _shape("ListJobs"), queue=None)
    return b._label(df, "ListJobs")


def _in_queue(children: list[dict], parents: dict[str, dict]) -> list[dict]:
    """Children listed by their parent's id (ListJobs' arrayJobId/multiNodeJobId), tagged with its queue."""
    return [{**c, "queue": parents[parent_of(c["jobId"])].get("queue")}
            if "queue" not in c and parent_of(c["jobId"]) in parents else c for c in children]


def _array_parent(record: dict) -> bool:
    array = record.get("arrayProperties") or {}
    return "size" in array and "index" not in array


def _with_array_progress(b, summaries: list[dict]) -> list[dict]:
    """Array parents with their children counted by status (ListJobs may leave statusSummary out)."""
    asked = [r["jobId"] for r in summaries if _array_parent(r) and not r["arrayProperties"].get("statusSummary")]
    if not asked:
        return summaries
    found = {job["jobId"]: job.get("arrayProperties") or {} for job in _describe(b, asked)}
    return [{**r, "arrayProperties": {**r["arrayProperties"], **found[r["jobId"]]}} if r["jobId"] in found else r
            for r in summaries]


STARTED = ("RUNNING", "SUCCEEDED", "FAILED")  # children that have a start


def _started(summary) -> tuple[str, ...]:
    """The statuses of an array's children that have started ones (all three when the counts are unknown)."""
    return tuple(s for s in STARTED if summary.get(s)) if isinstance(summary, dict) else STARTED


def first_starts(b, parents: dict[str, dict | None], known: Iterable[dict] = ()) -> dict[str, int]:
    """When each array parent's children began (epoch ms), from the parents' status counts: the earliest
    start of its `known` jobs (the children a listing has), else of its children listed (ListJobs by
    arrayJobId, for each status that has started children)."""
    first: dict[str, int] = {}
    for job in known:
        parent, started = parent_of(job.get("jobId") or ""), job.get("startedAt")
        if parent in parents and isinstance(started, (int, float)) and started == started:
            first[parent] = min(started, first.get(parent, started))
    requests = [{"arrayJobId": p, "jobStatus": s}
                for p, summary in parents.items() if p not in first for s in _started(summary)]
    for child in _list(b, requests):
        parent, started = parent_of(child["jobId"]), child.get("startedAt")
        if started:
            first[parent] = min(started, first.get(parent, started))
    return first


def _with_array_starts(b, summaries: list[dict]) -> list[dict]:
    """Array parents with a startedAt: the service's, else their first child's (`first_starts`)."""
    asked = {r["jobId"]: r["arrayProperties"].get("statusSummary") for r in summaries if _array_parent(r)
             and not r.get("startedAt") and _started(r["arrayProperties"].get("statusSummary"))}
    if not asked:
        return summaries
    first = first_starts(b, asked, summaries)
    return [{**r, "startedAt": first[r["jobId"]]} if r["jobId"] in first else r for r in summaries]


def _shape(operation: str):
    return catalog.operation(operation).row_shape


def _list(b, requests: list[dict], describer=None) -> list[dict]:
    """Job summaries of many ListJobs requests, each tagged with its queue."""
    op = catalog.operation("ListJobs")

    def run(request):
        request, found = dict(request), []
        queue = request.get("jobQueue")
        for page in b.each_page(op, request):
            summaries = [{**s, "queue": queue} if queue else s for s in page.get("jobSummaryList", ())]
            if describer is not None:
                describer.add(summaries)
            found += summaries
        return found

    return [s for batch in b.map(run, requests) for s in batch]


class _Describer:
    """DescribeJobs for a listing while it runs: each full chunk of ids is sent as soon as it
    is listed, and its rows are flattened on arrival, while other requests are still waiting."""

    CHUNK = 100  # the most ids one DescribeJobs call takes

    def __init__(self, b, keep):
        self.b, self.keep = b, keep
        self.op = catalog.operation("DescribeJobs")
        self._lock = threading.Lock()
        self._asked: set[str] = set()
        self._pending: list[str] = []
        self._futures = []

    def add(self, summaries: list[dict]) -> None:
        with self._lock:
            for record in summaries:
                job_id = record["jobId"]
                if job_id not in self._asked and self.keep(record):
                    self._asked.add(job_id)
                    self._pending.append(job_id)
            while len(self._pending) >= self.CHUNK:
                chunk, self._pending = self._pending[: self.CHUNK], self._pending[self.CHUNK :]
                self._futures.append(self.b._pool.submit(self._describe, chunk))

    def _describe(self, ids: list[str]) -> tuple[list[dict], list[dict]]:
        """The response pages for ids, and their jobs as flat rows."""
        pages = self.b.pages(self.op, {"jobs": ids})
        jobs = [job for page in pages for job in page.get("jobs", ())]
        return pages, flat_rows(jobs, self.op.row_shape, mask=self.b.mask_secrets)

    def frame(self, ids: list[str]) -> pd.DataFrame:
        """The details of `ids`, in that order, as DescribeJobs' frame."""
        rest = [i for i in ids if i not in self._asked] + self._pending
        results = [future.result() for future in self._futures] + ([self._describe(rest)] if rest else [])
        found = {row["jobId"]: row for _, rows in results for row in rows}
        rows = [found[i] for i in ids if i in found]
        asked = {r["jobId"]: r.get("arrayProperties.statusSummary") for r in rows if _flat_array_parent(r)
                 and blank(r.get("startedAt")) and _started(r.get("arrayProperties.statusSummary"))}
        if asked:  # an array parent's start: its first child's (`first_starts`)
            first = first_starts(self.b, asked, rows)
            rows = [{**r, "startedAt": first[r["jobId"]]} if r["jobId"] in first else r for r in rows]
        df = rows_frame(rows, self.op.row_shape)
        return self.b._label(df, self.op.name, [page for pages, _ in results for page in pages])


def _flat_array_parent(row: dict) -> bool:
    return not blank(row.get("arrayProperties.size")) and blank(row.get("arrayProperties.index"))


def blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _describe(b, ids: list[str]) -> list[dict]:
    op = catalog.operation("DescribeJobs")
    return [job for page in b.pages(op, {"jobs": ids}) for job in page.get("jobs", ())]


def wait(b, ids, timeout=None, progress=True, delay=1.0, max_delay=30.0) -> pd.DataFrame:
    """Poll the unfinished jobs (100 ids a call) with backoff until all finish."""
    from tqdm.auto import tqdm

    ids = job_ids(ids)
    latest: dict[str, dict] = {}
    pending = list(ids)
    deadline = None if timeout is None else time.monotonic() + timeout
    failure = None  # the last transient error, while DescribeJobs keeps failing
    with tqdm(total=len(ids), desc="waiting", unit="job", disable=not progress, leave=True) as bar:
        while pending:
            try:
                found, failure = {job["jobId"]: job for job in _describe(b, pending)}, None
            except BatchError as exc:
                if not transient(exc):
                    raise
                found, failure = None, exc  # botocore's retries gave up; wait's own timeout decides
            if found is not None:
                missing = [i for i in pending if i not in found and i not in latest]
                if missing:
                    raise BatchError("DescribeJobs", "JobNotFound", f"no job with id {', '.join(missing[:5])}")
                latest.update(found)
                done = [i for i in pending if latest[i].get("status") in FINISHED]
                pending = [i for i in pending if i not in set(done)]
                bar.update(len(done))
                bar.set_postfix(Counter(j.get("status") for j in latest.values()), refresh=True)
                if not pending:
                    break
            pause = delay / 2 + random.uniform(0, delay / 2)  # exponential backoff, jittered
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    frame = b.frame([latest[i] for i in ids if i in latest], _shape("DescribeJobs"))
                    raise WaitTimeout("wait", "Timeout",
                                      f"{len(pending)} of {len(ids)} jobs unfinished after {timeout}s"
                                      + (f" (DescribeJobs kept failing: {failure.code})" if failure else ""),
                                      frame=frame)
                pause = min(pause, left)
            b.sleep(pause)
            delay = min(delay * 2, max_delay)
    return b._label(b.frame([latest[i] for i in ids], _shape("DescribeJobs")), "DescribeJobs")


TRANSIENT_CODES = {  # botocore's standard retry mode treats these as worth another try
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
    "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
    "ServerException", "InternalError", "ServiceUnavailable",
}


def transient(exc: BatchError) -> bool:
    """Whether a failed call may well succeed later: throttling, 5xx, connection trouble."""
    from botocore.exceptions import ConnectionError as BotoConnectionError, HTTPClientError

    status = (exc.response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return (exc.code in TRANSIENT_CODES or status >= 500 or status == 429
            or isinstance(exc.original, (BotoConnectionError, HTTPClientError)))


def log_streams(job: dict) -> tuple[list[str | None], str]:
    """The log stream of each attempt of a job (the one still running last), and their log group."""
    streams = [a.get("container", {}).get("logStreamName") for a in job.get("attempts", [])]
    current = job.get("container", {}).get("logStreamName")
    if current and current not in streams:  # the attempt still running
        streams.append(current)
    log_config = job.get("container", {}).get("logConfiguration", {})
    group = DEFAULT_LOG_GROUP
    if log_config.get("logDriver") == "awslogs":
        group = log_config.get("options", {}).get("awslogs-group", DEFAULT_LOG_GROUP)
    return streams, group


def _log_stream_and_group(job: dict, attempt: int) -> tuple[str | None, str]:
    streams, group = log_streams(job)
    try:
        return streams[attempt], group
    except IndexError:
        if streams or attempt not in (0, -1):
            raise ValueError(f"job {job['jobId']} has {len(streams)} attempts; no attempt {attempt}") from None
        return None, group


def logs(b, job_id: str, attempt: int = -1, tail: int | None = None, job: dict | None = None) -> pd.DataFrame:
    """Every log event of one attempt, oldest first (only the last `tail` ones when given)."""
    jobs = [job] if job else _describe(b, [job_id])
    if not jobs:
        raise BatchError("DescribeJobs", "JobNotFound", f"no job with id {job_id!r}")
    stream, group = _log_stream_and_group(jobs[0], attempt)
    events, pages = [], []
    token, known = None, known_secrets(jobs[0]) if b.mask_secrets else None
    while stream:
        request = {"logGroupName": group, "logStreamName": stream, "startFromHead": not tail}
        if tail:
            request["limit"] = tail  # the newest events, one page
        if token:
            request["nextToken"] = token
        try:
            page = b.logs_client.get_log_events(**request)
        except (ClientError, BotoCoreError) as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") == "ResourceNotFoundException":
                break  # the attempt has written nothing yet
            raise BatchError.wrap("GetLogEvents", exc) from None
        if known is not None:  # the job's own secret values, wherever its lines print them
            page = _masked_events(page, known)
        pages.append(page)
        events += page.get("events", [])
        if tail or not page.get("events") or page.get("nextForwardToken") in (None, token):
            break
        token = page["nextForwardToken"]
    df = pd.DataFrame(
        {
            "timestamp": pd.to_datetime([e.get("timestamp") for e in events], unit="ms", utc=True),
            "message": pd.array([e.get("message") for e in events], dtype="string"),
            "ingestionTime": pd.to_datetime([e.get("ingestionTime") for e in events], unit="ms", utc=True),
        }
    )
    df["jobId"] = pd.array([job_id] * len(df), dtype="string")
    df["logStreamName"] = pd.array([stream] * len(df), dtype="string")
    df.attrs.update(logGroupName=group, logStreamName=stream)
    return b._label(df, "GetLogEvents", pages)


def _masked_events(page: dict, known: tuple[str, ...]) -> dict:
    events = [{**e, "message": mask_text(e.get("message"), known)} for e in page.get("events", ())]
    return {**page, "events": events}


def job(b, job_id: str, log_lines: int = 20, record: dict | None = None) -> pd.DataFrame:
    """One job's description, with what a card shows beside it (``attrs["related"]``): the jobs it
    depends on, the tail of its logs and why it is where it is (`Batch.why`).  A live view passes the
    `record` (DescribeJobs' item) it shows elsewhere, so that the card says what the rest says."""
    found = [record] if record is not None else _describe(b, [job_id])
    if not found:
        raise BatchError("DescribeJobs", "JobNotFound", f"no job with id {job_id!r}")
    record = found[0]
    summary = (record.get("arrayProperties") or {}).get("statusSummary")
    if _array_parent(record) and not record.get("startedAt") and _started(summary):  # when its children began
        started = first_starts(b, {record["jobId"]: summary}).get(record["jobId"])
        found = [{**record, "startedAt": started}] if started else found
    df = b._label(b.frame(found, _shape("DescribeJobs")), "DescribeJobs")
    related = Related()
    depends = [d["jobId"] for d in record.get("dependsOn") or () if d.get("jobId")]
    try:
        if depends:
            related.dependencies = b.frame(_describe(b, depends), _shape("DescribeJobs"))
        num_nodes = (record.get("nodeProperties") or {}).get("numNodes")
        if num_nodes and "nodeDetails" not in record:  # a multi-node parallel job: its nodes are jobs <id>#<n>
            related.nodes = b.frame(_describe(b, [f"{job_id}#{n}" for n in range(num_nodes)]), _shape("DescribeJobs"))
        if record.get("attempts") or (record.get("container") or {}).get("logStreamName"):
            related.logs = logs(b, job_id, tail=log_lines, job=record)
        related.findings = b.why(job_id)
        related.why = related.findings.attrs.get("summary")
    except BatchError as exc:  # the card still shows the job itself
        related.notes.append(str(exc).splitlines()[0])
    df.attrs["related"] = related
    return df


def act(b, operation: str, ids, reason: str) -> pd.DataFrame:
    """CancelJob or TerminateJob on many jobs in parallel; one row per job."""
    op = catalog.operation(operation)
    ids = job_ids(ids)
    # AWS answers an unknown id with 200 and does nothing: say so instead of reporting success
    known = set(b.describe_jobs(jobs=ids)["jobId"]) if ids else set()

    def run(job_id):
        if job_id not in known:
            return BatchError(op.name, "ClientException", f"Job {job_id} does not exist")
        try:
            b.pages(op, {"jobId": job_id, "reason": reason})
            return None
        except BatchError as exc:
            return exc

    errors = b.map(run, ids)
    df = pd.DataFrame(
        {
            "jobId": pd.array(ids, dtype="string"),
            "action": pd.array([op.name] * len(ids), dtype="string"),
            "reason": pd.array([reason] * len(ids), dtype="string"),
            "error": pd.array([str(e) if e else None for e in errors], dtype="string"),
        }
    )
    df = b._label(df, op.name, Raw())
    failed = [e for e in errors if e]
    if failed:
        raise BatchError(op.name, failed[0].code,
                         f"{len(failed)} of {len(ids)} failed, first: {failed[0].message}",
                         original=failed[0].original, frame=df)
    return df
