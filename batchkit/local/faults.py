"""Injected faults: throttling, errors and latency per operation, deterministic; EC2 out of capacity;
compute environments made INVALID; Spot instances reclaimed at a rate."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Callable

THROTTLE = (429, "TooManyRequestsException", "Too Many Requests")
# What AWS says of an environment whose service role it cannot assume
INVALID_REASON = ("CLIENT_ERROR - Not authorized to perform sts:AssumeRole (Service: AWSSecurityTokenService; "
                  "Status Code: 403; Error Code: AccessDenied)")


@dataclass
class Fault:
    operation: str  # an operation name or "*"
    status: int | None = None  # None: latency only
    code: str = ""
    message: str = ""
    seconds: float = 0.0
    rate: float | None = None  # chance per matching request; None: every one
    times: int | None = None  # how many requests it still hits; None: no limit

    def hits(self, operation: str, rng: random.Random) -> bool:
        if self.operation not in ("*", operation) or self.times == 0:
            return False
        if self.rate is not None and rng.random() >= self.rate:
            return False
        if self.times is not None:
            self.times -= 1
        return True


class Faults:
    """`lb.faults`: what the next requests suffer, in-process and over HTTP alike."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rules: list[Fault] = []
        self.no_capacity: list[str] = []  # instance type globs EC2 cannot launch
        self.invalid_environments: dict[str, str] = {}  # compute environment name -> its statusReason
        # set by the LocalBatch: applies invalid_environments to its environments (ValueError: no such name)
        self.environments_changed: Callable[[str | None], None] | None = None
        self.spot_per_hour = 0.0  # how often a Spot instance is reclaimed
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def throttle(self, operation: str = "*", rate: float | None = None, times: int | None = None) -> Fault:
        """Answer HTTP 429 TooManyRequestsException (SDKs retry it as throttling)."""
        status, code, message = THROTTLE
        return self._add(Fault(_operation(operation), status, code, message, rate=_rate(rate), times=_times(times)))

    def error(self, operation: str = "*", status: int = 500, code: str | None = None, message: str | None = None,
              rate: float | None = None, times: int | None = None) -> Fault:
        """Answer `status` with `code` (ServerException for 5xx, ClientException otherwise)."""
        if not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f"status must be an HTTP error status (400-599), not {status!r}")
        code = code or ("ServerException" if status >= 500 else "ClientException")
        message = message or f"injected by batchkit.local faults ({status} {code})"
        return self._add(Fault(_operation(operation), status, code, message, rate=_rate(rate), times=_times(times)))

    def latency(self, operation: str = "*", seconds: float = 0.1) -> Fault:
        """Delay each matching request by `seconds` of wall time."""
        if not (isinstance(seconds, (int, float)) and seconds >= 0):
            raise ValueError(f"seconds must be a number >= 0, not {seconds!r}")
        return self._add(Fault(_operation(operation), seconds=float(seconds)))

    def capacity(self, instance_types: str = "*") -> None:
        """EC2 has no capacity for these instance types (a glob): jobs that need one wait RUNNABLE with
        ``CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY``, until `clear()`."""
        with self._lock:
            self.no_capacity.append(str(instance_types))

    def capacity_fails(self, instance_type: str) -> bool:
        return any(fnmatchcase(instance_type, pattern) for pattern in self.no_capacity)

    def invalid(self, environment: str, reason: str = INVALID_REASON) -> None:
        """The compute environment (name or ARN) becomes INVALID with `reason` as its statusReason, as on AWS
        when its service role or instance role is wrong: it places no jobs, and a queue whose environments
        are all INVALID holds its jobs RUNNABLE with ``ACTION_REQUIRED``.  Until `clear()`, or an
        UpdateComputeEnvironment that gives it a serviceRole or an instanceRole (the fix)."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"reason must be a non-empty string (the statusReason), not {reason!r}")
        name = str(environment).rsplit("/", 1)[-1]
        with self._lock:
            previous = self.invalid_environments.get(name)
            self.invalid_environments[name] = reason
        try:
            self._environments_changed(name)
        except ValueError:
            with self._lock:
                if previous is None:
                    self.invalid_environments.pop(name, None)
                else:
                    self.invalid_environments[name] = previous
            raise

    def valid(self, environment: str) -> None:
        """The environment is VALID again (what an UpdateComputeEnvironment fixing its role does)."""
        with self._lock:
            found = self.invalid_environments.pop(str(environment).rsplit("/", 1)[-1], None)
        if found is not None:
            self._environments_changed(None)

    def _environments_changed(self, name: str | None) -> None:
        if self.environments_changed is not None:
            self.environments_changed(name)

    def spot(self, per_hour: float) -> None:
        """Reclaim each Spot instance after a random (exponential) time, `per_hour` times an hour on
        average: its jobs stop with ``Host EC2 (instance i-...) terminated.`` and retry as their
        retryStrategy says (``lb.interrupt`` does one on purpose).  Drawn from the faults' seed: the
        same run reclaims the same instances."""
        if not (isinstance(per_hour, (int, float)) and 0 <= per_hour <= 3600):
            raise ValueError(f"per_hour must be a number of reclaims per hour between 0 and 3600, not {per_hour!r}")
        with self._lock:
            self.spot_per_hour = float(per_hour)

    def reclaim_after(self) -> float | None:
        """Seconds until a Spot instance is reclaimed, or None: Spot reclaims are off."""
        with self._lock:
            return self._random.expovariate(self.spot_per_hour / 3600) if self.spot_per_hour else None

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            lifted = bool(self.invalid_environments or self.no_capacity)  # queued jobs may run now
            self.no_capacity.clear()
            self.invalid_environments.clear()
            self.spot_per_hour = 0.0
            self._random.seed(self.seed)
        if lifted:
            self._environments_changed(None)

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self.rules.append(fault)
        return fault

    def apply(self, operation: str) -> tuple[int, str, str] | None:
        """Sleep for matching latency; the (status, code, message) of the first error that hits."""
        with self._lock:
            delay = sum(f.seconds for f in self.rules if f.status is None and f.hits(operation, self._random))
            hit = next((f for f in self.rules if f.status is not None and f.hits(operation, self._random)), None)
        if delay:
            time.sleep(delay)
        return (hit.status, hit.code, hit.message) if hit else None

    def described(self) -> list[str]:
        """Each fault in force, in a line (`%batch local faults` prints them)."""
        with self._lock:
            return ([repr(rule) for rule in self.rules]
                    + [f"no EC2 capacity for {pattern}" for pattern in self.no_capacity]
                    + [f"Spot instances reclaimed {self.spot_per_hour:g} times an hour"] * bool(self.spot_per_hour)
                    + [f"{name} INVALID: {reason}" for name, reason in self.invalid_environments.items()])

    def __repr__(self) -> str:
        return f"<Faults {self.rules}>"


def _operation(name: str) -> str:
    if name == "*":
        return name
    from ..catalog import operation

    return operation(name).name  # any spelling; unknown names raise with a suggestion


def _rate(rate):
    if rate is not None and not (isinstance(rate, (int, float)) and 0 <= rate <= 1):
        raise ValueError(f"rate must be a probability between 0 and 1, not {rate!r}")
    return rate


def _times(times):
    if times is not None and not (isinstance(times, int) and times >= 0):
        raise ValueError(f"times must be a whole number >= 0, not {times!r}")
    return times
