"""`Batch`: every AWS Batch operation as a method that returns a DataFrame."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from . import catalog
from .errors import BatchError
from .gcpause import gc_paused
from .interception import for_aws

if TYPE_CHECKING:
    import pandas as pd

# pandas (and the modules built on it) load on the first frame, not with the client:
# a test suite that only drives the local backend never pays for them.

# Inputs the service caps per request; larger lists are sent in chunks, in parallel.
CHUNKED = {
    "DescribeJobs": ("jobs", 100),
    "DescribeJobQueues": ("jobQueues", 100),
    "DescribeComputeEnvironments": ("computeEnvironments", 100),
    "DescribeSchedulingPolicies": ("arns", 100),
}
MAX_WORKERS = 10  # botocore's default connection pool size


def client_config(retry_mode: str = "standard", max_attempts: int = 8, **extra) -> Config:
    """Throttling and 5xx are retried by botocore's own retry modes."""
    return Config(
        retries={"mode": retry_mode, "total_max_attempts": max_attempts},
        max_pool_connections=MAX_WORKERS,
        **extra,
    )


def connect(
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    session: boto3.Session | None = None,
    *,
    retry_mode: str = "standard",
    max_attempts: int = 8,
    mask_secrets: bool = True,
) -> "Batch":
    """A `Batch` on real AWS (the standard credential chain) or any endpoint."""
    try:
        session = session or _session(profile, region)
        client = session.client(
            "batch",
            region_name=region,
            endpoint_url=endpoint_url,
            config=client_config(retry_mode, max_attempts),
        )
    except BotoCoreError as exc:
        raise BatchError.wrap("connect", exc) from None
    label = f"endpoint {endpoint_url}" if endpoint_url else f"AWS {client.meta.region_name}"
    return Batch(for_aws(client), session=session, endpoint_url=endpoint_url, mask_secrets=mask_secrets,
                 label=label)


def _session(profile: str | None, region: str | None) -> boto3.Session:
    """A session of our own, whose clients parse large Batch responses fast (where that is safe)."""
    import botocore.session

    from . import fastparse

    core = botocore.session.Session(profile=profile)
    core.register_component("response_parser_factory", fastparse.parser_factory())  # fastparse logs a refusal
    return boto3.Session(botocore_session=core, region_name=region)


