"""%batch and %%batch: every Batch action in AWS CLI syntax, a DataFrame back.

One handler per alias in `ALIASES`; anything else is an operation of the
catalog in AWS CLI spelling.  Settings are traitlets, so
``%config BatchMagics.region = "eu-west-1"`` works.  A user's mistake is one
line (UsageError), never a traceback, unless ``show_tracebacks`` is on.
"""

from __future__ import annotations

import contextlib
import shlex
from typing import NamedTuple

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Bool, CaselessStrEnum, Float, Int, TraitError, Unicode, observe, validate

from .. import catalog, yamlsafe
from ..errors import BatchError
from . import arguments, fixes
from .arguments import ArgumentError
from .commands import (ACT, CAPACITY, CONSOLE, DEFS, GRAPH, IDS, JOBS, LOCAL, LOGS, MONITOR, NOTHING, ONE_ID,
                       REPORT, RESUBMIT, SEED, SHORT, SUBMIT, TIMELINE, USE, WHY, commands)

OUT_FLAGS = ("-o", "--out")
FILE_OUT = ("report",)  # short commands whose -o names a file, not a variable
FILE_OUT += ("seed",)
RECENT_IDS = 50  # job ids of recent results, for completion
FOLLOW_SECONDS = 2.0  # how often logs --follow looks for new lines


class Printed(NamedTuple):
    """A result printed as it came (logs --follow): kept with -o, not shown again."""

    frame: object


