"""moto, as batchkit.local uses it: every name taken from moto's non-public modules, in one place.

moto's public API is ``mock_aws`` and its server; batchkit.local needs more: the
Batch models that keep compute environments, queues and definitions (moto's
CloudFormation creates them there too), moto's other services answered in
process for one account, the EC2 instance-type data, its seeded random.  Each
is looked up here once, by what the installed moto offers (feature checks, not
version compares), and the rest of ``batchkit.local`` uses the names below.
If something is missing, importing ``batchkit.local`` fails with one line that
names the moto found and the range batchkit declares
(tests/test_moto_contract.py holds the behaviour relied on).  The server's
werkzeug glue is the one other module that reaches into moto (server.py).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from datetime import UTC as _UTC
from datetime import datetime as _datetime
from typing import Any

from ..errors import UnsupportedDependency
from .sessions import shared_while_loading


def declared_range(package: str = "moto") -> str:
    """The range of `package` batchkit declares (its metadata), e.g. ``moto[server]>=5.1.22``."""
    try:
        for requirement in importlib.metadata.requires("batchkit") or ():
            if re.match(rf"{package}\b", requirement):
                return requirement.split(";")[0].strip()
    except importlib.metadata.PackageNotFoundError:
        pass
    return package


def installed_version(package: str = "moto") -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


ACCOUNT_HEADER = "x-moto-account-id"  # moto's handlers take a request's account from it
_missing: list[str] = []


def _take(module: str, *names: str, optional: bool = False):
    """`names` from `module`; what is missing is noted (or None for optional ones)."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        found = None
    values = tuple(getattr(found, name, None) for name in names)
    if not optional:
        _missing.extend(f"{module}.{name}" for name, value in zip(names, values) if value is None)
    return values if len(values) > 1 else values[0]


# -- Batch's state: batchkit's service subclasses moto's models (service.py) -----------------
# moto's EC2 models ask 27 new botocore sessions for region lists at import (0.3 s of CPU parsing
# endpoints.json again and again): they share one data loader (sessions.py)
with shared_while_loading():
    BatchBackend, ComputeEnvironment, batch_backends = _take(
        "moto.batch.models", "BatchBackend", "ComputeEnvironment", "batch_backends")
make_arn_for_job = _take("moto.batch.utils", "make_arn_for_job")
ClientException = _take("moto.batch.exceptions", "ClientException")  # what moto's CloudFormation serializes
DEFAULT_ACCOUNT_ID = _take("moto.core", "DEFAULT_ACCOUNT_ID")
BackendDict = _take("moto.core.base_backend", "BackendDict")
IamNotFound = _take("moto.iam.exceptions", "NotFoundException")
INSTANCE_TYPES, INSTANCE_FAMILIES = _take("moto.ec2.models.instance_types", "INSTANCE_TYPES", "INSTANCE_FAMILIES")
random = _take("moto.moto_api._internal", "mock_random")  # moto's seeded random: /moto-api/seed repeats ids
BATCH_URL_BASES = _take("moto.batch.urls", "url_bases")
logs_backends = _take("moto.logs.models", "logs_backends")  # FilterLogEvents reads their events (logfilter.py)

# moto records every model instance it makes, for its /moto-api/data.json (a mock's reset clears it)
model_data = _take("moto.core.model_instances", "model_data", optional=True)

# -- other services answered in process (dispatch.py): moto's own routing of botocore requests --
backend_url_patterns = _take("moto.backend_index", "backend_url_patterns")
aws_domain_url = _take("moto.core.utils", "get_equivalent_url_in_aws_domain")
BotocoreStubber = _take("moto.core.botocore_stubber", "BotocoreStubber")
if BotocoreStubber is not None and not callable(getattr(BotocoreStubber, "process_request", None)):
    _missing.append("moto.core.botocore_stubber.BotocoreStubber.process_request")

# moto's service errors: AWSError (code = HTTP status) up to 5.2.5, ServiceException (code = the
# error's name) from 5.2.6; batchkit answers both as the Batch API's ClientException
ERRORS = tuple(e for e in _take("moto.core.exceptions", "ServiceException", "AWSError", "JsonRESTError",
                                optional=True) if e is not None)
if not ERRORS:
    _missing.append("moto.core.exceptions.ServiceException")

if _missing:
    raise UnsupportedDependency(
        f"batchkit.local needs {declared_range()}; the installed moto {installed_version()} lacks "
        f"{', '.join(_missing[:3])}{' and more' if len(_missing) > 3 else ''}")


