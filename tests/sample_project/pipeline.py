"""A team's nightly pipeline on AWS Batch: extract, transform in shards (an array job), report.

This is sample code under test: it knows nothing of batchkit and uses boto3 as
any team would.  A failed extract is resubmitted once; the report job relies
on Batch's own retry strategy.
"""

import time

import boto3

FINISHED = ("SUCCEEDED", "FAILED")


def submit_pipeline(client, queue: str, date: str, shards: int = 4) -> dict:
    extract = client.submit_job(jobName=f"extract-{date}", jobQueue=queue, jobDefinition="etl",
                                parameters={"date": date})["jobId"]
    return {"extract": extract, **submit_rest(client, queue, date, extract, shards)}


def submit_rest(client, queue: str, date: str, extract: str, shards: int) -> dict:
    transform = client.submit_job(jobName=f"transform-{date}", jobQueue=queue, jobDefinition="sleep",
                                  arrayProperties={"size": shards}, dependsOn=[{"jobId": extract}],
                                  containerOverrides={"environment": [{"name": "DATE", "value": date}]})["jobId"]
    report = client.submit_job(jobName=f"report-{date}", jobQueue=queue, jobDefinition="sleep",
                               dependsOn=[{"jobId": transform}], retryStrategy={"attempts": 2})["jobId"]
    return {"transform": transform, "report": report}


def wait(client, job_ids, sleep=time.sleep, poll: float = 10.0, timeout: float = 6 * 3600) -> dict:
    """Poll until every job has finished; {job id: final status}."""
    pending, final, waited = list(job_ids), {}, 0.0
    while pending:
        for job in client.describe_jobs(jobs=pending)["jobs"]:
            if job["status"] in FINISHED:
                final[job["jobId"]] = job["status"]
        pending = [i for i in pending if i not in final]
        if pending:
            if waited >= timeout:
                raise TimeoutError(f"{len(pending)} jobs still running after {timeout} s")
            sleep(poll)
            waited += poll
    return final


def run_nightly(date: str, queue: str = "HighPriority", client=None, sleep=time.sleep) -> dict:
    """Run the pipeline; resubmit a failed extract once.  {step: final status}."""
    client = client or boto3.client("batch")
    extract = client.submit_job(jobName=f"extract-{date}", jobQueue=queue, jobDefinition="etl",
                                parameters={"date": date})["jobId"]
    if wait(client, [extract], sleep)[extract] == "FAILED":
        extract = client.submit_job(jobName=f"extract-{date}-again", jobQueue=queue, jobDefinition="etl",
                                    parameters={"date": date})["jobId"]
        if wait(client, [extract], sleep)[extract] == "FAILED":
            return {"extract": "FAILED"}
    rest = submit_rest(client, queue, date, extract, shards=4)
    final = wait(client, rest.values(), sleep)
    return {"extract": "SUCCEEDED", **{step: final[job_id] for step, job_id in rest.items()}}
