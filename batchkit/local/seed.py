"""Seeds: plain AWS Batch requests, from a dict, a YAML/JSON file or a built-in name."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import yaml

from . import history

SECTIONS = {  # seed key -> the operation each of its entries is a request body of, in the order sent
    "computeEnvironments": "create_compute_environment",
    "serviceEnvironments": "create_service_environment",
    "consumableResources": "create_consumable_resource",
    "schedulingPolicies": "create_scheduling_policy",
    "jobQueues": "create_job_queue",
    "quotaShares": "create_quota_share",
    "jobDefinitions": "register_job_definition",
    "jobs": "submit_job",
    "serviceJobs": "submit_service_job",
}
BUILT_IN = ("demo", "empty")


def load(seed) -> dict:
    """A seed as a dict of request lists, every entry checked; `None` is the empty seed.

    A bad seed is a one-line ValueError naming the file, the entry and the problem.
    """
    if seed is None or str(seed) == "empty":
        return {}
    where = label(seed)
    if isinstance(seed, dict):
        data = seed
    elif str(seed) in BUILT_IN:
        data = yaml.safe_load(resources.files(__package__).joinpath(f"seeds/{seed}.yaml").read_text())
    else:
        path = Path(seed)
        if path.suffix.lower() in history.TABLES:  # a table of jobs is a seed of history on its own
            return check({"jobs": history.read_table(path)}, where)
        if not path.is_file():
            raise ValueError(f"seed {seed!r} is neither a built-in seed ({', '.join(BUILT_IN)}) nor a file")
        try:
            data = yaml.safe_load(path.read_text())  # YAML is a superset of JSON
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ValueError(f"{where} is not valid YAML or JSON: {exc}".splitlines()[0]) from None
        if data is None:
            raise ValueError(f"{where} is empty: a seed is a mapping with the keys {', '.join(SECTIONS)}")
        if isinstance(data, dict) and isinstance(data.get("jobs"), str):  # a table, relative to the seed
            data = {**data, "jobs": history.read_table(path.parent / data["jobs"])}
    return check(data, where)


def check(data, where: str = "seed") -> dict:
    """`data` if it is a valid seed: a mapping of SECTIONS, each a list of valid request bodies."""
    from .validation import Invalid
    from .validation import check as check_request

    if not isinstance(data, dict):
        raise ValueError(f"{where}: a seed is a mapping with the keys {', '.join(SECTIONS)}, "
                         f"not {type(data).__name__}")
    unknown = sorted(map(str, set(data) - set(SECTIONS)))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; a seed has the keys {', '.join(SECTIONS)}")
    for section, entries in data.items():
        operation = _operation(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ValueError(f"{where}: {section} must be a list of {operation} requests, not {type(entries).__name__}")
        for number, entry in enumerate(entries):
            try:
                if not isinstance(entry, dict):
                    raise Invalid(f"expected a {operation} request, got {entry!r}"[:200])
                check_request(operation, history.split(entry)[0] if section == "jobs" else entry)
            except ValueError as exc:  # Invalid is one
                raise ValueError(f"{where}: {entry_name(section, number, entry)}: {exc}") from None
    return data


def label(seed) -> str:
    """How errors name a seed: its file, its built-in name, or 'seed' for a dict."""
    if seed is None or isinstance(seed, dict):
        return "seed"
    return f"seed {seed}" if str(seed) in BUILT_IN else f"seed file {seed}"


def entry_name(section: str, number: int, entry) -> str:
    """jobQueues[2] (HighPriority): an entry as an error names it."""
    if not isinstance(entry, dict):
        return f"{section}[{number}] (not a mapping)"
    names = [v for k, v in entry.items() if k == "name" or k.endswith("Name")]
    return f"{section}[{number}]" + (f" ({str(names[0])[:60]})" if names else "")


def _operation(section: str) -> str:
    from ..catalog import operation

    return operation(SECTIONS[section]).name


def key(seed) -> str:
    """What identifies a seed's snapshot: the built-in name, the file, or the dict's content."""
    if seed is None:
        return "built-in:empty"
    if isinstance(seed, dict):
        return "dict:" + json.dumps(seed, sort_keys=True, default=str)
    if str(seed) in BUILT_IN:
        return f"built-in:{seed}"
    return f"file:{Path(seed).resolve()}"


def apply(client, seed: dict, submit_jobs, where: str = "seed") -> list[str]:
    """Send the seed's requests in dependency order, its jobs in bulk (`submit_jobs`); the job ids.

    A request the backend refuses (a queue naming a missing environment) is a
    one-line ValueError naming the entry.
    """
    from botocore.exceptions import ClientError

    job_ids = []
    for section, method in SECTIONS.items():
        entries = seed.get(section) or ()
        if section == "jobs":
            job_ids = submit_jobs(entries)
            continue
        for number, request in enumerate(entries):
            try:
                getattr(client, method)(**request)
            except ClientError as exc:
                raise ValueError(f"{where}: {entry_name(section, number, request)}: "
                                 f"{exc.response['Error'].get('Message', exc)}") from None
    return job_ids