class Batch:
    """AWS Batch with DataFrame results.

    Every operation of the service model is a method with boto3's name and
    keyword arguments (``submit_job(jobName=..., jobQueue=..., jobDefinition=...)``);
    listings fetch every page, DescribeJobs takes any number of ids.  The raw
    responses are in ``df.attrs["responses"]``.
    """

    def __init__(
        self,
        client,
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        mask_secrets: bool = True,
        label: str | None = None,
        logs_client=None,
    ):
        self.client = client
        self.mask_secrets = mask_secrets
        self.label = label  # names the backend in every result: "AWS us-east-1", "local (...)", an endpoint
        self.sleep = time.sleep  # how `wait` passes time; a simulated backend swaps it
        self.clock = time.time  # now, epoch seconds: where charts end what still runs; a simulated backend swaps it
        self._session = session
        self._endpoint_url = endpoint_url
        self._logs = logs_client
        self._pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="batchkit")

    def __repr__(self) -> str:
        label = f" {self.label}:" if self.label else ""
        return f"<batchkit.Batch{label} {self.client.meta.region_name} {self.client.meta.endpoint_url}>"

    # --- generic operation call --------------------------------------------------

    @gc_paused
    def call(self, operation: str, /, **kwargs) -> pd.DataFrame:
        """Run any Batch operation by name (API, boto3 or CLI spelling)."""
        op = catalog.operation(operation)
        pages = self.pages(op, kwargs)
        if op.rows_key:
            records = [item for page in pages for item in page.get(op.rows_key, ())]
        elif op.empty_output:
            records = []
        else:
            records = [{k: v for k, v in page.items() if k != "ResponseMetadata"} for page in pages]
        if op.empty_output:
            import pandas as pd

            df = pd.DataFrame()
            df.attrs["target"] = next((kwargs[m] for m in op.required if isinstance(kwargs.get(m), str)), None)
        else:
            df = self.frame(records, op.row_shape)
        return self._label(df, op.name, pages)

    def pages(self, op: catalog.Operation, kwargs: dict) -> list[dict]:
        """Every response page of one request (chunked and in parallel where capped)."""
        name, size = CHUNKED.get(op.name, (None, 0))
        if name in op.required and kwargs.get(name) == []:
            return []  # nothing asked for (some endpoints would answer with everything)
        if name and isinstance(kwargs.get(name), (list, tuple)) and len(kwargs[name]) > size:
            items = list(dict.fromkeys(kwargs[name]))
            requests = [{**kwargs, name: items[i : i + size]} for i in range(0, len(items), size)]
            return [page for pages in self.map(lambda r: self.pages(op, r), requests) for page in pages]
        return list(self.each_page(op, kwargs))

    def each_page(self, op: catalog.Operation, kwargs: dict):
        """The response pages of one request as they arrive."""
        try:
            if op.paginator:  # a given nextToken/maxResults shape the first page
                iterator, last = self.client.get_paginator(op.method).paginate(**kwargs), None
                for last in iterator:
                    yield last
                if last is not None and iterator.resume_token:  # PaginationConfig's MaxItems stopped it
                    last["NextToken"] = iterator.resume_token  # where botocore's build_full_result puts it
            else:
                yield getattr(self.client, op.method)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise BatchError.wrap(op.name, exc) from None
        except NotImplementedError as exc:  # an in-process backend (moto) lacks the action
            raise BatchError(op.name, "NotImplemented", str(exc) or "not implemented", exc) from None

    def frame(self, records: list[dict], shape, **extra) -> pd.DataFrame:
        """`records` (API items of botocore's `shape`) as a DataFrame with every column of the model,
        secrets masked unless this Batch was made with ``mask_secrets=False``."""
        from .frames import to_frame

        return to_frame(records, shape, mask=self.mask_secrets, extra=extra or None)

    def map(self, fn, items) -> list:
        """fn over items on the client's thread pool, results in order."""
        items = list(items)
        if len(items) <= 1:
            return [fn(item) for item in items]
        return list(self._pool.map(fn, items))

    def _label(self, df: pd.DataFrame, operation: str, pages=()) -> pd.DataFrame:
        """Mark a frame as this Batch's result of `operation`: its responses, backend and the backend's now."""
        df.attrs["operation"] = operation
        df.attrs["now"] = self.clock()  # what `running 3m12s` counts to (a simulated clock is not this machine's)
        from . import views  # noqa: F401  the df.batch accessor, on every result (views sit above frames)
        from .frames import Raw

        if self.mask_secrets and pages:  # the raw responses are shown and kept too
            from .masking import mask_response

            shape = catalog.operation(operation).model.output_shape if operation in catalog.operations() else None
            pages = [mask_response(page, shape) for page in pages]
        df.attrs["responses"] = Raw(pages)
        if self.label:
            df.attrs["backend"] = self.label
        return df

    @property
    def logs_client(self):
        """A CloudWatch Logs client on the same credentials, region and endpoint."""
        if self._logs is None:
            session = self._session or boto3.Session()
            self._logs = session.client(
                "logs",
                region_name=self.client.meta.region_name,
                endpoint_url=self._endpoint_url or _custom_endpoint(self.client),
                config=client_config(),
            )
            if self._session is not None:  # connect()'s: for AWS, like its Batch client
                for_aws(self._logs)
        return self._logs

    # --- conveniences -----------------------------------------------------------

    def jobs(self, queue=None, status="ALL", name=None, since=None, detail=False, children=False):
        """Jobs of every status (or those asked) across one, some or all queues."""
        from . import jobs

        return jobs.listing(self, queue, status, name, since, detail, children)

    def job(self, job_id: str, log_lines: int = 20) -> pd.DataFrame:
        """One job's full description as a one-row frame; a notebook shows it as a card
        (its attempts, the jobs it depends on, its array, the last `log_lines` of its logs)."""
        from . import jobs

        return jobs.job(self, job_id, log_lines)

    def queues(self) -> pd.DataFrame:
        """Every job queue (DescribeJobQueues, all pages)."""
        return self.describe_job_queues()

    def envs(self) -> pd.DataFrame:
        """Every compute environment (DescribeComputeEnvironments, all pages)."""
        return self.describe_compute_environments()

    def definitions(self, status: str | None = "ACTIVE") -> pd.DataFrame:
        """Job definitions: the ACTIVE revisions by default; ``status="INACTIVE"``, or None/"ALL" for every one."""
        if status in (None, "ALL"):
            return self.describe_job_definitions()
        return self.describe_job_definitions(status=status)

    def wait(self, job_ids, timeout: float | None = None, progress: bool = True) -> pd.DataFrame:
        """Wait until the jobs finish; their final rows."""
        from . import jobs

        return jobs.wait(self, job_ids, timeout=timeout, progress=progress)

    def logs(self, job_id: str, attempt: int = -1, tail: int | None = None) -> pd.DataFrame:
        """The CloudWatch Logs events of one attempt of a job (the last by default; the last `tail` events)."""
        from . import jobs

        return jobs.logs(self, job_id, attempt, tail)

    def search_logs(self, jobs, pattern: str, since=None, attempt: int | None = -1,
                    progress: bool | None = None) -> pd.DataFrame:
        """The log lines of many jobs that match `pattern` (CloudWatch Logs filter syntax: ``MemoryError``,
        ``"out of memory"``, ``?ERROR ?WARN``, ``ERROR -retrying``, ``%regex%``), one row each: job id and
        name, array index, attempt, timestamp, message.  `jobs`: a frame (``b.jobs(...)``), ids or one id;
        array parents stand for their children.  FilterLogEvents names 100 streams a call (not one call per
        job); `since` ('24h', a datetime) bounds the time; `attempt` is an index (-1 the last, None every one).
        ``attrs["summary"]`` is one line ("MemoryError: 3 of 500 jobs, 7 lines"), ``attrs["searched"]`` the
        ids of the jobs with matches, without and without a log stream yet."""
        from . import logsearch

        return logsearch.search(self, jobs, pattern, since=since, attempt=attempt, progress=progress)

    def why(self, job_id: str) -> pd.DataFrame:
        """Why a job is where it is (stuck RUNNABLE, waiting, failed): a frame of findings, one row each
        (check, verdict blocking|warning|ok|info, detail, fix); ``attrs["summary"]`` is the one-line answer.
        Only a few Batch calls (the job, its queue and environments, dependencies, the queue's snapshot)."""
        from .insight import why

        return why.why(self, job_id)

    def why_queue(self, queue: str) -> pd.DataFrame:
        """Is a job queue flowing, and what holds it up: findings as `why` gives them (its state, its
        environments, how many jobs RUNNABLE/STARTING/RUNNING, the `why` of the job at its head, higher-priority
        queues sharing its environments with a backlog); ``attrs["summary"]`` is the one-line answer.
        A page of each listing at most: never the queue's or the account's every job."""
        from .insight import why

        return why.why_queue(self, queue)

    def resubmit(self, job, failed_only: bool = False, dependents: bool = False, **overrides) -> pd.DataFrame:
        """Submit the same work again: the job's definition (the revision it ran), queue, parameters, container
        overrides, retry strategy, timeout, tags, share and priority, with `overrides` applied (%batch submit's
        words: ``name``, ``queue``, ``definition``, ``env={...}``, ``command``, ``vcpus``, ``memory``,
        ``retries``, ``timeout``, ``parameters={...}``, ``array``, ``depends_on``; or any SubmitJob member).

        ``failed_only=True`` on an array parent reruns only its failed children, each as a job of its own named
        ``<name>-<index>`` whose original index is in the environment variable and parameter
        ``BATCHKIT_ARRAY_INDEX``.  ``dependents=True`` also resubmits the jobs that failed because they depended
        on it, their dependsOn pointed at the new job(s).  `job` may be an id, ids or a frame with a jobId column.
        Returns SubmitJob's frame: a row per new job, with ``resubmitOf`` and ``arrayIndex``."""
        from . import resubmit

        return resubmit.resubmit(self, job, failed_only, dependents, **overrides)

    # --- pictures of a run (batchkit.insight, drawn with plotly) --------------------------------

    def timeline(self, jobs=None, since=None, queue=None, expand=False):
        """A Gantt chart of jobs (every job by default; or a job frame, or ids): a row per job, its wait in
        the queue and each run, coloured by status; array children folded into their parent with a band
        of their statuses (``expand=True``, or parent ids/names, shows them).  A plotly Figure:
        inline in notebooks, ``.write_html(path)`` saves it."""
        from .insight import runs

        return runs.timeline(self, jobs, since, queue, expand)

    def capacity(self, jobs=None, since=None, queue=None):
        """vCPUs, memory and GPUs in use per compute environment over time, against maxvCpus (a plotly Figure)."""
        from .insight import runs

        return runs.capacity(self, jobs, since, queue)

    def graph(self, jobs=None, since=None, queue=None):
        """The dependency graph of jobs (every job by default; or a job frame, or ids): a box per job, left
        to right in dependency order, coloured by status, an arrow per ``dependsOn``; arrays folded with
        their progress, N_TO_N and SEQUENTIAL drawn as such; a job that failed of its own outlined, the
        jobs that failed because of it hatched.  Dependencies not among the jobs are fetched
        (DescribeJobs).  A plotly Figure."""
        from .insight import runs

        return runs.graph(self, jobs, since, queue)

    def report(self, path, since=None, queues=None):
        """Write a run report to `path`: one self-contained HTML file (counts, waits and run times, retries,
        failures grouped by reason and exit code, vCPU- and memory-hours, the timeline and capacity)."""
        from .insight import report, runs

        return report.write(runs.gather(self, since, queues), path, now=runs.backend_now(self))

    def export_seed(self, path=None, jobs: bool = False, since=None, queues=None, all_revisions: bool = False,
                    logs: int = 0, progress: bool = True):
        """This account as a seed that ``batchkit.local(seed=...)`` and ``@pytest.mark.batch_seed(...)`` load:
        compute environments, queues, job definitions (ACTIVE, the latest revision unless `all_revisions`),
        scheduling policies and tags, and with `jobs` the jobs created `since` (finished ones as history,
        the others simulated again), `logs` lines of each finished job's log.  Account ids, roles, subnets and
        such become placeholders; secrets are masked.  A dict (a `seedexport.Seed`, whose ``summary`` says
        what was left out), written to `path` (YAML, or JSON for ``.json``) when given."""
        from . import seedexport

        return seedexport.export(self, path, jobs=jobs, since=since, queues=queues, all_revisions=all_revisions,
                                 logs=logs, progress=progress)

    def cancel(self, job_ids, reason: str = "Cancelled by batchkit") -> pd.DataFrame:
        """CancelJob for each job (an id, a list, or a frame with a jobId column), in parallel: one row per
        job with its error if any.  A job that does not exist is reported, not silently accepted."""
        from . import jobs

        return jobs.act(self, "CancelJob", job_ids, reason)

    def terminate(self, job_ids, reason: str = "Terminated by batchkit") -> pd.DataFrame:
        """TerminateJob for each job (running ones stop, queued ones are cancelled), as `cancel` reports them."""
        from . import jobs

        return jobs.act(self, "TerminateJob", job_ids, reason)


def _custom_endpoint(client) -> str | None:
    """The client's endpoint if it is not AWS's own (a local or private endpoint)."""
    url = client.meta.endpoint_url
    host = urlparse(url).hostname or ""
    return None if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")) else url


def _operation_method(op: catalog.Operation):
    def method(self, **kwargs) -> pd.DataFrame:
        return self.call(op.name, **kwargs)

    params = "\n".join(
        f"    {m.name} ({m.type}{', required' if m.required else ''}): {m.documentation[:200]}"
        for m in op.members
    )
    method.__name__ = method.__qualname__ = op.method
    method.__doc__ = f"{op.name}: {op.documentation}\n\nParameters:\n{params}\n\nReturns a DataFrame."
    return method


for _op in catalog.operations().values():
    setattr(Batch, _op.method, _operation_method(_op))
