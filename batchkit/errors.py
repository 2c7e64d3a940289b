"""The one exception batchkit raises for anything AWS or botocore refused."""

from __future__ import annotations

import re


class UnsupportedDependency(ImportError):
    """An installed dependency lacks what batchkit needs; the message is one line naming the version
    found and the range batchkit declares."""


class BatchError(Exception):
    """An AWS Batch call failed.

    The message is one line: the operation, the error code and AWS's message.
    ``original`` holds the botocore exception, ``response`` its error response
    (if any), and ``frame`` any partial result worth keeping.
    """

    def __init__(self, operation: str, code: str, message: str, original=None, frame=None):
        self.operation = operation
        self.code = code
        self.message = re.sub(r"\s+", " ", str(message)).strip()
        self.original = original
        self.response = getattr(original, "response", None)
        self.frame = frame
        super().__init__(f"{operation}: {code}: {self.message}")

    @classmethod
    def wrap(cls, operation: str, exc: Exception) -> "BatchError":
        """A BatchError from a botocore ClientError or BotoCoreError."""
        response = getattr(exc, "response", None)
        if isinstance(response, dict) and "Error" in response:
            error = response["Error"]
            code = error.get("Code") or type(exc).__name__
            message = error.get("Message") or str(exc)
        else:
            code, message = type(exc).__name__, str(exc)
        return cls(operation, code, message, original=exc)


class WaitTimeout(BatchError, TimeoutError):
    """``Batch.wait`` ran out of time; ``frame`` holds the jobs' last known rows."""
