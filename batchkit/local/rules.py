"""The service's request rules that moto leaves unchecked, as ClientExceptions.

Limits and wording follow the AWS Batch API reference (../shared/seeds).
"""

from __future__ import annotations

import bisect
from functools import cache

from . import instances
from .moto_adapter import ClientException
from .validation import NAME, NAME_RULE

ARRAY_SIZE = (2, 10_000)
MAX_DEPENDENCIES = 20
RETRY_ATTEMPTS = (1, 10)
MIN_TIMEOUT = 60
MAX_DESCRIBE_JOBS = 100
MAX_BULK_JOBS = 50  # CancelJobs, TerminateJobs
PAGE = (1, 100)  # maxResults bounds; also the page size when none is given
STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")


def fail(message: str):
    raise ClientException(message)


def name(kind: str, value) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        fail(f"{kind} {value!r} is not valid: {NAME_RULE}")
    return value


def array_size(array_properties) -> int | None:
    size = (array_properties or {}).get("size")
    if size is None:
        return None
    low, high = ARRAY_SIZE
    if not isinstance(size, int) or not low <= size <= high:
        fail(f"arrayProperties size {size} is not valid: the array size can be between {low} and {high:,}")
    return size


def dependencies(depends_on) -> list[dict]:
    depends_on = depends_on or []
    if len(depends_on) > MAX_DEPENDENCIES:
        fail(f"A job can depend upon a maximum of {MAX_DEPENDENCIES} jobs; {len(depends_on)} were given")
    return depends_on


def retry_strategy(strategy) -> None:
    attempts = (strategy or {}).get("attempts")
    low, high = RETRY_ATTEMPTS
    if attempts is not None and not low <= attempts <= high:
        fail(f"retryStrategy attempts {attempts} is not valid: the number of attempts must be between {low} and {high}")


def timeout(value) -> None:
    seconds = (value or {}).get("attemptDurationSeconds")
    if seconds is not None and seconds < MIN_TIMEOUT:
        fail(f"timeout attemptDurationSeconds {seconds} is not valid: the minimum value for the timeout is {MIN_TIMEOUT} seconds")


TIME_LIMIT_SECONDS = (600, 86400)  # JobStateTimeLimitAction.maxTimeSeconds, as botocore documents it


def time_limit_actions(actions) -> list[dict] | None:
    """jobStateTimeLimitActions: RUNNABLE, CANCEL, a reason, 10 minutes to 24 hours."""
    low, high = TIME_LIMIT_SECONDS
    for action in actions or ():
        if action.get("state") != "RUNNABLE" or action.get("action") not in ("CANCEL", "TERMINATE"):
            fail("jobStateTimeLimitActions: state must be RUNNABLE and action CANCEL")
        if not low <= (action.get("maxTimeSeconds") or 0) <= high:
            fail(f"jobStateTimeLimitActions: maxTimeSeconds must be between {low} and {high}")
        if not action.get("reason"):
            fail("jobStateTimeLimitActions: a reason is required")
    return actions


def describe_jobs(ids) -> list[str]:
    ids = ids or []
    if len(ids) > MAX_DESCRIBE_JOBS:
        fail(f"DescribeJobs takes a list of up to {MAX_DESCRIBE_JOBS} job IDs; {len(ids)} were given")
    return ids


def status(value) -> str:
    if value not in STATUSES:
        fail(f"jobStatus {value!r} is not valid: it must be one of {' | '.join(STATUSES)}")
    return value


def required(request: dict, key: str) -> str:
    """A required string member, which must not be empty either (botocore only checks its presence)."""
    if not request.get(key):
        fail(f"{key} is a required field (cannot be an empty string)")
    return request[key]


def reason(request: dict) -> str:
    """The reason of a cancel or terminate request."""
    return required(request, "reason")


@cache
def max_tags() -> int:
    """Every action that takes tags types them TagrisTagsMap: at most 50 in botocore's model."""
    from ..catalog import service_model

    return service_model().shape_for("TagrisTagsMap").metadata["max"]


def tags(new, existing=()) -> None:
    """A resource has at most max_tags() tags: those it has and those a request adds."""
    if not new and not existing:  # most jobs: none
        return
    count = len({*existing, *(new or ())})
    if count > max_tags():
        fail(f"tags: Member must have length less than or equal to {max_tags()} ({count} tags on the resource)")


def instance_types(resources) -> None:
    for name in (resources or {}).get("instanceTypes") or ():
        if name not in instances.NAMES:
            fail(f"Instance type {name} does not exist")


def each_job(ids, find, act, what: str = "Job") -> dict:
    """A bulk action's body: `act` on each job `find` knows, the unknown ones reported per id."""
    successful, errors = [], []
    for job_id in ids:
        job = find(job_id)
        if job is None:
            errors.append({"job": job_id, "code": "ClientException", "message": f"{what} {job_id} does not exist"})
        else:
            act(job)
            successful.append(job_id)
    return {"successful": successful, "errors": errors}


def max_results(value) -> int:
    low, high = PAGE
    if value is None:
        return high
    if not isinstance(value, int) or not low <= value <= high:
        fail(f"maxResults {value} is not valid: the value can be between {low} and {high}")
    return value


# -- fair share -------------------------------------------------------------------------------


def share_distribution(entries) -> None:
    """ShareAttributes: "The list of share identifiers in a fair-share policy can't overlap. For
    example, you can't have one that specifies a shareIdentifier of UserA* and another that
    specifies a shareIdentifier of UserA1" (the identifiers' form and weights: validation.py)."""
    identifiers = sorted(entry.get("shareIdentifier", "") for entry in entries or ())
    for before, after in zip(identifiers, identifiers[1:]):
        if before == after:
            fail(f"fairsharePolicy.shareDistribution: shareIdentifier {before} is listed twice")
    for wildcard in (i for i in identifiers if i.endswith("*")):
        prefix = wildcard[:-1]
        at = bisect.bisect_left(identifiers, prefix)  # those starting with it sort together from here
        while at < len(identifiers) and identifiers[at].startswith(prefix):
            if identifiers[at] != wildcard:
                fail(f"fairsharePolicy.shareDistribution: share identifiers can't overlap: {wildcard} and "
                     f"{identifiers[at]}")
            at += 1


def fairshare_policy(request: dict) -> dict:
    """CreateSchedulingPolicy/UpdateSchedulingPolicy's fairsharePolicy, as DescribeSchedulingPolicies shows it."""
    if request.get("fairsharePolicy") is not None and request.get("quotaSharePolicy") is not None:
        fail("Only one of fairsharePolicy or quotaSharePolicy can be set")
    policy = request.get("fairsharePolicy") or {}
    share_distribution(policy.get("shareDistribution"))
    return {"computeReservation": policy.get("computeReservation") or 0,
            "shareDecaySeconds": policy.get("shareDecaySeconds") or 0,
            "shareDistribution": list(policy.get("shareDistribution") or ())}
