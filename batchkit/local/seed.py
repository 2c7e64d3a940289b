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
    """A seed as a dict of request lists; `None` is the empty seed."""
    if seed is None or str(seed) == "empty":
        return {}
    if isinstance(seed, dict):
        data = seed
    elif str(seed) in BUILT_IN:
        data = yaml.safe_load(resources.files(__package__).joinpath(f"seeds/{seed}.yaml").read_text())
    else:
        path = Path(seed)
        if path.suffix.lower() in history.TABLES:  # a table of jobs is a seed of history on its own
            return {"jobs": history.read_table(path)}
        if not path.is_file():
            raise ValueError(f"seed {seed!r} is neither a built-in seed ({', '.join(BUILT_IN)}) nor a file")
        try:
            data = yaml.safe_load(path.read_text())  # YAML is a superset of JSON
        except yaml.YAMLError as exc:
            raise ValueError(f"seed file {path} is not valid YAML or JSON: {exc}".splitlines()[0]) from None
        if isinstance(data, dict) and isinstance(data.get("jobs"), str):  # a table, relative to the seed
            data = {**data, "jobs": history.read_table(path.parent / data["jobs"])}
    unknown = set(data or {}) - set(SECTIONS)
    if not isinstance(data, dict) or unknown:
        raise ValueError(f"a seed has the keys {', '.join(SECTIONS)}; got {', '.join(sorted(unknown)) or type(data).__name__}")
    return data


def key(seed) -> str:
    """What identifies a seed's snapshot: the built-in name, the file, or the dict's content."""
    if seed is None:
        return "built-in:empty"
    if isinstance(seed, dict):
        return "dict:" + json.dumps(seed, sort_keys=True, default=str)
    if str(seed) in BUILT_IN:
        return f"built-in:{seed}"
    return f"file:{Path(seed).resolve()}"


def apply(client, seed: dict, submit_jobs) -> list[str]:
    """Send the seed's requests in dependency order, its jobs in bulk (`submit_jobs`); the job ids."""
    job_ids = []
    for section, method in SECTIONS.items():
        entries = seed.get(section) or ()
        if section == "jobs":
            job_ids = submit_jobs(entries)
            continue
        for request in entries:
            getattr(client, method)(**request)
    return job_ids
