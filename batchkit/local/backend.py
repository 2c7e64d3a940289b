"""LocalBatch: AWS Batch in this process, on moto, seeded from plain requests."""

from __future__ import annotations

import boto3

from ..client import Batch, client_config
from . import seed as seeds

LABEL = "local (in-memory, not AWS)"
REGION = "us-east-1"
_FAKE = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # never real credentials


class LocalBatch:
    """An in-memory Batch: while it runs, boto3 clients in this process reach it.

    ``batch`` is a `Batch` on it (every result labelled as local), ``client`` a
    boto3 Batch client.  Use it as a context manager or call ``stop()``.
    """

    def __init__(self, seed="demo", region: str = REGION):
        from moto import mock_aws

        self.region = region
        self._mock = mock_aws(config={"batch": {"use_docker": False}})
        self._mock.start()
        try:
            self.client = self.boto3_client("batch")
            self.batch = Batch(self.client, label=LABEL)
            self.seed_job_ids = seeds.apply(self.client, seeds.load(seed), iam=self.boto3_client("iam"))
        except BaseException:
            self.stop()
            raise

    def boto3_client(self, service: str):
        return boto3.client(service, region_name=self.region, config=client_config(), **_FAKE)

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    def __enter__(self) -> "LocalBatch":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LocalBatch {self.region} {'running' if self._mock else 'stopped'}>"
