"""The filters of the service's List actions: ListJobs' on jobs, and those of the
store's listings (ListServiceJobs, ListConsumableResources) on its records.

A name filter matches exactly or, with a trailing '*', as a prefix (job and
record names case-insensitively); BEFORE_CREATED_AT/AFTER_CREATED_AT compare
epoch milliseconds.
"""

from __future__ import annotations

from . import rules


def listed_status(request: dict) -> str | None:
    """The one status ListJobs lists: its jobStatus, or RUNNING; None when filters decide (they see every status)."""
    if request.get("filters"):
        return None
    return rules.status(request["jobStatus"]) if request.get("jobStatus") else "RUNNING"


def job_filter(request: dict):
    """ListJobs: filters see every status (but SHARE_IDENTIFIER, which a status narrows); a status alone
    filters; neither means RUNNING."""
    status = listed_status(request)
    if status is not None:
        return lambda job: job.status == status
    filters = request["filters"]
    tests = [_job_test(f.get("name"), list(f.get("values") or ())) for f in filters]
    if request.get("jobStatus") and all(f.get("name") == "SHARE_IDENTIFIER" for f in filters):
        # "SHARE_IDENTIFIER and jobStatus can be used together"
        status = rules.status(request["jobStatus"])
        tests.append(lambda job: job.status == status)
    return lambda job: all(test(job) for test in tests)


def _job_test(name: str, values: list):
    if len(values) != 1:
        rules.fail(f"filter {name} takes exactly one value")
    value = values[0]
    if name == "JOB_NAME":
        return _prefix_or_equal(value.lower(), lambda job: job.name.lower())
    if name == "JOB_DEFINITION":
        if value.startswith("arn:"):
            return _prefix_or_equal(value, lambda job: job.definition.arn)
        if ":" in value.rstrip("*"):
            return _prefix_or_equal(value, lambda job: f"{job.definition.name}:{job.definition.revision}")
        return _prefix_or_equal(value, lambda job: job.definition.name)
    if name in ("BEFORE_CREATED_AT", "AFTER_CREATED_AT"):
        try:
            at = int(value)
        except ValueError:
            rules.fail(f"filter {name} takes a time in milliseconds since the epoch, not {value!r}")
        return _created(name, at, lambda job: job.created_at)
    if name == "SHARE_IDENTIFIER":
        return lambda job: job.share == value
    rules.fail(f"filter name {name!r} is not valid: use JOB_NAME, JOB_DEFINITION, BEFORE_CREATED_AT, AFTER_CREATED_AT "
               "or SHARE_IDENTIFIER")


def _prefix_or_equal(value: str, of):
    if value.endswith("*"):
        prefix = value[:-1]
        return lambda job: of(job).startswith(prefix)
    return lambda job: of(job) == value


def _created(name: str, at: int, of):
    return (lambda item: of(item) < at) if name == "BEFORE_CREATED_AT" else (lambda item: of(item) > at)


# -- the store's records -----------------------------------------------------------

NAME_FILTERS = {"CONSUMABLE_RESOURCE_NAME": "consumableResourceName", "JOB_NAME": "jobName",
                "SHARE_IDENTIFIER": "shareIdentifier", "QUOTA_SHARE_NAME": "quotaShareName"}
WITH_STATUS = ("SHARE_IDENTIFIER", "QUOTA_SHARE_NAME")  # the filters that jobStatus still narrows


def record_filter(request: dict, jobs: bool, progress):
    """List<Kind>s' filters, and for service jobs jobStatus (neither: only RUNNING ones, as ListJobs)."""
    filters = request.get("filters") or []
    tests = [_record_test(f.get("name"), [str(v) for v in f.get("values") or ()]) for f in filters]
    status = None
    if jobs and all(f.get("name") in WITH_STATUS for f in filters):
        status = request.get("jobStatus") or (None if filters else "RUNNING")

    def keep(record: dict) -> bool:
        if status is not None and progress(record)["status"] != status:
            return False
        return all(test(record) for test in tests)

    return keep


def _record_test(name: str, values: list[str]):
    if name in NAME_FILTERS:
        member = NAME_FILTERS[name]
        tests = [_prefix_or_equal(v.lower(), lambda r: str(r.get(member, "")).lower()) for v in values]
        return lambda r: any(test(r) for test in tests)
    if name in ("BEFORE_CREATED_AT", "AFTER_CREATED_AT") and len(values) == 1 and values[0].isdigit():
        return _created(name, int(values[0]), lambda r: r["createdAt"])
    rules.fail(f"filter {name} with values {values} is not valid")