def error_of(exc: BaseException) -> tuple[int, str]:
    """(HTTP status, message) of one of moto's service errors."""
    code = getattr(exc, "code", 400)
    status = code if isinstance(code, int) else int(getattr(exc, "status_code", 400) or 400)
    return status, str(getattr(exc, "message", "") or exc)


def account_backends(account: str) -> list[tuple[Any, str, Any]]:
    """(moto's BackendDict, region, backend) of every moto service `account` has used."""
    return [(service, region, backend) for service in getattr(BackendDict, "_instances", ())
            for region, backend in list(dict.items(dict.get(service, account) or {}))]


def forget(service, region: str, backend) -> None:
    """A moto backend gone from its account, as if never used (S3 also frees its bucket names)."""
    backend.reset()
    dict.pop(service[backend.account_id], region, None)  # some services' resets already drop it


def untrack(account: str) -> None:
    """moto's record of `account`'s Batch and Logs model instances, dropped.

    A LocalBatch's restore makes its state's objects anew, and moto's record kept every test's state
    alive (~30 MB per 1,000 tests).  Only /moto-api/data.json reads the record.  A log event names no
    account: every one is dropped (its stream holds it)."""
    if not isinstance(model_data, dict):
        return
    marker = f":{account}:"
    for service in ("batch", "logs"):
        for model in list((model_data.get(service) or {}).values()):
            tracked = getattr(model, "instances_tracked", None)
            if isinstance(tracked, list) and tracked:
                tracked[:] = [instance for instance in tracked if not _of_account(instance, account, marker)]


def _of_account(instance, account: str, marker: str) -> bool:
    owner = getattr(instance, "account_id", None)
    arn = getattr(instance, "arn", None)
    if owner is None and not isinstance(arn, str):
        return True  # a part of something (a log event)
    return owner == account or (isinstance(arn, str) and marker in arn)


def log_events(account: str, region: str, group_name: str, stream_names, start=None, end=None) -> list[dict] | None:
    """Every event of a log group's streams (the named ones, else all) from `start` to `end` (epoch ms), as
    moto's FilterLogEvents items (eventId, ingestionTime, message, timestamp, logStreamName); None without
    the group.  An empty pattern is moto's "every event"."""
    group = logs_backends[account][region].groups.get(group_name)
    if group is None:
        return None
    wanted = set(stream_names or ())
    return [event for name, stream in dict.items(group.streams) if not wanted or name in wanted  # no copies
            for event in stream.filter_log_events(start, end, "")]


def service_of(url: str) -> tuple[str | None, str]:
    """(moto's service name, the URL as moto knows it) of a request URL; (None, url) if not AWS's."""
    parsed, _ = aws_domain_url(url)
    url = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
    for service, pattern in backend_url_patterns:
        if pattern.match(url):
            return service, url
    return None, url


def call_moto(request) -> tuple:
    """moto's (status, headers, body) for a botocore request to one of its services, as its mock would
    answer it; the account is the request's ``x-moto-account-id`` header (moto's own way to name one)."""
    return BotocoreStubber().process_request(request)


# -- bulk seeding: a seeded job's log stream without moto's per-call costs ----------------------
# moto's create_log_stream + put_log_events cost ~13 us a stream (the partition looked up, the ARN
# spelled, the clock read twice through utcnow); a 10,000-job seed writes 10,000 streams.

_LogStream, _LogEvent = _take("moto.logs.models", "LogStream", "LogEvent", optional=True)
_STREAM_ATTRIBUTES = frozenset({  # what moto's LogStream sets; a stream with others: moto's calls every time
    "account_id", "region", "log_group", "arn", "creation_time", "first_event_timestamp", "last_event_timestamp",
    "last_ingestion_time", "log_stream_name", "stored_bytes", "upload_sequence_token", "events"})
_EPOCH = _datetime(1970, 1, 1)
_ARN_PREFIXES: dict[tuple, str | None] = {}  # (account, region, group) -> a stream's ARN without its name


