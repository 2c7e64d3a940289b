"""Tab completion for %batch through IPython's matcher API (v2).

Subcommands, option names, enum values and live names: queues, job
definitions, compute environments (fetched at most every LIVE_SECONDS, and
only once %batch is connected) and the job ids of recent results.
"""

from __future__ import annotations

import time

from IPython.core.completer import SimpleCompletion, completion_matcher

from .. import catalog
from . import arguments

LIVE_SECONDS = 30.0
LIVE = {  # member -> (Batch method, name column)
    "jobQueue": ("queues", "jobQueueName"),
    "jobDefinition": ("definitions", "definition"),
    "computeEnvironment": ("envs", "computeEnvironmentName"),
}
JOB_IDS = ("jobId", "jobs", "arrayJobId")
ALIAS_POSITIONS = {"job": ["jobId"], "logs": ["jobId"], "wait": ["jobId"] * 100, "cancel": ["jobId"] * 100,
                   "terminate": ["jobId"] * 100, "submit": [None, "jobQueue", "jobDefinition"],
                   "use": ["target"]}
NOTHING = {"completions": [], "suppress": False}


class Completer:
    def __init__(self, magics):
        self.magics = magics
        self._live: dict[str, tuple[float, list[str]]] = {}

    def matcher(self):
        @completion_matcher(api_version=2, identifier="batchkit", priority=1)
        def batch_completions(context):
            candidates = self.candidates(context.text_until_cursor, context.token)
            if candidates is None:
                return NOTHING
            return {"completions": [SimpleCompletion(c, type="batch") for c in candidates],
                    "suppress": True}

        return batch_completions

    def candidates(self, text: str, token: str) -> list[str] | None:
        line = text.lstrip()
        if not line.startswith(("%batch", "%%batch")):
            return None
        words = line.split()
        if not line.endswith((" ", "\t")) and token:
            words = words[:-1]  # the word being typed is the token
        words = words[1:]
        if not words:
            return _starting(token, [*self.magics.aliases(), *(op.cli_name for op in catalog.operations().values())])
        command, previous = words[0], words[-1]
        if command in self.magics.aliases():
            return _starting(token, self._alias_values(command, words[1:], token))
        try:
            op = catalog.operation(command)
        except LookupError:
            return []
        if token.startswith("-") or (previous == command and not token):
            return _starting(token, arguments.options(op))
        if previous.startswith("--"):
            try:
                member = op.member(previous)
            except LookupError:
                return []
            return _starting(token, self._values(member.name, member.enum))
        return []

    def _alias_values(self, command: str, words: list[str], token: str) -> list[str]:
        if token.startswith("-"):
            return ["--help", "--yes", "-o"]
        positionals = [w for w in words if not w.startswith("-")]
        slots = ALIAS_POSITIONS.get(command, [])
        if len(positionals) >= len(slots):
            return []
        slot = slots[len(positionals)]
        if slot == "target":
            return ["aws", "local"]
        return self._values(slot, ()) if slot else []

    def _values(self, member: str, enum) -> list[str]:
        if enum:
            return list(enum)
        if member in JOB_IDS:
            return list(reversed(self.magics.recent_job_ids))
        if member in LIVE:
            return self._live_names(member)
        return []

    def _live_names(self, member: str) -> list[str]:
        batch = self.magics.connected
        if batch is None:
            return []  # completion never connects to AWS by itself
        fetched_at, names = self._live.get(member, (0.0, []))
        if time.monotonic() - fetched_at > LIVE_SECONDS:
            method, column = LIVE[member]
            try:
                names = [str(n) for n in getattr(batch, method)()[column]]
            except Exception:  # completion must never raise into the user's typing
                names = []
            self._live[member] = (time.monotonic(), names)
        return names


def _starting(token: str, names) -> list[str]:
    return [n for n in dict.fromkeys(names) if n.startswith(token)]
