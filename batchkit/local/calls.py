"""The API calls code under test made, recorded by the local backend, for assertions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase


def _size(call: "Call") -> int:
    """What a call costs to keep, roughly: its answer and its request as text."""
    return len(call.body) + len(repr(call.params))


@dataclass(frozen=True)
class Call:
    operation: str  # SubmitJob
    params: dict  # the request body, as the client sent it
    status: int  # HTTP status of the answer
    body: str = field(default="", repr=False)  # the answer, parsed only when asked for
    body_dropped: bool = field(default=False, repr=False)  # too large to keep (Calls.BODY_LIMIT)

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def response(self) -> dict:
        return json.loads(self.body) if self.body else {}


class Calls(list):
    """The API calls the backend answered since the last reset, oldest first.

    A long-running server keeps a bounded history: the newest LIMIT calls, and
    of those only the newest that fit in BYTES (requests and answers counted by
    length); an answer larger than BODY_LIMIT is not kept (``body_dropped``),
    and a request larger than PARAMS_LIMIT is kept as the start of its text
    (``{"clipped": ...}``: no Batch request is that large, only hostile ones).
    """

    LIMIT = 10_000
    BYTES = 32 * 1024 * 1024
    BODY_LIMIT = 4 * 1024 * 1024
    PARAMS_LIMIT = 64 * 1024

    def __init__(self, calls=()):
        super().__init__(calls)
        self._sizes = [_size(call) for call in self]  # each call's, as counted in `bytes`: trimming reads them
        self.bytes = sum(self._sizes)

    def add(self, call: Call, request_size: int | None = None) -> None:
        """request_size: the length of the request as sent, if known: it stands for its params' repr."""
        if len(call.body) > self.BODY_LIMIT:
            call = Call(call.operation, call.params, call.status, "", body_dropped=True)
        size = request_size if request_size is not None and request_size <= self.PARAMS_LIMIT else len(repr(call.params))
        if size > self.PARAMS_LIMIT:
            call = Call(call.operation, {"clipped": repr(call.params)[:1000]}, call.status, call.body, call.body_dropped)
            size = len(repr(call.params))
        self.append(call)
        size += len(call.body)
        self._sizes.append(size)
        self.bytes += size
        if len(self) > 2 * self.LIMIT or self.bytes > self.BYTES:  # trimmed in batches: appends stay O(1)
            # (sizes counted afresh if someone changed the list with list's own methods)
            sizes = self._sizes if len(self._sizes) == len(self) else [_size(call) for call in self]
            keep, kept = 0, 0
            for size in reversed(sizes):
                if keep == self.LIMIT or kept + size > self.BYTES // 2 and keep:
                    break
                keep, kept = keep + 1, kept + size
            del self[: len(self) - keep]
            self._sizes = sizes[len(sizes) - keep:]
            self.bytes = kept

    def clear(self) -> None:
        super().clear()
        self._sizes = []
        self.bytes = 0

    def of(self, operation: str) -> "Calls":
        from ..catalog import operation as lookup

        name = lookup(operation).name  # any spelling
        return Calls(call for call in self if call.operation == name)

    def submitted(self, name: str | None = None, queue: str | None = None) -> "Submissions":
        """Jobs submitted successfully, optionally those whose name (a glob) and queue match."""
        every = [{**call.params, "jobId": call.response.get("jobId")} for call in self
                 if call.operation == "SubmitJob" and call.ok]
        return Submissions(
            (s for s in every if (name is None or fnmatchcase(s.get("jobName", ""), name))
             and (queue is None or _same_queue(s.get("jobQueue", ""), queue))),
            every=every, wanted={"name": name, "queue": queue},
        )


def _same_queue(given: str, wanted: str) -> bool:
    return given == wanted or given.rsplit("/", 1)[-1] == wanted


class Submissions(list):
    """SubmitJob requests (with their jobId); a failing assertion shows every submission."""

    def __init__(self, items=(), every=(), wanted=None):
        super().__init__(items)
        self.every = list(every)
        self.wanted = {k: v for k, v in (wanted or {}).items() if v is not None}

    @property
    def names(self) -> list[str]:
        return [s.get("jobName") for s in self]

    def __repr__(self) -> str:
        if self.every == list(self):
            return f"<{len(self)} submitted: {_lines(self)}>"
        which = ", ".join(f"{k}={v!r}" for k, v in self.wanted.items())
        return f"<{len(self)} submitted with {which}: {_lines(self)}; all {len(self.every)} submitted: {_lines(self.every)}>"


def _lines(items) -> str:
    shown = [f"{s.get('jobName')} -> {s.get('jobQueue')} ({s.get('jobDefinition')}"
             + "".join(f", {k}={v!r}" for k, v in s.items() if k not in ("jobName", "jobQueue", "jobDefinition", "jobId"))
             + ")" for s in items]
    return "[" + "; ".join(shown) + "]"
