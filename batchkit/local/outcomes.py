"""How simulated jobs end: outcome rules matched on job name, plus the opt-in subprocess executor.

A node of a multi-node parallel job is matched as ``<name>#<index>`` as well as by its job's
name: ``set_outcome("train#0", exit_code=1)`` fails the main node (index 0) of jobs named
``train``, ``set_outcome("train", ...)`` applies to every node.  A node other than the main one
without a duration of its own runs until the main node exits.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from . import nodes

DEFAULT_SECONDS = 5.0  # a job with no matching rule succeeds after this much simulated time
SUCCESS = "Essential container in task exited"
EXECUTORS = ("simulated", "subprocess")


@dataclass(frozen=True)
class Outcome:
    """What an attempt does: exit code (or one per attempt), run time, log lines, reason."""

    pattern: str = "*"
    exit_code: int | tuple[int, ...] = 0
    duration: float | None = None
    logs: tuple[str, ...] | None = None  # None: one line saying what was simulated
    reason: str | None = None
    definition: str | None = None
    queue: str | None = None
    memory: int | None = None  # MiB the container uses: above the job's memory it is killed (exit 137)
    index: frozenset[int] | None = None  # only these array children (None: any job)

    def matches(self, name: str, queue, definition=None, index: int | None = None, node: int | None = None) -> bool:
        """Whether the rule is for a job of this name, queue and definition (a service job has none) and,
        when the rule names indexes, an array child of one of them; a node also matches as ``<name>#<node>``."""
        return (
            (fnmatchcase(name, self.pattern) or (node is not None and fnmatchcase(f"{name}#{node}", self.pattern)))
            and (self.index is None or index in self.index)
            and (self.definition is None if definition is None
                 else _matches(self.definition, definition.name, definition.arn))
            and _matches(self.queue, queue.name, queue.arn)
        )

    def exit_code_for(self, attempt: int) -> int:
        codes = self.exit_code if isinstance(self.exit_code, tuple) else (self.exit_code,)
        return int(codes[min(attempt, len(codes) - 1)])


def _matches(pattern, name, arn) -> bool:
    return pattern is None or arn == pattern or fnmatchcase(name, pattern)


@dataclass
class Outcomes:
    """Rules added by `set_outcome`, the newest first; jobs no rule matches succeed."""

    rules: list[Outcome] = field(default_factory=list)

    def add(self, pattern, exit_code=0, duration=None, logs=None, reason=None, definition=None, queue=None,
            memory=None, index=None) -> Outcome:
        if isinstance(exit_code, (list, tuple)):
            exit_code = tuple(int(code) for code in exit_code) or (0,)
        elif not isinstance(exit_code, int):
            raise ValueError(f"exit_code must be an int or a list of ints, not {exit_code!r}")
        if duration is not None and not duration >= 0:
            raise ValueError(f"duration must be a number of seconds >= 0, not {duration!r}")
        if isinstance(logs, str):
            logs = logs.splitlines()
        logs = None if logs is None else tuple(str(line) for line in logs)
        if memory is not None and not (isinstance(memory, (int, float)) and memory > 0):
            raise ValueError(f"memory must be a number of MiB > 0, not {memory!r}")
        if index is not None:
            indexes = [index] if isinstance(index, int) else list(index) if isinstance(index, (list, tuple, range,
                                                                                                 set, frozenset)) else None
            if not indexes or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in indexes):
                raise ValueError(f"index must be an array index (int >= 0) or a list or range of them, not {index!r}")
            index = frozenset(indexes)
        rule = Outcome(str(pattern), exit_code, duration, logs, reason, definition, queue, memory, index)
        self.rules.insert(0, rule)
        return rule

    def find(self, name: str, queue, definition=None, index: int | None = None, node: int | None = None) -> Outcome:
        """The newest rule for a job of this name, queue, definition (and array index, or node), or the default
        outcome."""
        return next((rule for rule in self.rules if rule.matches(name, queue, definition, index, node)), Outcome())

    def clear(self) -> None:
        self.rules.clear()


def simulated_logs(job) -> list[str]:
    """What a simulated attempt writes when no outcome says: the command it stands for."""
    import shlex

    command = command_of(job)
    return [f"(simulated by batchkit.local) {shlex.join(command)}"] if command else []


def command_of(job) -> list[str]:
    """The container command with `Ref::name` parameters substituted, as the service does."""
    params = job.parameters
    return [params.get(arg[5:], arg) if arg.startswith("Ref::") else arg for arg in job.container.get("command") or ()]


def run_process(job, timeout: float | None) -> tuple[int, list[str], float, str | None]:
    """Run the job's command here: (exit code, output lines, seconds taken, reason)."""
    env = {**os.environ, **{e["name"]: e.get("value", "") for e in job.container.get("environment") or ()}}
    env.update(AWS_BATCH_JOB_ID=job.id, AWS_BATCH_JQ_NAME=job.queue.name, AWS_BATCH_JOB_ATTEMPT=str(len(job.attempts) + 1))
    if job.env is not None:
        env["AWS_BATCH_CE_NAME"] = job.env.name
    if job.index is not None:
        env["AWS_BATCH_JOB_ARRAY_INDEX"] = str(job.index)
    env.update(nodes.environment(job))
    command = command_of(job)
    started = time.monotonic()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or "") + (exc.stderr or "")
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        return 137, output.splitlines(), time.monotonic() - started, None
    except OSError as exc:  # no such command: the container would fail to start
        return 127, [f"{command[0] if command else '(no command)'}: {exc.strerror}"], 0.0, "CannotStartContainerError"
    return done.returncode, (done.stdout + done.stderr).splitlines(), time.monotonic() - started, None
