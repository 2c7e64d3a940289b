"""Seeds: plain AWS Batch requests, from a dict, a YAML/JSON file or a built-in name."""

from __future__ import annotations

import hashlib
import json
import marshal
import re
from importlib import resources
from pathlib import Path

import yaml

from .. import yamlsafe
from ..gcpause import gc_paused
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
# A seed file's size: YAML is parsed ~40x slower than JSON and costs ~60 bytes of memory per byte
MAX_BYTES = {"JSON": 16 << 20, "YAML": 4 << 20}
MAX_ENTRIES = 100_000  # requests in one seed, all sections together
KEY_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_last: dict = {}  # one file's checked seed, handed out once to the next load of the unchanged file
_split: tuple = ()  # the seed checked last: (its jobs list, their number, split_jobs' answer for them)


def load(seed) -> dict:
    """A seed as a dict of request lists, every entry checked; `None` is the empty seed.

    A bad seed is a one-line ValueError naming the file, the entry and the problem.
    """
    if isinstance(seed, dict):  # before str(seed): a dict's text can be any size
        return check(seed, label(seed))
    if seed is None or str(seed) == "empty":
        return {}
    where = label(seed)
    if str(seed) in BUILT_IN:
        return check(yamlsafe.load(resources.files(__package__).joinpath(f"seeds/{seed}.yaml").read_text()), where)
    path = Path(seed)
    if path.suffix.lower() not in history.TABLES and not path.is_file():
        raise ValueError(f"seed {seed!r} is neither a built-in seed ({', '.join(BUILT_IN)}) nor a file")
    return _file(path, where)


@gc_paused  # parsing makes a node or value per scalar: collections meanwhile walked every stored job again and again
def _file(path: Path, where: str) -> dict:
    """A seed file, checked.  LocalBatch checks its seed, then seeds from it: the file is parsed once."""
    try:
        stat = path.stat()
    except OSError:
        stamp = None  # a missing table: read_table says so
    else:
        stamp = (path.resolve(), stat.st_mtime_ns, stat.st_size)
        if stamp in _last:
            return _last.pop(stamp)
    if path.suffix.lower() in history.TABLES:  # a table of jobs is a seed of history on its own
        data = {"jobs": history.read_table(path)}
    else:
        data = _parse(path, where)
        if isinstance(data, dict) and isinstance(data.get("jobs"), str):  # a table, relative to the seed
            data = {**data, "jobs": history.read_table(path.parent / data["jobs"])}
    data = check(data, where)
    _last.clear()  # one at a time: it holds a whole seed
    if stamp is not None:
        _last[stamp] = data
    return data


def _parse(path: Path, where: str):
    """A seed file's content: JSON as JSON (fast), anything else as YAML (C loader, aliases bounded)."""
    with path.open("rb") as file:
        raw = file.read(MAX_BYTES["JSON"] + 1)  # never more than a seed may be
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} is not a YAML or JSON seed: it is not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        _within(len(raw), "JSON", where)
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:  # YAML is a superset of JSON: '{jobs: []}' is YAML
            if path.suffix.lower() == ".json":
                raise ValueError(f"{where} is not valid JSON: {str(exc).splitlines()[0]}") from None
    _within(len(raw), "YAML", where)
    try:
        data = yamlsafe.load(text)
    except yamlsafe.Refused as exc:
        raise ValueError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{where} is not valid YAML or JSON: {str(exc).splitlines()[0]}") from None
    if data is None:
        raise ValueError(f"{where} is empty: a seed is a mapping with the keys {', '.join(SECTIONS)}")
    return data


def _within(size: int, kind: str, where: str) -> None:
    if size > MAX_BYTES[kind]:
        raise ValueError(f"{where} is larger than {MAX_BYTES[kind] >> 20} MiB, the most a {kind} seed may be; "
                         f"{'write a large seed as JSON, or ' if kind == 'YAML' else ''}"
                         "put many jobs in a table (CSV, Parquet or JSON lines)")


