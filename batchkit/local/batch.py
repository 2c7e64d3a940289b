"""LocalBatch: a faithful AWS Batch in this process, on moto, in-process or as a loopback server."""

from __future__ import annotations

import copy
import threading

import boto3

from ..client import Batch, client_config
from . import seed as seeds
from . import service
from .clock import Clock
from .faults import Faults
from .outcomes import EXECUTORS, Outcomes

LABEL = "local (in-memory, not AWS)"
REGION = "us-east-1"
SEED_LEAD_SECONDS = 15 * 60  # seeded jobs ran this long before the clock's start
TICK_SECONDS = 0.05  # how often the realtime clock's thread moves jobs along
_FAKE = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # never real credentials


class LocalBatch:
    """An in-memory Batch with a job lifecycle.

    While it runs, boto3 clients created in this process reach it (moto's mock
    is active); with ``server=True`` it also listens on a loopback port
    (``endpoint_url``) for other processes, SDKs and the AWS CLI.  ``batch`` is a
    `Batch` on it whose results are labelled as local; ``client`` a boto3 client.
    """

    def __init__(self, seed="demo", clock: str = "manual", speed: float = 1.0, server: bool = False,
                 strict: bool = False, executor: str = "simulated", region: str = REGION,
                 host: str = "127.0.0.1", port: int = 0):
        from moto import mock_aws

        if executor not in EXECUTORS:
            raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
        request_seed = seeds.load(seed)  # bad seeds fail before anything starts
        self.region, self.clock = region, Clock(clock, speed)
        self.faults, self.outcomes = Faults(), Outcomes()
        self._runtime = service.Runtime(self.clock, self.faults, self.outcomes, strict, executor)
        self._mock = self._server = self._ticker = None
        self.endpoint_url = None
        service.activate(self._runtime)
        try:
            self._mock = mock_aws(config={"batch": {"use_docker": False}})
            self._mock.start()
            service.activate_backends(self._runtime)
            if server:
                self._serve(host, port)
            self.client = self.boto3_client("batch")
            self.batch = Batch(self.client, label=LABEL, endpoint_url=self.endpoint_url)
            if self.clock.manual:
                self.batch.sleep = self.advance  # `wait` passes simulated time instead of sleeping
            self.seed_job_ids = self._seed(request_seed)
            if not self.clock.manual:
                self._ticker = _Ticker(self._runtime)
        except BaseException:
            self.stop()
            raise

    # -- set-up -----------------------------------------------------------------

    def _serve(self, host: str, port: int) -> None:
        import logging

        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._server.start()
        bound_host, bound_port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{bound_host}:{bound_port}"

    def _seed(self, request_seed: dict) -> list[str]:
        """Send the seed's requests at a time before the clock's start, run them, snapshot."""
        backend = self._backend
        start = backend.lifecycle.now
        backend.lifecycle.now = start - SEED_LEAD_SECONDS * 1000
        job_ids = seeds.apply(self.client, request_seed)
        with self._runtime.lock:
            backend.lifecycle.run_until_idle()
            backend.lifecycle.advance_to(start)
            self._saved = self._copy(backend.__dict__), self._copy(backend.logs_backend.groups)
        return job_ids

    def _copy(self, state):
        """A deep copy that shares what lives outside the snapshot (backend, outcomes)."""
        backend = self._backend
        return copy.deepcopy(state, {id(backend): backend, id(self.outcomes): self.outcomes})

    @property
    def _backend(self):
        return self._runtime.backend(service.ACCOUNT, self.region)

    # -- the clock -----------------------------------------------------------------

    @property
    def now(self) -> int:
        """Simulated time, epoch milliseconds."""
        return self._backend.lifecycle.now

    def advance(self, seconds: float) -> None:
        """Manual clock: let `seconds` of simulated time pass, running every transition due."""
        self._manual("advance")
        if not seconds >= 0:
            raise ValueError(f"seconds must be a number >= 0, not {seconds!r}")
        with self._runtime.lock:
            target = self.now + int(seconds * 1000)
            for backend in list(self._runtime.backends.values()):
                backend.lifecycle.advance_to(target)

    def run_until_idle(self) -> float:
        """Manual clock: advance until no job can move; the simulated seconds that passed."""
        self._manual("run_until_idle")
        with self._runtime.lock:
            start = self.now
            for backend in list(self._runtime.backends.values()):
                backend.lifecycle.run_until_idle()
            end = max(b.lifecycle.now for b in self._runtime.backends.values())
            for backend in self._runtime.backends.values():
                backend.lifecycle.advance_to(end)
            return (end - start) / 1000

    def _manual(self, what: str) -> None:
        if not self.clock.manual:
            raise RuntimeError(f"{what}() needs clock='manual'; this LocalBatch runs on the realtime clock")

    # -- behaviour -------------------------------------------------------------------

    def set_outcome(self, pattern: str, exit_code=0, duration: float | None = None, logs=(),
                    reason: str | None = None, definition: str | None = None, queue: str | None = None):
        """Jobs whose name matches `pattern` (a glob) end like this, from their next attempt on.

        `exit_code` may be a list, one per attempt (the last repeats); `duration`
        is simulated seconds; `logs` become the attempt's log events.
        """
        with self._runtime.lock:
            return self.outcomes.add(pattern, exit_code, duration, logs, reason, definition, queue)

    def reset(self) -> None:
        """Back to the seeded state: restore the snapshot, clear outcomes and faults."""
        with self._runtime.lock:
            batch_state, log_groups = self._saved
            backend = self._backend
            for other in [b for b in self._runtime.backends.values() if b is not backend]:
                other.reset()
            backend.__dict__.update(self._copy(batch_state))
            backend.logs_backend.groups = self._copy(log_groups)
            self.outcomes.clear()
            self.faults.clear()
            self._runtime.catch_up()

    # -- clients and lifetime ----------------------------------------------------------

    def boto3_client(self, service_name: str):
        """A boto3 client with fake credentials that reaches this backend."""
        return boto3.client(service_name, region_name=self.region, config=client_config(),
                            endpoint_url=self.endpoint_url, **_FAKE)

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        service.deactivate(self._runtime)

    def __enter__(self) -> "LocalBatch":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url or "in-process"
        return f"<LocalBatch {self.region} {where} {self.clock!r} {'running' if self._mock else 'stopped'}>"


class _Ticker:
    """Realtime clock: a daemon thread that moves jobs along every TICK_SECONDS."""

    def __init__(self, runtime):
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(runtime,), name="batchkit-local-clock", daemon=True)
        self._thread.start()

    def _run(self, runtime) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            with runtime.lock:
                runtime.catch_up()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
