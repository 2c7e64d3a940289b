"""ListJobs by status reads an index of each queue's jobs by status (status_index.py): it must list
exactly what a scan of every job would, in submission order, across runs, retries, resets and
pages whose jobs change status in between.  In-process and over HTTP (conftest's `local`)."""

STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
LOCAL_OPTIONS = {"launch_seconds": 0, "pull_seconds": 0}  # not about scaling: capacity at once


def by_status(c, queue, status, page_size=None):
    kwargs = {"PaginationConfig": {"PageSize": page_size}} if page_size else {}
    return [s["jobId"] for page in c.get_paginator("list_jobs").paginate(jobQueue=queue, jobStatus=status, **kwargs)
            for s in page["jobSummaryList"]]


def scanned(c, queue):
    """Every job of the queue by status, from the filters' path (which reads every job)."""
    found = {status: [] for status in STATUSES}
    for page in c.get_paginator("list_jobs").paginate(jobQueue=queue, filters=[{"name": "JOB_NAME", "values": ["*"]}]):
        for summary in page["jobSummaryList"]:
            found[summary["status"]].append(summary["jobId"])
    return found


def test_listing_by_status_agrees_with_a_scan_through_a_run_and_a_reset(local):
    local.reset()
    c = local.client
    local.set_outcome("flaky-*", exit_code=[1, 0])
    jobs = [c.submit_job(jobName=f"{'flaky' if i % 3 else 'ok'}-{i}", jobQueue="LowPriority", jobDefinition="etl",
                         retryStrategy={"attempts": 2})["jobId"] for i in range(12)]
    c.submit_job(jobName="after", jobQueue="LowPriority", jobDefinition="etl",
                 dependsOn=[{"jobId": jobs[-1]}])
    c.cancel_job(jobId=jobs[0], reason="not needed")
    for seconds in (0, 1, 3, 6, 20, 600):
        local.advance(seconds)
        expected = scanned(c, "LowPriority")
        assert {status: by_status(c, "LowPriority", status) for status in STATUSES} == expected
    assert expected["SUCCEEDED"] and expected["FAILED"]
    local.reset()
    assert by_status(c, "LowPriority", "FAILED") == [] and by_status(c, "LowPriority", "SUCCEEDED") == scanned(
        c, "LowPriority")["SUCCEEDED"]


def test_a_page_resumes_after_the_last_job_listed_even_when_jobs_change_status_in_between(local):
    """nextToken: "pass it in a subsequent call to continue from where the previous call stopped"."""
    local.reset()
    c = local.client
    local.set_outcome("fast-*", duration=60)
    local.set_outcome("slow-*", duration=3600)
    ids = [c.submit_job(jobName=f"{'fast' if i % 2 else 'slow'}-{i}", jobQueue="LowPriority",
                        jobDefinition="etl")["jobId"] for i in range(10)]
    local.advance(30)
    first = c.list_jobs(jobQueue="LowPriority", jobStatus="RUNNING", maxResults=3)
    assert [s["jobId"] for s in first["jobSummaryList"]] == ids[:3]
    local.advance(120)  # the fast ones (odd positions) have finished
    rest = c.list_jobs(jobQueue="LowPriority", jobStatus="RUNNING", nextToken=first["nextToken"])
    assert [s["jobId"] for s in rest["jobSummaryList"]] == [ids[i] for i in range(3, 10) if i % 2 == 0]
