"""Search the logs of many jobs at once: the matching lines of every job's log stream in one frame.

CloudWatch Logs' FilterLogEvents takes up to 100 stream names of one log group a call, so the
streams are grouped by log group and sent 100 a call (each call's pages followed), the calls
in parallel on `Batch.map`: 500 jobs cost 5 calls where reading each log would cost 500.  The
jobs come from DescribeJobs (summaries lack their streams), 100 ids a call; an array parent
or a multi-node job stands for its children or nodes, which have the streams.
"""

from __future__ import annotations

import threading

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from .errors import BatchError
from .jobs import _describe, _since, job_ids, log_streams
from .masking import known_secrets, mask_text

OPERATION = "FilterLogEvents"  # a frame's attrs["operation"]: views show it as matches
STREAMS_PER_CALL = 100  # FilterLogEvents' logStreamNames: the API's limit
PROGRESS_CALLS = 3  # a progress bar when the search takes more calls than this
AT_ONCE = 4  # FilterLogEvents calls in flight: its quota per account and region is low (5 a second by default)
COLUMNS = ("jobId", "jobName", "arrayIndex", "attempt", "timestamp", "message", "logStreamName", "logGroupName")


def search(b, jobs, pattern: str, since=None, attempt: int | None = -1, progress: bool | None = None) -> pd.DataFrame:
    """The log lines of `jobs` that match `pattern` (CloudWatch Logs filter syntax), one row each."""
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a CloudWatch Logs filter pattern (a str), not {type(pattern).__name__}")
    if attempt is not None and not isinstance(attempt, int):
        raise TypeError(f"attempt must be an attempt's index (0 the first, -1 the last) or None for all, not {attempt!r}")
    cutoff = _since(since)
    records = _with_children(b, _describe(b, job_ids(jobs, "jobs")))
    targets, no_stream = _targets(records, attempt)
    chunks = [(group, names[i:i + STREAMS_PER_CALL]) for group, names in _by_group(targets).items()
              for i in range(0, len(names), STREAMS_PER_CALL)]
    request = {"filterPattern": pattern}
    if cutoff is not None:
        request["startTime"] = int(cutoff.value // 1_000_000)
    from tqdm.auto import tqdm

    show = len(chunks) > PROGRESS_CALLS if progress is None else progress
    at_once = threading.BoundedSemaphore(AT_ONCE)  # the rest wait here, not in botocore's throttling retries
    with tqdm(total=len(chunks), desc=f"searching {len(records):,} jobs' logs", unit="call", disable=not show) as bar:
        def run(chunk):
            with at_once:
                found = _filter(b, chunk[0], chunk[1], request)
            bar.update(1)
            return found

        results = b.map(run, chunks)
    events, pages, missing = [], [], set()
    for found, answered, absent in results:
        events.extend(found)
        pages.extend(answered)
        missing.update(absent)
    streams_of: dict[str, list] = {}
    for key, (job, _) in targets.items():
        streams_of.setdefault(job["jobId"], []).append(key)
    no_stream |= {job_id for job_id, keys in streams_of.items() if all(k in missing for k in keys)}
    return _frame(b, records, targets, no_stream, events, pages, pattern)


def _with_children(b, records: list[dict]) -> list[dict]:
    """Jobs with each array parent replaced by its children and each multi-node job by its nodes."""
    asked = {}
    for record in records:
        array = record.get("arrayProperties") or {}
        nodes = record.get("nodeProperties") or {}
        if "size" in array and "index" not in array:
            asked[record["jobId"]] = [f"{record['jobId']}:{i}" for i in range(array["size"])]
        elif "numNodes" in nodes and "nodeIndex" not in nodes and "nodeDetails" not in record:
            asked[record["jobId"]] = [f"{record['jobId']}#{i}" for i in range(nodes["numNodes"])]
    if not asked:
        return records
    children = {c["jobId"]: c for c in _describe(b, [i for ids in asked.values() for i in ids])}
    expanded = [c for r in records for c in ([children[i] for i in asked[r["jobId"]] if i in children]
                                             if r["jobId"] in asked else [r])]
    return list({r["jobId"]: r for r in expanded}.values())  # a child given beside its parent counts once


def _targets(records: list[dict], attempt: int | None) -> tuple[dict, set]:
    """(log group, stream) -> (job, attempt index) for each stream searched; the jobs with none."""
    targets, no_stream = {}, set()
    for record in records:
        streams, group = log_streams(record)
        indexes = range(len(streams)) if attempt is None else [attempt if attempt >= 0 else len(streams) + attempt]
        found = [(i, streams[i]) for i in indexes if 0 <= i < len(streams) and streams[i]]
        for index, stream in found:
            targets[(group, stream)] = (record, index)
        if not found:
            no_stream.add(record["jobId"])
    return targets, no_stream


def _by_group(targets: dict) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for group, stream in targets:
        groups.setdefault(group, []).append(stream)
    return groups


def _filter(b, group: str, streams: list[str], request: dict) -> tuple[list[dict], list[dict], list[tuple]]:
    """Every matching event of some streams of a group (each page followed): (events, pages, missing streams).

    A stream or group that does not exist (yet) is a missing one: when a call names one, the call is split
    in two until it is found (a group that does not exist answers at once)."""
    events, pages, token = [], [], None
    while True:
        asked = {**request, "logGroupName": group, "logStreamNames": streams, **({"nextToken": token} if token else {})}
        try:
            page = b.logs_client.filter_log_events(**asked)
        except (ClientError, BotoCoreError) as exc:
            error = getattr(exc, "response", {}).get("Error", {})
            if error.get("Code") != "ResourceNotFoundException":
                raise BatchError.wrap(OPERATION, exc) from None
            pages.append({"error": error})  # the call was made: it counts
            if len(streams) == 1 or "group" in error.get("Message", ""):
                return events, pages, [(group, s) for s in streams]
            half = len(streams) // 2
            halves = [_filter(b, group, part, request) for part in (streams[:half], streams[half:])]
            return (events + halves[0][0] + halves[1][0], pages + halves[0][1] + halves[1][1],
                    halves[0][2] + halves[1][2])
        pages.append(page)
        events += [{**e, "logGroupName": group} for e in page.get("events", ())]
        if not page.get("nextToken") or page["nextToken"] == token:
            return events, pages, []
        token = page["nextToken"]


def _frame(b, records, targets, no_stream: set[str], events, pages, pattern) -> pd.DataFrame:
    order = {r["jobId"]: i for i, r in enumerate(records)}
    secrets = _Secrets()
    rows = []
    for event in events:
        key = (event["logGroupName"], event.get("logStreamName"))
        if key not in targets:  # not one of ours (an endpoint that ignores logStreamNames)
            continue
        job, index = targets[key]
        message = mask_text(event.get("message"), secrets.of(job)) if b.mask_secrets else event.get("message")
        rows.append((order[job["jobId"]], job["jobId"], job.get("jobName"),
                     (job.get("arrayProperties") or {}).get("index"), index, event.get("timestamp"), message,
                     key[1], key[0]))
    rows.sort(key=lambda r: (r[0], r[4], r[5] or 0))
    columns = list(zip(*rows)) if rows else [()] * (len(COLUMNS) + 1)
    df = pd.DataFrame({
        "jobId": pd.array(columns[1], dtype="string"),
        "jobName": pd.array(columns[2], dtype="string"),
        "arrayIndex": pd.array(columns[3], dtype="Int64"),
        "attempt": pd.array(columns[4], dtype="Int64"),
        "timestamp": pd.to_datetime(pd.Series(columns[5], dtype="float64"), unit="ms", utc=True),
        "message": pd.array(columns[6], dtype="string"),
        "logStreamName": pd.array(columns[7], dtype="string"),
        "logGroupName": pd.array(columns[8], dtype="string"),
    })
    matched = list(dict.fromkeys(df["jobId"]))
    no_stream_ids = [r["jobId"] for r in records if r["jobId"] in no_stream]
    without_ids = [r["jobId"] for r in records if r["jobId"] not in set(matched) | no_stream]
    df.attrs.update(
        pattern=pattern, calls=len(pages),
        searched={"matched": matched, "without": without_ids, "no stream": no_stream_ids},
        summary=summary(pattern, len(records), len(matched), len(df), len(no_stream_ids)))
    return b._label(df, OPERATION, _masked(pages, targets, secrets) if b.mask_secrets else pages)


class _Secrets:
    """Each job's secret values (`masking.known_secrets`), found once per job."""

    def __init__(self):
        self._known: dict[str, tuple] = {}

    def of(self, job: dict | None) -> tuple:
        if job is None:
            return ()
        if job["jobId"] not in self._known:
            self._known[job["jobId"]] = known_secrets(job)
        return self._known[job["jobId"]]


def _masked(pages: list[dict], targets: dict, secrets: _Secrets) -> list[dict]:
    """The raw pages (kept in attrs["responses"]) with each message's job's secrets masked."""
    jobs = {stream: job for (_, stream), (job, _) in targets.items()}

    def masked(event: dict) -> dict:
        return {**event, "message": mask_text(event.get("message"), secrets.of(jobs.get(event.get("logStreamName"))))}

    return [{**page, "events": [masked(e) for e in page["events"]]} if page.get("events") else page for page in pages]


def summary(pattern: str, jobs: int, matched: int, lines: int, no_stream: int) -> str:
    """One line: `MemoryError: 3 of 500 jobs, 7 lines` (and how many jobs have no log stream yet)."""
    line = (f"{pattern or '(every line)'}: {matched:,} of {jobs:,} job{'' if jobs == 1 else 's'}, "
            f"{lines:,} line{'' if lines == 1 else 's'}")
    return line + (f"; {no_stream:,} without a log stream yet" if no_stream else "")