def new_stream(group, name: str, lines, at: int, now=None) -> None:
    """`group`'s stream `name` holding `lines` if it has no such stream yet, as moto's ``create_log_stream``
    and one ``put_log_events`` make it (the same attributes, LogEvents and counters).  A line is a text,
    stamped `at` plus its position, or an event ({timestamp, message}) as it is.  `now` (`utcnow()`, one
    reading for a seed's many streams) is its creation and ingestion time.  The first stream of a group,
    one with subscription filters or a moto whose streams differ: moto's own calls."""
    if name in group.streams:
        if lines:
            group.streams[name].put_log_events(log_events_of(lines, at))
        return
    key = (group.account_id, group.region, group.name)
    prefix = _ARN_PREFIXES.get(key)
    if prefix is None or group.subscription_filters:
        group.create_log_stream(name)
        stream = group.streams[name]
        if lines:
            stream.put_log_events(log_events_of(lines, at))
        if key not in _ARN_PREFIXES:  # moto's own spelling, learned from its first stream
            known = (type(stream) is _LogStream and _LogEvent is not None and set(vars(stream)) == _STREAM_ATTRIBUTES
                     and type(stream.creation_time) is _datetime and stream.creation_time.tzinfo is None
                     and stream.arn.endswith(f":log-stream:{name}"))
            _ARN_PREFIXES[key] = stream.arn[: len(stream.arn) - len(name)] if known else None
        return
    now = now or utcnow()
    if lines:  # as put_log_events leaves a stream without subscription filters
        logged, stored = _log_events(_ingestion(now), lines, at)
        ingested, token = now, 1
    else:
        logged, stored, ingested, token = [], 0, None, 0
    # not moto's __new__, which records every instance: a restore drops the record of the state it replaces
    # (untrack), the seed's streams with it, after walking them (~0.3 us each)
    stream = object.__new__(_LogStream)
    stream.__dict__ = {  # LogStream.__init__'s attributes, in its order
        "account_id": group.account_id, "region": group.region, "log_group": group, "arn": prefix + name,
        "creation_time": now, "first_event_timestamp": None, "last_event_timestamp": None,
        "last_ingestion_time": ingested, "log_stream_name": name, "stored_bytes": stored,
        "upload_sequence_token": token, "events": logged}
    _LogStream._log_ids += 1
    group.streams[name] = stream


def log_events_of(lines, at: int) -> list[dict]:
    """put_log_events' events of `lines`: a text stamped `at` plus its position, an event as it is."""
    return [line if isinstance(line, dict) else {"timestamp": at + i, "message": line} for i, line in enumerate(lines)]


_EVENT_ATTRIBUTES = ("ingestion_time", "timestamp", "message", "event_id")  # LogEvent.__init__'s, in its order
_events_known = False  # moto's LogEvent has been seen to set just those: seeding makes them itself


def _log_events(ingestion: int, lines, at: int) -> tuple[list, int]:
    """(moto's LogEvents of `lines`, numbered by LogEvent's counter as its __init__ numbers them; the bytes
    of their messages).  Made without moto's __new__ and __init__ (~1 us an event) and without an event
    dict per line once a LogEvent made by them showed their attributes."""
    global _events_known
    if not _events_known:
        events = log_events_of(lines, at)
        logged = [_LogEvent(ingestion, event) for event in events]
        _events_known = (type(logged[0]) is _LogEvent and tuple(vars(logged[0])) == _EVENT_ATTRIBUTES
                         and getattr(_LogEvent, "_event_id", None) == logged[-1].event_id + 1)  # numbered by its counter
        return logged, sum([len(event["message"]) for event in events])
    logged, new, number, stored = [], object.__new__, _LogEvent._event_id, 0
    for i, line in enumerate(lines):
        timestamp, message = (line["timestamp"], line["message"]) if isinstance(line, dict) else (at + i, line)
        made = new(_LogEvent)
        made.ingestion_time, made.timestamp, made.message, made.event_id = ingestion, timestamp, message, number
        number += 1
        stored += len(message)
        logged.append(made)
    _LogEvent._event_id = number
    return logged, stored


def _ingestion(now) -> int:
    """int(unix_time_millis(now)): moto's arithmetic, with the epoch made once (and the last answer kept)."""
    global _last_ingestion
    last = _last_ingestion  # one tuple: another thread's seeding replaces it whole
    if last[0] is not now:
        delta = now - _EPOCH
        last = _last_ingestion = (now, int(((delta.days * 86400) + (delta.seconds + (delta.microseconds / 1e6))) * 1000.0))
    return last[1]


_last_ingestion: tuple = (None, 0)


def utcnow():
    """moto's ``utcnow()`` (naive UTC, what its log streams hold), without its import per call."""
    return _datetime.now(_UTC).replace(tzinfo=None)
