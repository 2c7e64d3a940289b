"""The short %batch commands' argument parsers: what the magics parse and completion reads."""

from __future__ import annotations

import argparse
import re

from .. import catalog
from .arguments import ArgumentError

SHORT = ("submit", "jobs", "job", "logs", "wait", "cancel", "terminate", "queues", "envs", "defs", "monitor",
         "console", "use", "config", "why", "timeline", "capacity", "report", "local",
         "resubmit",
         "graph",
         "seed")  # BatchMagics' methods


class AliasParser(argparse.ArgumentParser):
    def error(self, message: str):
        unknown = message.removeprefix("unrecognized arguments: ").split()
        if message.startswith("unrecognized arguments: ") and unknown[0].startswith("-"):
            known = [o for action in self._actions for o in action.option_strings] + ["--yes", "-o"]
            message = f"no option {unknown[0]}{catalog.suggest(unknown[0], known)}"
        choice = re.match(r"argument (\S+): invalid choice: '(.*?)' \(choose from (.*)\)$", message)
        if choice:  # a close one suggested, not every choice listed
            word, choices = choice[2], re.findall(r"'([^']*)'", choice[3])
            what = f"{choice[1]} value" if choice[1].startswith("-") else "command"  # an option's, or a subcommand
            message = (f"no {what} {word!r}"
                       f"{catalog.suggest(word, choices) or ' (one of ' + ', '.join(choices) + ')'}")
        raise ArgumentError(f"{self.prog}: {message}")


def alias_parser(name: str, *arguments_: tuple) -> AliasParser:
    parser = AliasParser(prog=f"%batch {name}", add_help=False, allow_abbrev=False)
    for flags, options in arguments_:
        parser.add_argument(*flags, **options)
    return parser


SUBMIT = alias_parser(
    "submit", (("name",), {}), (("queue",), {}), (("definition",), {}),
    (("--env",), {"action": "append"}), (("--array",), {"type": int}),
    (("--depends-on",), {"action": "append"}), (("--vcpus",), {"type": float}),
    (("--memory",), {"type": int}), (("--retries",), {"type": int}), (("--timeout",), {"type": int}),
    (("--parameter",), {"action": "append"}))
JOBS = alias_parser(
    "jobs", (("--queue",), {"action": "append"}), (("--status",), {"action": "append"}), (("--name",), {}),
    (("--since",), {}), (("--detail",), {"action": "store_true"}), (("--children",), {"action": "store_true"}))
ONE_ID = alias_parser("job", (("id",), {}))
WHY = alias_parser("why", (("id",), {"nargs": "?"}), (("--queue",), {}))


def attempt(value: str) -> int | None:
    """An attempt's index (-1 the last), or `all`."""
    return None if value == "all" else int(value)


LOGS = alias_parser("logs", (("ids",), {"nargs": "+"}), (("--attempt",), {"type": attempt, "default": -1}),
                     (("--tail",), {"type": int}), (("--follow",), {"action": "store_true"}),
                     (("--grep",), {}), (("--since",), {}))
IDS = alias_parser("wait", (("ids",), {"nargs": "+"}), (("--timeout",), {"type": float}))
ACT = alias_parser("cancel", (("ids",), {"nargs": "+"}), (("--reason",), {}))
DEFS = alias_parser("defs", (("--status",), {"default": "ACTIVE", "choices": ("ACTIVE", "INACTIVE", "ALL")}))
USE = alias_parser("use", (("target",), {}), (("--profile",), {}), (("--region",), {}), (("--seed",), {}),
                    (("--speed",), {"type": float}), (("--clock",), {"choices": ("realtime", "manual")}),
                    (("--executor",), {"choices": ("simulated", "subprocess")}))
NOTHING = alias_parser("command")
MONITOR = alias_parser("monitor", (("--queue",), {"action": "append"}), (("--interval",), {"type": float, "default": 5.0}))
CONSOLE = alias_parser("console", (("--interval",), {"type": float, "default": 5.0}))
TIMELINE = alias_parser("timeline", (("ids",), {"nargs": "*"}), (("--queue",), {"action": "append"}), (("--since",), {}),
                         (("--expand",), {"action": "store_true"}))
GRAPH = alias_parser("graph", (("ids",), {"nargs": "*"}), (("--queue",), {"action": "append"}), (("--since",), {}))
CAPACITY = alias_parser("capacity", (("--queue",), {"action": "append"}), (("--since",), {}))
REPORT = alias_parser("report", (("-o", "--out"), {"required": True}), (("--since",), {"default": "24h"}),
                       (("--queue",), {"action": "append"}))
RESUBMIT = alias_parser(  # submit's options, the name, queue and definition among them
    "resubmit", (("ids",), {"nargs": "+"}), (("--failed",), {"action": "store_true"}),
    (("--dependents",), {"action": "store_true"}), (("--name",), {}), (("--queue",), {}), (("--definition",), {}),
    (("--env",), {"action": "append"}), (("--array",), {"type": int}), (("--depends-on",), {"action": "append"}),
    (("--vcpus",), {"type": float}), (("--memory",), {"type": int}), (("--retries",), {"type": int}),
    (("--timeout",), {"type": int}), (("--parameter",), {"action": "append"}))

SEED = alias_parser("seed", (("action",), {"choices": ("export",)}), (("-o", "--out"), {"required": True}),
                     (("--jobs",), {"action": "store_true"}), (("--since",), {}),
                     (("--queues",), {"nargs": "+", "dest": "queue"}),  # dest: completion offers queue names
                     (("--all-revisions",), {"action": "store_true"}), (("--logs",), {"type": int, "default": 0}))


def _local_parser() -> AliasParser:
    parser = alias_parser("local")
    actions = parser.add_subparsers(dest="action", required=True, metavar="outcome|advance|idle|faults|reset")
    sub = {name: actions.add_parser(name, prog=f"%batch local {name}", add_help=False, allow_abbrev=False)
           for name in ("outcome", "advance", "idle", "faults", "reset")}
    outcome = sub["outcome"]
    outcome.add_argument("pattern")
    outcome.add_argument("--exit-code", type=int, nargs="+", default=[0])
    for option in ("--reason", "--duration", "--queue", "--definition"):
        outcome.add_argument(option)
    outcome.add_argument("--logs", nargs="+")
    sub["advance"].add_argument("time")
    faults = sub["faults"]
    faults.add_argument("fault", nargs="?", choices=("throttle", "latency", "error", "capacity", "spot", "invalid",
                                                     "clear"))
    faults.add_argument("operation", nargs="?", default="*")
    faults.add_argument("seconds", nargs="?")
    faults.add_argument("--rate", type=float)
    faults.add_argument("--times", type=int)
    faults.add_argument("--status", type=int, default=500)
    faults.add_argument("--code")
    faults.add_argument("--message")
    return parser


LOCAL = _local_parser()
PARSERS = {"submit": SUBMIT, "jobs": JOBS, "job": ONE_ID, "logs": LOGS, "wait": IDS, "cancel": ACT, "terminate": ACT,
           "queues": NOTHING, "envs": NOTHING, "defs": DEFS, "monitor": MONITOR, "console": CONSOLE, "use": USE,
           "config": NOTHING, "why": WHY, "timeline": TIMELINE, "capacity": CAPACITY, "report": REPORT,
           "local": LOCAL,
           "resubmit": RESUBMIT,
           "graph": GRAPH,
           "seed": SEED}  # each short command's parser (completion reads their options)


def commands() -> list[str]:
    """What may follow %batch: the short commands and every operation in the AWS CLI's spelling."""
    return [*SHORT, *(op.cli_name for op in catalog.operations().values())]
