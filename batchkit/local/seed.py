"""Seeds: plain AWS Batch requests, from a dict, a YAML/JSON file or a built-in name."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml

SECTIONS = {  # seed key -> the operation each of its entries is a request body of
    "computeEnvironments": "create_compute_environment",
    "jobQueues": "create_job_queue",
    "jobDefinitions": "register_job_definition",
    "jobs": "submit_job",
}
BUILT_IN = ("demo",)
ROLE_KEYS = ("serviceRole", "instanceRole", "jobRoleArn", "executionRoleArn", "spotIamFleetRole")


def load(seed) -> dict:
    """A seed as a dict of request lists; `None` is the empty seed."""
    if seed is None:
        return {}
    if isinstance(seed, dict):
        data = seed
    elif str(seed) in BUILT_IN:
        data = yaml.safe_load(resources.files(__package__).joinpath(f"seeds/{seed}.yaml").read_text())
    else:
        path = Path(seed)
        if not path.is_file():
            raise ValueError(f"seed {seed!r} is neither a built-in seed ({', '.join(BUILT_IN)}) nor a file")
        try:
            data = yaml.safe_load(path.read_text())  # YAML is a superset of JSON
        except yaml.YAMLError as exc:
            raise ValueError(f"seed file {path} is not valid YAML or JSON: {exc}".splitlines()[0]) from None
    unknown = set(data or {}) - set(SECTIONS)
    if not isinstance(data, dict) or unknown:
        raise ValueError(f"a seed has the keys {', '.join(SECTIONS)}; got {', '.join(sorted(unknown)) or type(data).__name__}")
    return data


def apply(client, seed: dict, iam=None) -> list[str]:
    """Send the seed's requests in dependency order; the submitted job ids.

    With an IAM client, roles the requests name and that do not exist yet are
    created first (lenient, so documented examples work verbatim).
    """
    if iam is not None:
        _create_missing_roles(iam, seed)
    job_ids = []
    for section, method in SECTIONS.items():
        for request in seed.get(section) or ():
            response = getattr(client, method)(**request)
            if section == "jobs":
                job_ids.append(response["jobId"])
    return job_ids


def _role_names(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ROLE_KEYS and isinstance(item, str):
                yield re.sub(r"^arn:aws[^:]*:iam::\d+:role/(.*/)?", "", item)
            else:
                yield from _role_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _role_names(item)


def _create_missing_roles(iam, seed: dict) -> None:
    existing = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    for name in dict.fromkeys(_role_names(seed)):
        if name not in existing:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
