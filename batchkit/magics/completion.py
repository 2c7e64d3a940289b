"""Tab completion for %batch through IPython's matcher API (v2).

Subcommands, option names, enum values (from the model) and live names:
queues, job definitions, compute environments (fetched at most every
LIVE_SECONDS, and only once %batch is connected) and the job ids of recent
results.  Inside a %batch line nothing else completes: where batchkit has
nothing to offer (a free-text value) the word stays as typed, so IPython adds
no Python names, magics or file paths.
"""

from __future__ import annotations

import argparse
import time
from functools import cache

from IPython.core.completer import SimpleCompletion, completion_matcher

from .. import catalog
from . import arguments
from .commands import PARSERS, commands

LIVE_SECONDS = 30.0
LIVE = {  # member -> (Batch method, name column)
    "jobQueue": ("queues", "jobQueueName"),
    "jobDefinition": ("definitions", "definition"),
    "computeEnvironment": ("envs", "computeEnvironmentName"),
}
JOB_IDS = ("jobId", "jobs", "arrayJobId")
ALIAS_POSITIONS = {"job": ["jobId"], "why": ["jobId"], "logs": ["jobId"] * 100, "wait": ["jobId"] * 100, "cancel": ["jobId"] * 100,
                   "terminate": ["jobId"] * 100, "submit": [None, "jobQueue", "jobDefinition"],
                   "use": [("aws", "local")], "resubmit": ["jobId"] * 100}  # the others' positional arguments come from their parsers
ALIAS_OPTIONS = {"queue": "jobQueue", "status": "jobStatus", "definition": "jobDefinition",
                 "depends_on": "jobId"}  # a short command's option (argparse dest) -> the model member it names
MAGIC_OPTIONS = ["--help", "--yes", "-o"]
NOTHING = {"completions": [], "suppress": False}


@cache
def enum(member: str) -> tuple[str, ...]:
    """The values the model allows for a member of this name (any operation's), or ()."""
    for op in catalog.operations().values():
        for m in op.members:
            if m.name == member and m.enum:
                return m.enum
    return ()


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
            # the word as typed when there is nothing to offer: it still suppresses every other matcher
            return {"completions": [SimpleCompletion(c, type=self._kind(c)) for c in candidates or [context.token]],
                    "suppress": True}

        return batch_completions

    def _kind(self, candidate: str) -> str:
        """What a completion popup shows beside it: a job id's name (shards[3] for a child), else "batch"."""
        name = self.magics.recent_jobs.get(candidate)
        if not name:
            return "batch"
        for mark, shown in ((":", "[{}]"), ("#", "#{}")):  # array children and multi-node nodes
            if mark in candidate:
                return name + shown.format(candidate.rsplit(mark, 1)[1])
        return name

    def candidates(self, text: str, token: str) -> list[str] | None:
        line = text.lstrip()
        if not line.startswith(("%batch", "%%batch")):
            return None
        words = line.split()
        if not line.endswith((" ", "\t")) and token:
            words = words[:-1]  # the word being typed is the token
        words = words[1:]
        if not words:
            return _starting(token, commands())
        command, previous = words[0], words[-1]
        if command in self.magics.aliases():
            return _starting(token, self._alias_values(command, words[1:], token))
        try:
            op = catalog.operation(command)
        except LookupError:
            return []
        if token.startswith("-") or (previous == command and not token):
            return _starting(token, arguments.options(op) + MAGIC_OPTIONS[1:])
        if previous.startswith("--"):
            try:
                member = op.member(previous)
            except LookupError:
                return []
            return _starting(token, self._values(member.name, member.enum))
        return []

    def _alias_values(self, command: str, words: list[str], token: str) -> list[str]:
        return self._parser_values(PARSERS[command], words, token, ALIAS_POSITIONS.get(command))

    def _parser_values(self, parser, words: list[str], token: str, slots: list | None) -> list[str]:
        """What may come next on a short command's line, read from its argparse parser."""
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and words and words[0] in action.choices:
                return self._parser_values(action.choices[words[0]], words[1:], token, None)  # `local faults ...`
        options = {o: action for action in parser._actions for o in action.option_strings}
        takes_value = {o for o, action in options.items() if action.nargs != 0}
        if token.startswith("-"):
            return [*options, *MAGIC_OPTIONS]
        if words and words[-1] in takes_value:  # an option's value
            return self._slot(options[words[-1]])
        positionals = [w for i, w in enumerate(words) if not w.startswith("-") and not (i and words[i - 1] in takes_value)]
        if slots is None:  # the parser's own positional arguments
            slots = [a for a in parser._actions if not a.option_strings]
        if len(positionals) >= len(slots):
            return [*options, *MAGIC_OPTIONS] if not token else []
        slot = slots[len(positionals)]
        if isinstance(slot, argparse.Action):
            return self._slot(slot)
        return list(slot) if isinstance(slot, (list, tuple)) else self._values(slot, ())

    def _slot(self, action: argparse.Action) -> list[str]:
        if action.choices:
            return list(action.choices)
        if action.dest == "operation":
            return list(catalog.operations())
        member = ALIAS_OPTIONS.get(action.dest)
        return self._values(member, enum(member)) if member else []

    def _values(self, member: str, enum_values) -> list[str]:
        if enum_values:
            return list(enum_values)
        if member in JOB_IDS:  # (IPython sorts them: a parent's id comes just before its children's)
            return list(reversed(self.magics.recent_jobs))
        if member in LIVE:
            return self._live_names(member)
        return []

    def _live_names(self, member: str) -> list[str]:
        batch = self.magics.connected
        if batch is None and self.magics.backend == "local":
            batch = self.magics.b  # the embedded backend: nothing leaves this process
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