@gc_paused  # a 10,000-job seed's split entries are many small objects: collections walked them over and over
def check(data, where: str = "seed") -> dict:
    """`data` if it is a valid seed: a mapping of SECTIONS, each a list of valid request bodies."""
    from .validation import Invalid
    from .validation import check as check_request
    from .validation import shown

    if not isinstance(data, dict):
        raise ValueError(f"{where}: a seed is a mapping with the keys {', '.join(SECTIONS)}, "
                         f"not {type(data).__name__}")
    unknown = sorted(map(str, set(data) - set(SECTIONS)))
    if unknown:
        # quoted only if it looks like a key: any file can be given as a seed (/etc/shadow)
        named = [key for key in unknown if KEY_LIKE.fullmatch(key)]
        raise ValueError(f"{where}: " + (f"unknown key {named[0]!r}" if named else "its keys are not seed keys")
                         + f"; a seed has the keys {', '.join(SECTIONS)}")
    count = sum(len(entries) for entries in data.values() if isinstance(entries, list))
    if count > MAX_ENTRIES:
        raise ValueError(f"{where} has {count:,} entries; a seed may have at most {MAX_ENTRIES:,}")
    jobs = None
    for section, entries in data.items():
        operation = _operation(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ValueError(f"{where}: {section} must be a list of {operation} requests, not {type(entries).__name__}")
        if section == "jobs":
            jobs = _check_jobs(entries, operation, where)
            continue
        for number, entry in enumerate(entries):
            try:
                if not isinstance(entry, dict):
                    raise Invalid(f"expected a {operation} request, got {shown(entry)}")
                check_request(operation, entry)
            except ValueError as exc:  # Invalid is one
                raise ValueError(f"{where}: {entry_name(section, number, entry)}: {exc}") from None
    global _split
    _split = () if jobs is None else (data["jobs"], len(data["jobs"]), jobs)
    return data


def split_jobs(seed: dict, where: str = "seed") -> list[tuple[dict, dict, dict | None]]:
    """The seed's job entries as (entry, SubmitJob request, recorded state or None), as history.split
    gives them: those of the seed checked last are handed over once from its check (seeding follows it)."""
    global _split
    entries = seed.get("jobs") or []
    known = _split
    if known and known[0] is entries and known[1] == len(entries):
        _split = ()  # once: kept, they would hold a whole seed's states
        return known[2]
    split = []
    for number, entry in enumerate(entries):  # a seed not checked just before (check words the same)
        try:
            split.append((entry, *history.split(entry)))
        except ValueError as exc:
            raise ValueError(f"{where}: {entry_name('jobs', number, entry)}: {exc}") from None
    return split


def _check_jobs(entries: list, operation: str, where: str) -> list[tuple]:
    """Each job entry split (history.split) and its request checked, as split_jobs gives them.

    A seed's history is thousands of requests alike but for their names: a request alike to one that
    passed (`_alike`) passes too, so each distinct one is checked once.  Any other is checked in full,
    which words every refusal as before."""
    from .validation import Invalid
    from .validation import check as check_request
    from .validation import shown

    passed, split, names = set(), [], _name_rule()
    for number, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise Invalid(f"expected a {operation} request, got {shown(entry)}")
            request, state = history.split(entry)
            alike = _alike(request, names)
            if alike is None or alike not in passed:
                check_request(operation, request)
                if alike is not None:
                    passed.add(alike)
        except ValueError as exc:  # Invalid is one
            raise ValueError(f"{where}: {entry_name('jobs', number, entry)}: {exc}") from None
        split.append((entry, request, state))
    return split


_NAMED = object()  # stands for any jobName that is a valid name
_PLAIN = (str, int, float, bool, type(None))
ALIKE_VALUES = 200  # values of one request compared; a larger one (or a bomb of aliases) is checked in full


def _alike(request: dict, names):
    """What checking `request` depends on, hashable: its values with their types (True, 1 and 1.0
    differ) and a jobName that `names` (a pattern every name it matches passes alike) matches as one
    marker; None for a request too large to compare or holding other types (checked in full)."""
    budget = [ALIKE_VALUES]
    name = request.get("jobName")
    named = names is not None and type(name) is str and names.fullmatch(name) is not None
    try:  # a text stands for itself (only a str equals a str): most members of a seed's jobs are names
        return tuple([(key, _NAMED if named and key == "jobName" else value if type(value) is str else _frozen(value, budget))
                      for key, value in request.items()])  # a list first: 10% faster than from a generator
    except OverflowError:
        return None


def _frozen(value, budget: list):
    """`value` with its types, hashable; OverflowError past the budget or for another type.  Not a closure
    in `_alike`: a recursive closure is a reference cycle, garbage for the collector on every request."""
    budget[0] -= 1
    if budget[0] < 0:
        raise OverflowError
    kind = type(value)
    if kind is dict:
        return dict, tuple((type(k), k, _frozen(v, budget)) for k, v in value.items())
    if kind is list:
        return list, tuple(_frozen(v, budget) for v in value)
    if kind in _PLAIN:
        return kind, value
    raise OverflowError  # a date, numpy's numbers, ...


def _name_rule():
    """validation.NAME if every jobName it matches passes SubmitJob's check alike (the model states no
    length, pattern or enum for it, the reference's tables nothing but the name rule); else None."""
    from . import validation

    shape = _submit_shape().members.get("jobName")
    member = "SubmitJobRequest.jobName"
    alike = (shape is not None and shape.type_name == "string" and not shape.metadata
             and member not in validation.RANGES and member not in validation.PATTERNS)
    return validation.NAME if alike else None


def _submit_shape():
    from ..catalog import operation

    return operation("SubmitJob").model.input_shape


def label(seed) -> str:
    """How errors name a seed: its file, its built-in name, or 'seed' for a dict."""
    if seed is None or isinstance(seed, dict):
        return "seed"
    return f"seed {seed}" if str(seed) in BUILT_IN else f"seed file {seed}"


def entry_name(section: str, number: int, entry) -> str:
    """jobQueues[2] (HighPriority): an entry as an error names it."""
    if not isinstance(entry, dict):
        return f"{section}[{number}] (not a mapping)"
    from .validation import shown

    names = [v if isinstance(v, str) else shown(v) for k, v in entry.items() if k == "name" or k.endswith("Name")]
    return f"{section}[{number}]" + (f" ({names[0][:60]})" if names else "")


def _operation(section: str) -> str:
    from ..catalog import operation

    return operation(SECTIONS[section]).name


def key(seed) -> str:
    """What identifies a seed's snapshot: the built-in name, the file, or the dict's content."""
    if seed is None:
        return "built-in:empty"
    if isinstance(seed, dict):  # a digest: the text of a 10,000-job seed is megabytes
        text = json.dumps(seed, sort_keys=True, default=str).encode()
        return "dict:" + hashlib.blake2b(text, digest_size=16).hexdigest()
    if str(seed) in BUILT_IN:
        return f"built-in:{seed}"
    return f"file:{Path(seed).resolve()}"


def content_key(seed: dict) -> str | None:
    """A digest of a dict seed's content in its own key order, spelled as `key` spells one, ~2.5x faster
    than `key`'s sorted JSON; None if marshal does not take some value (a date, numpy's numbers, ...).

    marshal's format 2 writes values alone: no references between objects, no interning flags, so equal
    content in the same order gives the same bytes, and True, 1 and 1.0 differ (as in JSON)."""
    try:
        data = marshal.dumps(seed, 2)
    except ValueError:
        return None
    return "dict:" + hashlib.blake2b(data, digest_size=16, person=b"marshal-2").hexdigest()


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
            job_ids = submit_jobs(split_jobs(seed, where))
            continue
        for number, request in enumerate(entries):
            try:
                getattr(client, method)(**request)
            except ClientError as exc:
                raise ValueError(f"{where}: {entry_name(section, number, request)}: "
                                 f"{exc.response['Error'].get('Message', exc)}") from None
    return job_ids
