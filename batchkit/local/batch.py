"""LocalBatch: a faithful AWS Batch in this process, on moto, in-process or as a loopback server."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time

from .. import fastparse, gcpause, interception
from .. import __version__
from ..client import Batch, client_config
from ..gcpause import gc_paused
from . import dispatch, moto_adapter, persistence, responses, service, sessions
from . import seed as seeds
from .clock import Clock, sleeps_advance
from .factories import Factories
from .faults import Faults
from .fleet import Settings
from .outcomes import EXECUTORS, Outcomes
from .snapshot import Snapshot

LABEL = "local (in-memory, not AWS)"
REGION = "us-east-1"
SEED_LEAD_SECONDS = 15 * 60  # seeded jobs ran this long before the clock's start
TICK_SECONDS = 0.05  # how often the realtime clock's thread moves jobs along
_FAKE = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # never real credentials
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
_NO_PROFILE = {"profile": (None, None, None, None)}  # botocore's session_vars: no env var, no default
# A fixed user agent: botocore builds one per call otherwise (its feature list), a tenth of its work
_CLIENT_CONFIG = client_config(user_agent=f"batchkit.local/{__version__}")


class LocalBatch(Factories):
    """An in-memory Batch with a job lifecycle, in an AWS account of its own.

    It answers its own clients (``client``, `boto3_client`, and ``batch``, a
    `Batch` whose results are labelled as local); other boto3 clients only
    inside ``with lb.intercept():``; with ``server=True`` (or `serve()`) it also
    listens on a loopback port (``endpoint_url``) for other processes, SDKs and
    the AWS CLI.  Any number run side by side; `stop()` frees one.

    Args:
        seed: 'demo', a YAML/JSON path, a dict of request lists, or None (empty).
        clock: 'manual' (`advance`, `run_until_idle`) or 'realtime' (x ``speed``).
        speed: simulated seconds per wall second on the realtime clock.
        server: also listen on a loopback port now (`serve`).
        strict: reject IAM roles, instance profiles, subnets and security groups
            that do not exist, as AWS does (by default they are created or accepted).
        executor: 'simulated' (`set_outcome`) or 'subprocess' (runs the command here).
        region: the region of its clients and ARNs.
        host: the address the server listens on (loopback unless ``allow_remote``).
        port: the server's port (0: a free one).
        account: the 12-digit account of its ARNs; by default the first free one,
            counting up from moto's 123456789012.
        allow_remote: serve on an address other machines reach.
        moto_api: also serve moto's other services and its admin API.
        require_key: a shared secret callers sign with (see `serve`).
        launch_seconds: simulated time for an EC2 instance to launch.
        pull_seconds: simulated time to pull a new image when a job starts on an instance.
        idle_seconds: simulated time before an idle instance is terminated (down to minvCpus).
        state: a directory the state is kept in, so that it survives a restart and a crash (see
            persistence.py): an empty or new one is seeded; one holding a state goes on from it (its
            seed, account and region; `seed` is then ignored with a note).  One process at a time.
    """

    def __init__(self, seed: str | dict | None = "demo", clock: str = "manual", speed: float = 1.0, server: bool = False,
                 strict: bool = False, executor: str = "simulated", region: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, account: str | None = None, *,
                 allow_remote: bool = False, moto_api: bool = False, require_key: str | None = None,
                 launch_seconds: float = Settings.launch_seconds, pull_seconds: float = Settings.pull_seconds,
                 idle_seconds: float = Settings.idle_seconds, state: str | os.PathLike | None = None):
        if executor not in EXECUTORS:
            raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
        if state is not None and not isinstance(state, (str, os.PathLike)):
            raise ValueError(f"state must be the path of a directory, not {state!r}")
        if state is not None and executor != "simulated":  # replaying the journal would run the commands again
            raise ValueError("state= needs executor='simulated': the subprocess executor's runs cannot be replayed")
        self._checked = (seed, seeds.load(seed))  # bad seeds fail before anything starts; the first reset uses it
        from .server import Exposure

        self._exposure = Exposure(host, allow_remote, moto_api, require_key)  # a bad one fails here too
        self._state = self._ticker = self._server = None
        self._running = False
        self._seed_key = self.seed_label = None  # seed_label: what reset() goes back to, e.g. 'seed demo'
        self.restored = False  # state=: True when the state came from the directory, not from the seed
        if state is not None:  # locked from here on: stop() unlocks
            self._state = persistence.StateDir(state)
        try:
            if self._state is not None:
                account, region = self._state.identity(account, region)
            self._init(seed, clock, speed, server, strict, executor, region or REGION, host, port, account,
                       allow_remote, moto_api, require_key, launch_seconds, pull_seconds, idle_seconds)
        except BaseException:
            self.stop()
            raise

    def _init(self, seed, clock, speed, server, strict, executor, region, host, port, account, allow_remote, moto_api,
              require_key, launch_seconds, pull_seconds, idle_seconds) -> None:
        self.region, self.clock = region, Clock(clock, speed)
        self.faults, self.outcomes = Faults(), Outcomes()
        self.faults.environments_changed = self._environments_changed
        for name, value in (("launch_seconds", launch_seconds), ("pull_seconds", pull_seconds),
                            ("idle_seconds", idle_seconds)):
            if not (isinstance(value, (int, float)) and 0 <= value < float("inf")):
                raise ValueError(f"{name} must be a number of seconds >= 0, not {value!r}")
        settings = Settings(launch_seconds, pull_seconds, idle_seconds, self.faults)
        self._runtime = service.Runtime(service.free_account(account), self.clock, self.faults, self.outcomes,
                                        strict, executor, settings)
        self._runtime.moto_handler = responses.moto_handler
        # our clients ignore AWS_PROFILE: a developer's real profile must not matter (or be read)
        core = sessions.local_botocore_session(session_vars=_NO_PROFILE)  # botocore's data parsed once per process
        self._parsers = fastparse.parser_factory()  # large listings parse fast, as connect()'s clients do
        core.register_component("response_parser_factory", self._parsers)
        self._session = sessions.boto3_session(core)
        self.endpoint_url = None
        self._snapshots: dict[str, Snapshot] = {}  # seed key -> its snapshot
        self._dict_keys: dict[int, tuple] = {}  # id of a dict seed -> (the dict, its shape, its key)
        service.activate(self._runtime)
        self._running = True
        with sessions.shared_while_loading():  # moto's own session, made on its first backend, too
            self._connect()
            if self._state is not None and self._state.exists:  # goes on from the state: no seeding
                self._state.load(self, seeds.key(seed), seeds.label(seed) if seed is not None else "seed empty")
                self.clock.resume(max(backend.lifecycle.now for backend in self._runtime.backends.values()))
                self.restored = True
            else:
                self.reset(seed)  # in process: a server answers no request before its seed is in
                if self._state is not None:
                    self._state.create(self)
        self._checked = None
        if server:
            self.serve(host, port, allow_remote=allow_remote, moto_api=moto_api, require_key=require_key)
            self._connect()  # lb.client and lb.batch now go through the endpoint
        if not self.clock.manual:
            self._ticker = _Ticker(self._runtime)

    # -- set-up -----------------------------------------------------------------

    def _connect(self) -> None:
        self.client = self.boto3_client("batch")
        self.batch = Batch(self.client, label=LABEL, endpoint_url=self.endpoint_url,
                           logs_client=self.boto3_client("logs"))
        self.batch.clock = lambda: self.now / 1000  # charts end running jobs at simulated now
        if self.clock.manual:
            self.batch.sleep = self.advance  # `wait` passes simulated time instead of sleeping

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False, moto_api: bool = False,
              require_key: str | None = None) -> str:
        """Also listen on a port (once, loopback by default); the endpoint URL for other processes and SDKs.

        allow_remote: needed to listen on an address other machines reach (`host`).
        moto_api: also answer moto's other services and its admin API (``/moto-api/reset``
        resets this LocalBatch only); by default only Batch and CloudWatch Logs.
        require_key: a shared secret; callers sign with it as their AWS secret access key.
        """
        if self._server is None:
            from .server import Exposure, LoopbackServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
            self._exposure = Exposure(host, allow_remote, moto_api, require_key)
            self._server = LoopbackServer(self.account, self.reset, self._exposure, port)
            self._server.start()
            bound_host, bound_port = self._server.get_host_and_port()
            if bound_host in ("0.0.0.0", "::"):  # every address: the URL names one that reaches it from here
                bound_host = "127.0.0.1" if bound_host == "0.0.0.0" else "::1"
            self.endpoint_url = f"http://{bound_host if ':' not in bound_host else f'[{bound_host}]'}:{bound_port}"
        return self.endpoint_url

    @gc_paused  # a seed's thousands of jobs hold no garbage cycles: the collector runs once, after
    def _seed(self, key: str, request_seed: dict, where: str) -> Snapshot:
        """A fresh backend, the seed's requests sent before the clock's start and run, snapshotted."""
        backend = self._backend
        start = self.clock.start
        journal, self._runtime.journal = self._runtime.journal, None  # not journaled: reset checkpoints after it
        try:
            with self._runtime.lock:
                backend.fresh()  # moto's reset: a fresh backend (and a fresh lifecycle)
                backend.logs_backend.groups = {}
                backend.lifecycle.now = start - SEED_LEAD_SECONDS * 1000
            with self.quietly(), self._runtime.frozen():
                job_ids = seeds.apply(self.client, request_seed, lambda jobs: self._submit_seeded(jobs, where), where)
            with self._runtime.lock:
                backend.lifecycle.run_until_idle()
                backend.lifecycle.advance_to(start)
                self._snapshots[key] = Snapshot(backend, job_ids)
            gcpause.promote_all()  # kept as long as this LocalBatch: straight to the oldest generation
        finally:
            self._runtime.journal = journal
        return self._snapshots[key]

    def _submit_seeded(self, jobs, where: str = "seed") -> list[str]:
        """A seed's jobs, in bulk (`seed.load` has checked them as SubmitJob requests; `jobs` are its
        (entry, request, state) from `seed.split_jobs`), straight into the backend, which applies the
        service's rules; those with a status as recorded (history.py).  The collector is paused (`_seed`):
        its passes over the new jobs were a fifth of seeding's time."""
        job_ids, backend = [], self._backend
        with self._runtime.lock, backend.lifecycle.recording():
            for number, (entry, request, state) in enumerate(jobs):
                try:
                    job_ids.append(backend.submit(request, state).id)
                except (ValueError, *moto_adapter.ERRORS) as exc:
                    raise ValueError(f"{where}: {seeds.entry_name('jobs', number, entry)}: {_message(exc)}") from None
        return job_ids

    @property
    def _backend(self):
        return self._runtime.backend(self.region)

    @property
    def account(self) -> str:
        return self._runtime.account

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
            started, target = time.perf_counter(), self.now + int(seconds * 1000)
            self._advance_all(target)
            self._note("advance", time.perf_counter() - started, t=target)

    def run_until_idle(self) -> float:
        """Manual clock: advance until no job can move; the simulated seconds that passed."""
        self._manual("run_until_idle")
        with self._runtime.lock:
            start, started = self.now, time.perf_counter()
            self._idle_all()
            self._note("idle", time.perf_counter() - started)
            return (self.now - start) / 1000

    def _advance_all(self, target: int) -> None:
        for backend in list(self._runtime.backends.values()):
            backend.lifecycle.advance_to(target)

    def _idle_all(self) -> None:
        for backend in list(self._runtime.backends.values()):
            backend.lifecycle.run_until_idle()
        end = max(b.lifecycle.now for b in self._runtime.backends.values())
        for backend in self._runtime.backends.values():
            backend.lifecycle.advance_to(end)

    def _replay_call(self, region: str, operation: str, params: dict) -> str:
        """state=: a journaled request's action again (persistence.py replays through here); its answer."""
        return responses.replay(self._runtime, region, operation, params)

    def _note(self, kind: str, work: float = 0.0, **fields) -> None:
        """state=: a change that is not a Batch request, journaled (persistence.py); `work`: the seconds it took."""
        if self._runtime.journal is not None:
            self._runtime.journal.note(kind, work, **fields)

    def _manual(self, what: str) -> None:
        if not self.clock.manual:
            raise RuntimeError(f"{what}() needs clock='manual'; this LocalBatch runs on the realtime clock")

    # -- behaviour -------------------------------------------------------------------

    def set_outcome(self, pattern: str, exit_code=0, duration: float | None = None, logs=None,
                    reason: str | None = None, definition: str | None = None, queue: str | None = None,
                    memory: float | None = None, index=None):
        """Jobs whose name matches `pattern` (a glob) end like this, from their next attempt on.

        `exit_code` may be a list, one per attempt (the last repeats); `duration`
        is simulated seconds; `logs` become the attempt's log events (by default
        one line naming the simulated command); `memory` is the MiB the container
        uses: above the job's memory the attempt is killed (exit code 137,
        ``OutOfMemoryError: Container killed due to memory usage``); `index` (an
        int, a list or a range) limits the rule to those children of an array job
        (``set_outcome("shards", exit_code=2, index=[3, 7])``: two shards fail).  A node
        of a multi-node parallel job also matches ``<name>#<node>`` (``"train#0"``: its
        node 0); a node other than the main one without a `duration` runs until the
        main node exits.
        """
        with self._runtime.lock:
            rule = self.outcomes.add(pattern, exit_code, duration, logs, reason, definition, queue, memory, index)
            self._note("outcome", a=persistence.outcome_fields(rule))
            return rule

    def interrupt(self, job_id: str) -> str:
        """Reclaim the EC2 host of a STARTING or RUNNING job (a Spot reclaim): the attempts on it stop
        with ``Host EC2 (instance i-...) terminated.`` and retry as their retryStrategy says.
        The instance id."""
        with self._runtime.lock:
            job = self._backend.lifecycle.jobs.get(job_id)
            if job is None:
                raise ValueError(f"job {job_id!r} does not exist")
            instance = self._backend.lifecycle.interrupt(job)
            self._note("interrupt", r=self.region, job=job_id)
            return instance

    def _environments_changed(self, name: str | None) -> None:
        """`faults.invalid`/`clear`: each environment's status as the faults say; `name` must exist."""
        invalid = self.faults.invalid_environments
        with self._runtime.lock:
            backends = list(self._runtime.backends.values())
            if name is not None and not any(b.get_compute_environment(name) for b in backends):
                raise ValueError(f"no compute environment named {name!r}")
            for backend in backends:
                for env in backend._compute_environments.values():
                    if env.name in invalid:
                        env.status, env.status_reason = "INVALID", invalid[env.name]
                    elif getattr(env, "status", "VALID") == "INVALID":
                        env.status, env.status_reason = "VALID", None
                backend.lifecycle.wake()  # the queues' heads are placed (or blocked) again

    def reset(self, seed=None) -> None:
        """Back to a seeded state: restore its snapshot; outcomes, faults and calls cleared.

        `seed` switches to another seed; each seed is applied once and then only
        restored, so switching back and forth stays fast.
        """
        switch = seed is not None or self._seed_key is None
        # one pause from the check to the snapshot: the collection after it walks what stays, not also the
        # check's split entries (a collection between walked 9 objects per seeded job, ~15 ms for 10,000)
        with gc_paused:
            key, checked = self._key(seed) if switch else (self._seed_key, None)
            # seeding sends requests, maybe over HTTP to our own server: not under the lock
            snapshot = (self._snapshots.get(key) or self._stored_base(key)
                        or self._seed(key, checked if checked is not None else seeds.load(seed), seeds.label(seed)))
        new_base = key != self._seed_key
        self._seed_key = key  # only once it has worked: a bad seed leaves the current one in place
        if switch:
            self.seed_label = seeds.label(seed) if seed is not None else "seed empty"
        with self._runtime.lock:
            self.seed_job_ids = snapshot.job_ids
            backend = self._backend
            for other in [b for b in self._runtime.backends.values() if b is not backend]:
                other.fresh()
            snapshot.restore(backend)
            backend.lifecycle.random.seed(moto_adapter.random.getrandbits(128))  # new ids after each reset
            self.outcomes.clear()
            self.faults.clear()
            self._runtime.calls.clear()
            self._runtime.catch_up()
            if self._state is not None and self._state.exists:  # the seeded state, persisted
                self._state.after_reset(self, new_base)

    def _stored_base(self, key: str) -> Snapshot | None:
        """state=: after a restart, the seeded state's snapshot comes from the state directory."""
        if self._state is None or not self._state.exists or key != self._seed_key:
            return None
        with self._runtime.lock:
            self._snapshots[key] = Snapshot(self._backend, self._state.load_base(self)["job_ids"])
        return self._snapshots[key]

    def _key(self, seed) -> tuple[str, dict | None]:
        """(the seed's snapshot key, the seed checked if that was needed to make the key).

        A dict seed is digested once per object: the pytest plugin passes the same dict (a marker's)
        to every test; one whose sections were replaced or resized is digested anew (change a seed by
        making a new dict, not by editing an entry in place)."""
        checked, self._checked = self._checked, None  # __init__ checked its seed already: used once
        if not isinstance(seed, dict):
            return seeds.key(seed), None
        shape = tuple((name, id(value), len(value) if hasattr(value, "__len__") else None)
                      for name, value in seed.items())
        known = self._dict_keys.get(id(seed))
        if known is not None and known[0] is seed and known[1] == shape:
            return known[2], None
        # checked (bounded) before its text is made; seeding reuses it
        checked = checked[1] if checked is not None and checked[0] is seed else seeds.load(seed)
        # persisted (state=), or a value marshal does not take: the sorted JSON's digest, which names the
        # state's files whatever the dict's key order; else its content's in its own order (2.5x faster)
        key = (seeds.content_key(seed) if self._state is None else None) or seeds.key(seed)
        self._dict_keys[id(seed)] = (seed, shape, key)
        return key, checked

    @property
    def calls(self):
        """The API calls answered since the last reset (`Calls`), from any client, in-process or HTTP."""
        return self._runtime.calls

    def quietly(self):
        """A context in which this backend's answers are not recorded in `calls`."""
        return self._runtime.quietly()

    # -- answering other clients ------------------------------------------------------

    @contextlib.contextmanager
    def intercept(self, sleep: bool = False):
        """Meanwhile boto3 and aiobotocore clients made in this process (not by `batchkit.connect()`)
        reach this backend; fake credentials stand in where none are set.

        sleep: `time.sleep`/`asyncio.sleep` from this thread let that much simulated
        time pass at once (manual clock), so that polling code under test does not hang.
        """
        if sleep:
            self._manual("intercept(sleep=True)")
        self._runtime.reinstall()  # a moto mock started meanwhile may have dropped our backends
        missing = {k: v for k, v in _FAKE_ENV.items() if k not in os.environ} if "AWS_PROFILE" not in os.environ else {}
        os.environ.update(missing)
        interception.push(self.account)
        try:
            with sleeps_advance(self.advance) if sleep else contextlib.nullcontext():
                yield self
        finally:
            interception.pop(self.account)
            for name in missing:
                os.environ.pop(name, None)

    # -- clients and lifetime ----------------------------------------------------------

    def boto3_client(self, service_name: str, config=None):
        """A boto3 client with fake credentials that reaches this backend (and no other)."""
        from .server import SERVED

        credentials = {**_FAKE, "aws_secret_access_key": self._exposure.key or _FAKE["aws_secret_access_key"]}
        served = service_name in SERVED or self._exposure.moto_api  # the others are answered in-process
        client = self._session.client(service_name, region_name=self.region, config=config or _CLIENT_CONFIG,
                                      endpoint_url=self.endpoint_url if served else None, **credentials)
        return dispatch.own_client(client, self.account, self._parsers)

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._running = False
        try:
            if self._state is not None:
                self._state.close(self)  # a checkpoint of what was journaled, then the lock goes
        finally:
            self._state = None
            if hasattr(self, "_runtime"):
                service.deactivate(self._runtime)

    def __enter__(self) -> "LocalBatch":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url or "in-process"
        state = "running" if self._running else "stopped"
        return f"<LocalBatch {self.account} {self.region} {where} {self.clock!r} {state}>"


class _Ticker:
    """Realtime clock: a daemon thread that moves jobs along every TICK_SECONDS."""

    def __init__(self, runtime):
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(runtime,), name="batchkit-local-clock", daemon=True)
        self._thread.start()

    def _run(self, runtime) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            try:
                with runtime.lock:
                    runtime.catch_up()
            except Exception:  # a bug must not stop time for every later request: logged, and on
                logging.getLogger("batchkit.local").exception("the realtime clock's tick failed")

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)