@magics_class
class BatchMagics(Magics):
    profile = Unicode(None, allow_none=True, help="AWS profile (backend 'aws')").tag(config=True)
    region = Unicode(None, allow_none=True, help="AWS region").tag(config=True)
    endpoint_url = Unicode(None, allow_none=True, help="a Batch-compatible endpoint instead of AWS").tag(config=True)
    backend = CaselessStrEnum(["aws", "local"], default_value="aws",
                              help="'aws' (or endpoint_url) or 'local', the embedded backend").tag(config=True)
    seed = Unicode("demo", help="seed of the local backend: 'demo' or a YAML/JSON path").tag(config=True)
    speed = Float(1.0, help="the local backend's clock: simulated seconds per wall second").tag(config=True)
    clock = CaselessStrEnum(["realtime", "manual"], default_value="realtime",
                            help="the local backend's clock: 'realtime' (x speed) or 'manual' (%batch local advance)"
                            ).tag(config=True)
    executor = CaselessStrEnum(["simulated", "subprocess"], default_value="simulated",
                               help="how the local backend runs jobs: 'simulated' (%batch local outcome) or "
                                    "'subprocess' (their command runs here)").tag(config=True)
    display_rows = Int(50, help="rows shown of a result (the whole frame is kept)").tag(config=True)
    mask_secrets = Bool(True, help="mask secret-looking environment values and parameters").tag(config=True)
    show_tracebacks = Bool(False, help="show full tracebacks instead of one-line errors").tag(config=True)

    def __init__(self, shell=None, **kwargs):
        self._batch = self._local = self._panel_shown = None  # before traitlets: config may fire _reconnect
        super().__init__(shell=shell, **kwargs)
        self.recent_jobs: dict[str, str] = {}  # job id -> its name, of recent results (oldest first)
        if shell is not None and getattr(shell, "Completer", None) is not None:
            from .completion import Completer

            shell.Completer.custom_matchers.append(Completer(self).matcher())

    @observe("display_rows")
    def _show_rows(self, change):
        from ..display import install

        install(self.shell, rows=change["new"])

    @property
    def connected(self):
        """The Batch in use, or None before the first command (completion does not connect)."""
        return self._batch

    @staticmethod
    def aliases() -> list[str]:
        return list(ALIASES)

    @validate("speed")
    def _valid_speed(self, proposal):
        from ..local.clock import MAX_SPEED

        if not 0 < proposal["value"] <= MAX_SPEED:
            raise TraitError(f"speed must be above 0 and at most {MAX_SPEED:,}, not {proposal['value']}")
        return proposal["value"]

    @observe("profile", "region", "endpoint_url", "backend", "seed", "speed", "clock", "executor", "mask_secrets")
    def _reconnect(self, change):
        self._disconnect(stop_local=change["name"] in ("backend", "seed", "speed", "clock", "executor"))

    def _disconnect(self, stop_local: bool = True) -> None:
        """Forget the Batch in use; its refreshing panel and (when asked) the local backend stop."""
        self._batch = None
        if self._panel_shown is not None:
            self._panel_shown.close()
            self._panel_shown = None
        if stop_local and self._local is not None:
            self._local.stop()
            self._local = None

    @property
    def b(self):
        """The Batch the settings describe, connected on first use."""
        if self._batch is None:
            import batchkit

            if self.backend == "local":
                if self._local is None:  # settings that do not restart it (mask_secrets) keep its jobs
                    self._local = batchkit.local(seed=self.seed, clock=self.clock, speed=self.speed,
                                                 executor=self.executor)
                self._batch = self._local.batch
                self._batch.mask_secrets = self.mask_secrets
            else:
                self._batch = batchkit.connect(profile=self.profile, region=self.region,
                                               endpoint_url=self.endpoint_url, mask_secrets=self.mask_secrets)
        return self._batch

    # -- the magic -------------------------------------------------------------------

    @line_cell_magic
    def batch(self, line: str, cell: str | None = None):
        """%batch <subcommand> [options]: any Batch action in AWS CLI syntax (see %batch --help)."""
        try:
            return self._run(line, cell)
        except (ArgumentError, LookupError, ValueError, BatchError, OSError, TraitError) as exc:
            if self.show_tracebacks:
                raise
            from ..views import visible  # a service's message may hold escape sequences: shown, not obeyed

            raise UsageError(visible(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__) from None

    def _run(self, line: str, cell: str | None):
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise ArgumentError(f"cannot read the command line: {exc}") from None
        out, argv = (None, argv) if argv[:1] and argv[0] in FILE_OUT else _pop_option(argv, OUT_FLAGS)
        yes, argv = _pop_flag(argv, "--yes")
        if not argv or argv[0] in ("--help", "-h", "help"):
            print(self._overview())
            return None
        command, args = argv[0], argv[1:]
        handler = ALIASES.get(command)
        op = None if handler else _operation_named(command)
        if {"--help", "-h"} & set(args[: _options_end(args)]):  # after `--` they belong to the job's command
            print(handler.__doc__ if handler else arguments.help_text(op))
            return None
        if handler is not None:
            result = handler(self, args, cell, yes)
        else:
            result = self._operation(op, args, cell, yes)
        return self._deliver(result, out)

    def _operation(self, op: catalog.Operation, args: list[str], cell: str | None, yes: bool):
        base = _cell_request(cell) if cell and cell.strip() else None
        request = arguments.parse(op, args, self.shell.user_ns if self.shell else {}, base)
        many = [v for v in request.values() if isinstance(v, list)]
        if op.name.startswith(("Delete", "Deregister")) or (op.destructive and any(len(v) > 1 for v in many)):
            self._confirm(f"{op.cli_name} {_describe(request)}", yes)
        result = self.b.call(op.name, **request)
        token = next((page.get("NextToken") for page in reversed(result.attrs.get("responses", ())) if page), None)
        if token and "PaginationConfig" in request:  # as the AWS CLI does after --max-items
            result.attrs["NextToken"] = token
            print(f"more results: --starting-token {token}")
        return result

    def _remember(self, rows) -> None:
        """Job ids (and names) for completion: the newest RECENT_IDS seen (frames list the newest first)."""
        names = rows["jobName"] if "jobName" in rows.columns else [""] * len(rows)
        for job_id, name in reversed(list(zip(rows["jobId"], names))):
            if isinstance(job_id, str):
                self.recent_jobs.pop(job_id, None)
                self.recent_jobs[job_id] = name if isinstance(name, str) else ""
        for old in list(self.recent_jobs)[:-RECENT_IDS]:
            del self.recent_jobs[old]

    def _deliver(self, result, out: str | None):
        if isinstance(result, Printed):  # shown already: only kept
            result = result.frame if out else None
        if result is None:
            return None
        if hasattr(result, "columns") and "jobId" in result.columns:
            self._remember(result.head(RECENT_IDS))
        if out:
            self.shell.user_ns[out] = result
            return None
        return result  # the whole frame; IPython shows it through batchkit.views (batchkit.display)

    def _confirm(self, what: str, yes: bool) -> None:
        if yes:
            return
        try:
            answer = input(f"{what}: go ahead? [y/N] ")
        except (EOFError, OSError):  # no one to ask (a script, a captured test)
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise ArgumentError(f"not done: {what} needs --yes (or 'y' at the prompt)")

    def _overview(self) -> str:
        ops = catalog.operations().values()
        aliases = "\n".join(f"  {name:10} {handler.__doc__.splitlines()[0]}" for name, handler in ALIASES.items())
        return (
            "%batch <subcommand> [options] [-o NAME]    (%%batch <subcommand> takes a JSON/YAML request as the cell)\n\n"
            f"Short commands:\n{aliases}\n\nEvery Batch action, in AWS CLI syntax ({len(ops)}):\n"
            + "\n".join(f"  {op.cli_name}" for op in ops)
            + "\n\n%batch <subcommand> --help shows its options; --yes confirms deletes and bulk actions."
        )

    # -- aliases ------------------------------------------------------------------------

    def submit(self, args, cell, yes):
        """submit NAME QUEUE DEFINITION [-- COMMAND ...] [--env K=V] [--array N] [--depends-on ID[:N_TO_N]] [--vcpus N] [--memory MiB] [--retries N] [--timeout S] [--parameter K=V]: submit a job"""
        at = _options_end(args)  # the container command follows `--`
        args, command = args[:at], args[at + 1:]
        parsed = SUBMIT.parse_args(args)
        request = {"jobName": parsed.name, "jobQueue": parsed.queue, "jobDefinition": parsed.definition}
        overrides = {}
        if command:
            overrides["command"] = command
        if parsed.env:
            overrides["environment"] = [dict(zip(("name", "value"), _pair(e, "--env"))) for e in parsed.env]
        resources = [{"type": t, "value": f"{v:g}"} for t, v in (("VCPU", parsed.vcpus), ("MEMORY", parsed.memory)) if v]
        if resources:
            overrides["resourceRequirements"] = resources
        if overrides:
            request["containerOverrides"] = overrides
        if parsed.array:
            request["arrayProperties"] = {"size": parsed.array}
        if parsed.depends_on:
            request["dependsOn"] = [_dependency(d) for d in parsed.depends_on]
        if parsed.retries:
            request["retryStrategy"] = {"attempts": parsed.retries}
        if parsed.timeout:
            request["timeout"] = {"attemptDurationSeconds": parsed.timeout}
        if parsed.parameter:
            request["parameters"] = dict(_pair(p, "--parameter") for p in parsed.parameter)
        return self.b.submit_job(**request)

    def jobs(self, args, cell, yes):
        """jobs [--queue Q ...] [--status S ...] [--name GLOB] [--since 2h] [--detail] [--children]: jobs of every status and queue by default"""
        parsed = JOBS.parse_args(args)
        return self.b.jobs(queue=parsed.queue, status=parsed.status or "ALL", name=parsed.name,
                           since=parsed.since, detail=parsed.detail, children=parsed.children)

    def job(self, args, cell, yes):
        """job ID: one job as a card (facts, attempts, dependencies, array, log tail); the value is its full row"""
        return self.b.job(ONE_ID.parse_args(args).id)

    def logs(self, args, cell, yes):
        """logs ID [--attempt N] [--tail N] [--follow] | logs IDS|VARIABLE ... --grep PATTERN [--since 2h] [--attempt N|all]: the CloudWatch Logs events of an attempt, or the lines of many jobs' logs that match a filter pattern"""
        parsed = LOGS.parse_args(args)
        if parsed.grep is not None:
            if parsed.tail is not None or parsed.follow:
                raise ArgumentError("--grep searches whole logs: leave out --tail and --follow")
            return self.b.search_logs(self._ids(parsed.ids), parsed.grep, since=parsed.since, attempt=parsed.attempt)
        if len(parsed.ids) > 1 or parsed.since is not None or parsed.attempt is None:
            raise ArgumentError("logs shows one job's attempt; --grep PATTERN searches many jobs (and --since, "
                                "--attempt all go with it)")
        job_id = parsed.ids[0]
        if parsed.follow:
            with self._interruptible([job_id]):
                return self._follow(job_id, parsed.attempt)
        return self.b.logs(job_id, attempt=parsed.attempt, tail=parsed.tail)

    def _follow(self, job_id: str, attempt: int):
        """Print new log lines (timestamped) as they arrive, until the job has finished."""
        from ..views import LogText

        printed = 0
        while True:
            finished = self.b.describe_jobs(jobs=[job_id]).loc[0, "status"] in ("SUCCEEDED", "FAILED")
            df = self.b.logs(job_id, attempt=attempt)
            new = LogText(df.iloc[printed:])  # the last LOG_LINES of them, control characters made visible
            if new.hidden:
                print(f"… {new.hidden:,} earlier lines left out (-o NAME keeps every line)", flush=True)
            for line in new.lines():
                print(line, flush=True)
            printed = len(df)
            if finished:
                return Printed(df)
            self.b.sleep(FOLLOW_SECONDS)

    def wait(self, args, cell, yes):
        """wait IDS|VARIABLE [--timeout S]: until the jobs finish; their final rows (Ctrl-C offers to stop them)"""
        parsed = IDS.parse_args(args)
        ids = self._ids(parsed.ids)
        with self._interruptible(ids):
            return self.b.wait(ids, timeout=parsed.timeout)

    @contextlib.contextmanager
    def _interruptible(self, ids: list[str]):
        """Ctrl-C stops cleanly and offers to cancel or terminate the jobs."""
        try:
            yield
        except KeyboardInterrupt:
            try:
                answer = input(f"Interrupted. Cancel (c) or terminate (t) the {len(ids)} job(s), "
                               "or leave them running (Enter)? ").strip().lower()
            except (EOFError, OSError, KeyboardInterrupt):
                answer = ""
            if answer in ("c", "t"):
                verb = "cancel" if answer == "c" else "terminate"
                result = getattr(self.b, verb)(ids, reason="Interrupted from %batch")
                print(f"{verb}: {len(result)} job(s)")
                raise UsageError(f"interrupted; asked Batch to {verb} {len(ids)} job(s)") from None
            raise UsageError(f"interrupted; the {len(ids)} job(s) go on") from None

    def cancel(self, args, cell, yes):
        """cancel IDS|VARIABLE --reason R [--yes]: cancel queued jobs (more than one needs --yes)"""
        return self._act("cancel", args, yes)

    def terminate(self, args, cell, yes):
        """terminate IDS|VARIABLE --reason R [--yes]: stop jobs (more than one needs --yes)"""
        return self._act("terminate", args, yes)

    def _act(self, verb: str, args, yes):
        parsed = ACT.parse_args(args)
        ids = self._ids(parsed.ids)
        if len(ids) > 1:
            self._confirm(f"{verb} {len(ids)} jobs", yes)
        return getattr(self.b, verb)(ids, reason=parsed.reason or f"{verb.title()}ed from %batch")

    def queues(self, args, cell, yes):
        """queues: the job queues"""
        NOTHING.parse_args(args)
        return self.b.queues()

    def envs(self, args, cell, yes):
        """envs: the compute environments"""
        NOTHING.parse_args(args)
        return self.b.envs()

    def defs(self, args, cell, yes):
        """defs [--status ACTIVE|INACTIVE|ALL]: job definitions"""
        return self.b.definitions(status=DEFS.parse_args(args).status)

    def monitor(self, args, cell, yes):
        """monitor [--queue Q ...] [--interval S]: the live job monitor (widgets; the previous one stops)"""
        parsed = MONITOR.parse_args(args)
        from .. import widgets

        return self._panel(widgets.monitor(self.b, queues=parsed.queue, interval=parsed.interval))

    def console(self, args, cell, yes):
        """console [--interval S]: the monitor, a submit form, resource tables and every action's form"""
        parsed = CONSOLE.parse_args(args)
        from .. import widgets

        return self._panel(widgets.console(self.b, interval=parsed.interval))

    def why(self, args, cell, yes):
        """why ID|--queue NAME: why a job is where it is (stuck RUNNABLE, waiting, failed), or what holds up a queue: findings with what to fix"""
        parsed = WHY.parse_args(args)
        if (parsed.id is None) == (parsed.queue is None):
            raise ArgumentError("why takes a job id, or --queue NAME; not both" if parsed.id
                                else "why takes a job id, or --queue NAME")
        if parsed.queue is not None:
            findings = self.b.why_queue(parsed.queue)
        else:
            ids = self._ids([parsed.id])  # an id, or a variable holding one
            if len(ids) > 1:
                raise ArgumentError(f"why explains one job; {len(ids)} were given")
            findings = self.b.why(ids[0])
        findings["fix"] = findings["fix"].map(fixes.as_magic)  # what to type here, not Python
        return findings

    def timeline(self, args, cell, yes):
        """timeline [IDS|VARIABLE ...] [--queue Q ...] [--since 2h] [--expand]: a Gantt chart of jobs: waits, runs, statuses, arrays with their children"""
        parsed = TIMELINE.parse_args(args)
        jobs = self._ids(parsed.ids) if parsed.ids else None
        return self.b.timeline(jobs, since=parsed.since, queue=parsed.queue, expand=parsed.expand)

    def graph(self, args, cell, yes):
        """graph [IDS|VARIABLE ...] [--queue Q ...] [--since 2h]: the jobs' dependency graph: arrows per dependsOn, arrays folded, failures to their cause"""
        parsed = GRAPH.parse_args(args)
        jobs = self._ids(parsed.ids) if parsed.ids else None
        return self.b.graph(jobs, since=parsed.since, queue=parsed.queue)

    def capacity(self, args, cell, yes):
        """capacity [--queue Q ...] [--since 2h]: vCPUs, memory and GPUs in use per compute environment against maxvCpus"""
        parsed = CAPACITY.parse_args(args)
        return self.b.capacity(since=parsed.since, queue=parsed.queue)

    def report(self, args, cell, yes):
        """report -o FILE [--since 24h] [--queue Q ...]: a run report as one self-contained HTML file"""
        parsed = REPORT.parse_args(args)
        written = self.b.report(parsed.out, since=parsed.since, queues=parsed.queue)
        print(f"{written.path}: {written.summary()}")
        _display_link(written.path)
        return None

    def resubmit(self, args, cell, yes):
        """resubmit IDS|VARIABLE [--failed] [--dependents] [--yes] [-- COMMAND ...] [--name N] [--queue Q] [--definition D] [--env K=V] [--vcpus N] [--memory MiB] [--retries N] [--timeout S] [--parameter K=V] [--array N] [--depends-on ID]: the same work again (--failed: an array's failed children, each with its index in BATCHKIT_ARRAY_INDEX; --dependents: the jobs that failed for want of it; more than one job needs --yes)"""
        from .. import resubmit

        at = _options_end(args)  # the container command follows `--`
        args, command = args[:at], args[at + 1:]
        parsed = RESUBMIT.parse_args(args)
        overrides = {name: value for name, value in (
            ("name", parsed.name), ("queue", parsed.queue), ("definition", parsed.definition),
            ("command", command or None), ("vcpus", parsed.vcpus), ("memory", parsed.memory),
            ("retries", parsed.retries), ("timeout", parsed.timeout), ("array", parsed.array),
            ("depends_on", parsed.depends_on), ("env", dict(_pair(e, "--env") for e in parsed.env or ()) or None),
            ("parameters", dict(_pair(p, "--parameter") for p in parsed.parameter or ()) or None)) if value is not None}
        planned = resubmit.plan(self.b, self._ids(parsed.ids), parsed.failed, parsed.dependents, overrides)
        resubmit.check(planned)
        if len(planned) > 1:
            self._confirm(f"resubmit {len(planned)} jobs: {planned.summary}", yes)
        return resubmit.submit(self.b, planned)

    def seed_export(self, args, cell, yes):
        """seed export -o FILE [--jobs] [--since 24h] [--queues Q ...] [--all-revisions] [--logs N] [--yes]: this account (or the local backend's scenario) as a seed file for batchkit.local and @pytest.mark.batch_seed"""
        parsed = SEED.parse_args(args)
        if (parsed.since or parsed.logs) and not parsed.jobs:
            raise ArgumentError("%batch seed export: --since and --logs need --jobs")
        from ..seedexport import targets

        existing = [str(p) for p in targets(parsed.out) if p.exists()]
        if existing:  # a hand-written seed must not go unasked
            self._confirm(f"seed export overwrites {', '.join(existing)}", yes)
        written = self.b.export_seed(parsed.out, jobs=parsed.jobs, since=parsed.since, queues=parsed.queue,
                                     all_revisions=parsed.all_revisions, logs=parsed.logs)
        print(f"{written.path}: {written.summary}")
        return None

    def _panel(self, panel):
        if self._panel_shown is not None:  # one refreshing panel at a time; the older one stays readable
            self._panel_shown.pause("paused: a newer %batch monitor or console refreshes (Refresh updates this one)")
        self._panel_shown = panel
        return panel

    def use(self, args, cell, yes):
        """use aws|local|URL [--profile P] [--region R] [--seed S] [--speed X] [--clock realtime|manual] [--executor simulated|subprocess]: where %batch sends requests"""
        parsed = USE.parse_args(args)
        with self.hold_trait_notifications():
            if parsed.profile is not None:
                self.profile = parsed.profile
            if parsed.region is not None:
                self.region = parsed.region
            if parsed.seed is not None:
                self.seed = parsed.seed
            for name in ("speed", "clock", "executor"):
                if getattr(parsed, name) is not None:
                    setattr(self, name, getattr(parsed, name))
            if parsed.target == "local":
                self.backend = "local"
            elif parsed.target == "aws":
                self.backend, self.endpoint_url = "aws", None
            else:
                self.backend, self.endpoint_url = "aws", parsed.target
        self._disconnect()  # `use local` again starts afresh: the old backend must not keep running
        print(f"%batch uses {self._where()}")
        return None

    def config(self, args, cell, yes):
        """config: the current settings (change them with %config BatchMagics.<name> = ...)"""
        NOTHING.parse_args(args)
        for name in sorted(self.trait_names(config=True)):
            print(f"BatchMagics.{name} = {getattr(self, name)!r}")
        print(f"# requests go to {self._where()}")
        return None

    def local(self, args, cell, yes):
        """local outcome PATTERN [--exit-code N ...] [--reason R] [--duration S] [--logs TEXT ...] | advance 10m | idle | faults [throttle|latency|error|capacity|spot|invalid|clear] ... | reset: script the local backend"""
        parsed = LOCAL.parse_args(args)
        if self._local is None and self.backend == "local":
            self.b  # connects
        if self._local is None:
            raise ArgumentError("%batch local needs the local backend: %batch use local")
        lb = self._local
        try:
            if parsed.action == "outcome":
                lb.set_outcome(parsed.pattern, exit_code=parsed.exit_code if len(parsed.exit_code) > 1
                               else parsed.exit_code[0], duration=_seconds(parsed.duration), logs=parsed.logs,
                               reason=parsed.reason, queue=parsed.queue, definition=parsed.definition)
                print(f"jobs named {parsed.pattern} now end with exit code "
                      f"{' then '.join(map(str, parsed.exit_code))}")
            elif parsed.action == "advance":
                lb.advance(_seconds(parsed.time))
            elif parsed.action == "idle":
                print(f"idle after {_duration(lb.run_until_idle())} of simulated time")
            elif parsed.action == "reset":
                lb.reset()
            elif parsed.fault == "clear":
                lb.faults.clear()
            elif parsed.fault is not None:
                self._fault(lb.faults, parsed)
            if parsed.action == "faults":
                print("faults:", "; ".join(lb.faults.described()) or "none")
        except RuntimeError as exc:  # a manual-clock action on the realtime clock
            raise ArgumentError(f"{exc}: %batch use local --clock manual") from None
        except ValueError as exc:  # a fault's bad argument (an unknown environment, a negative rate)
            raise ArgumentError(str(exc)) from None
        return None

    @staticmethod
    def _fault(faults, parsed) -> None:
        target = parsed.operation  # the operation, or what the EC2 faults take: a type glob, a rate, an environment
        if parsed.fault == "capacity":
            faults.capacity(target)
        elif parsed.fault == "spot":
            faults.spot(per_hour=_number(target, "spot takes reclaims per hour: %batch local faults spot 2"))
        elif parsed.fault == "invalid":
            if target == "*":
                raise ArgumentError("invalid takes a compute environment: %batch local faults invalid NAME "
                                    "[--message REASON]")
            faults.invalid(target, *([parsed.message] if parsed.message else []))
        elif parsed.fault == "latency":
            faults.latency(target, _seconds(parsed.seconds or "0.1"))
        elif parsed.fault == "throttle":
            faults.throttle(parsed.operation, rate=parsed.rate, times=parsed.times)
        else:
            faults.error(parsed.operation, status=parsed.status, code=parsed.code, message=parsed.message,
                         rate=parsed.rate, times=parsed.times)

    def _where(self) -> str:
        if self.backend == "local":
            import batchkit

            return (f"{batchkit.local.LABEL}, seed {self.seed!r}, {self.clock} clock"
                    + (f" x{self.speed:g}" if self.clock == "realtime" else "") + f", {self.executor} jobs")
        where = self.endpoint_url or "AWS"
        return where + "".join(f", {k} {v}" for k, v in (("profile", self.profile), ("region", self.region)) if v)

    def _ids(self, words: list[str]) -> list[str]:
        """Job ids from words, or from variables (str, list, Series, DataFrame with jobId) they name."""
        from ..jobs import job_ids

        namespace = self.shell.user_ns if self.shell else {}
        ids = []
        for word in words:  # a word naming a variable stands for its ids (a str, list, Series or frame)
            if word.isidentifier() and word in namespace:
                try:
                    ids += job_ids(namespace[word], name=word)
                except TypeError as exc:  # None, a number, a dict, a frame without jobId: say what it holds
                    raise ArgumentError(str(exc)) from None
            else:
                ids += job_ids(word)
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise ArgumentError("no job ids given")
        return ids


ALIASES = {name: getattr(BatchMagics, name) for name in SHORT}
ALIASES["seed"] = BatchMagics.seed_export  # `seed` is the trait naming the local backend's seed


def reference() -> str:
    """The short commands as a Markdown list (the README's magics reference is checked against it)."""
    lines = []
    for handler in ALIASES.values():
        usage, _, description = handler.__doc__.splitlines()[0].partition(": ")
        lines.append(f"- `%batch {usage}` — {description}")
    return "\n".join(lines)


def _operation_named(command: str) -> catalog.Operation:
    try:
        return catalog.operation(command)
    except LookupError:
        raise ArgumentError(f"unknown command {command!r}{catalog.suggest(command, commands())}") from None


def _options_end(argv: list[str]) -> int:
    """Where %batch's own options end: a command after `--` keeps its -o and --yes."""
    return argv.index("--") if "--" in argv else len(argv)


def _pop_option(argv: list[str], flags: tuple[str, ...]) -> tuple[str | None, list[str]]:
    for i, word in enumerate(argv[: _options_end(argv)]):
        if word in flags:
            if i + 1 >= len(argv) or not argv[i + 1].isidentifier():
                raise ArgumentError(f"{word} needs a variable name")
            return argv[i + 1], argv[:i] + argv[i + 2:]
    return None, argv


def _pop_flag(argv: list[str], flag: str) -> tuple[bool, list[str]]:
    end = _options_end(argv)
    if flag not in argv[:end]:
        return False, argv
    return True, [w for w in argv[:end] if w != flag] + argv[end:]


def _number(text: str, usage: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ArgumentError(usage) from None


def _seconds(text: str | None) -> float | None:
    """'90', '90s', '10m', '1h30m' as seconds."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    from ..jobs import timedelta

    try:
        return timedelta(text).total_seconds()
    except ValueError:
        raise ArgumentError(f"cannot read {text!r} as a duration: give seconds or e.g. 90s, 10m, 1h30m") from None


def _duration(seconds: float) -> str:
    from ..views import duration

    return duration(seconds)


def _pair(text: str, option: str) -> tuple[str, str]:
    if "=" not in text:
        raise ArgumentError(f"{option} takes KEY=VALUE, not {text!r}")
    key, value = text.split("=", 1)
    return key, value


def _dependency(text: str) -> dict:
    job_id, _, kind = text.partition(":")
    return {"jobId": job_id, **({"type": kind} if kind else {})}


def _cell_request(cell: str) -> dict:
    """A %%batch cell: the request as JSON or YAML (YAML reads JSON too)."""
    import yaml

    try:
        data = yamlsafe.load(cell)  # bounded: a cell is user input (alias bombs)
    except yaml.YAMLError as exc:
        raise ArgumentError(f"the cell is not valid JSON or YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ArgumentError("the cell must hold the request: an object of the operation's members")
    return data


def _describe(request: dict) -> str:
    parts = [f"{k}={v}" for k, v in request.items() if not isinstance(v, (dict, list))]
    parts += [f"{k}=[{len(v)}]" for k, v in request.items() if isinstance(v, list)]
    return " ".join(parts)


def _display_link(path) -> None:
    """A link to a file written beside the notebook; HTML only: a terminal has the path printed already."""
    import html

    from IPython.display import display

    href = html.escape(str(path), quote=True)
    display({"text/html": f"<a href='{href}' target='_blank'>open the report: {href}</a>"}, raw=True)
