"""State that survives a restart and a crash: ``batchkit.local(state=DIR)``, ``batchkit serve --state DIR``.

A checkpoint (the whole state, pickled) plus a journal of what changed since, replayed over it on
start.  The journal holds one JSON line per mutating Batch request answered with a 2xx (written to
the OS before the answer leaves, so ``kill -9`` keeps it), per clock step that moved a job, per
outcome rule and per interrupt.  Replay is deterministic: every id, address and log stream name
comes from the backend's own generator (``Lifecycle.random``), which the checkpoint holds, and each
entry is applied at the simulated time it was answered at; a replayed answer that differs from the
one journaled refuses the state rather than drift from what clients were told.

DIR holds:
  batchkit-state.json  format, batchkit and moto versions, account, region (written last on creation)
  lock                 flock-ed while a process uses DIR (the kernel drops it when the process dies)
  base-K.pickle        the seeded state: what `reset()` goes back to (K: a digest of the seed's key,
                       so that the checkpoint names its own base whatever a crash left)
  checkpoint-G.pickle  the state at generation G; journal-G.jsonl what changed since
Every file is written to a temporary name, fsync-ed and renamed into place.  Anything unexpected is
refused with one line naming the file, never dropped; a journal's last line cut off by a crash is an
unanswered request: it is dropped with a one-line warning.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import time
import zlib
from pathlib import Path

from ..gcpause import gc_paused

FORMAT = 1  # bump when what is pickled or journaled changes shape
# a checkpoint is taken after this many journal entries, or once the work they stand for (requests' actions,
# simulated time) took REPLAY_SECONDS, or WORK_PER_CHECKPOINT times what the last checkpoint took if that is
# more: a restart after a crash replays about that much, and checkpoints cost at most half the work
CHECKPOINT_EVERY = 10_000
REPLAY_SECONDS = 0.3
WORK_PER_CHECKPOINT = 2
HEADER, LOCK = "batchkit-state.json", "lock"
MAGIC = b"batchkit state\n"
READS = ("Describe", "List", "Get")  # operations that change nothing are not journaled
log = logging.getLogger("batchkit.local")


class StateRefused(ValueError):
    """A state directory that cannot be used as it is; the message is one line naming the file."""


def writes(operation: str) -> bool:
    return not operation.startswith(READS)


def _versions() -> dict:
    from .. import __version__
    from .moto_adapter import installed_version

    return {"batchkit": __version__, "moto": installed_version()}


class StateDir:
    """One state directory, locked for this process while open."""

    def __init__(self, path):
        self.path = Path(path).expanduser()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateRefused(f"state directory {self.path}: {exc.strerror or exc}") from None
        if not self.path.is_dir():
            raise StateRefused(f"state directory {self.path} is not a directory")
        self._refuse_foreign()  # before the lock file is made: another program's directory is left as it was
        self._lock = _Lock(self.path / LOCK)
        self.journal: Journal | None = None
        try:
            self.header = self._read_header()
        except BaseException:
            self._lock.release()
            raise

    @property
    def exists(self) -> bool:
        return self.header is not None

    def _refuse_foreign(self) -> None:
        if (self.path / HEADER).exists():
            return
        ours = [p.name for p in self.path.iterdir() if p.name != LOCK and not p.name.endswith(".tmp")]
        if ours:  # creation writes the header last: without it, this is half made or someone else's
            raise StateRefused(f"state directory {self.path} has no {HEADER} but holds {', '.join(sorted(ours)[:3])}"
                               ": a partial state or another program's directory (use an empty one)")

    def _read_header(self) -> dict | None:
        path = self.path / HEADER
        if not path.exists():
            self._refuse_foreign()  # again under the lock: another process may have been writing meanwhile
            return None
        try:
            header = json.loads(path.read_text())
            found = {key: header[key] for key in ("format", "batchkit", "moto", "account", "region", "nonce")}
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise StateRefused(f"{path} is damaged ({type(exc).__name__}: {exc})") from None
        versions = _versions()
        if found["format"] != FORMAT or found["batchkit"] != versions["batchkit"] or found["moto"] != versions["moto"]:
            raise StateRefused(f"{path}: written by batchkit {found['batchkit']} with moto {found['moto']} (state format "
                               f"{found['format']}); this is batchkit {versions['batchkit']} with moto {versions['moto']} "
                               f"(format {FORMAT}), which cannot read it: use those versions, or a new directory")
        return found

    def identity(self, account: str | None, region: str | None) -> tuple[str | None, str | None]:
        """The account and region to run in: the state's (a different one asked for is refused)."""
        if self.header is None:
            return account, region
        for name, asked in (("account", account), ("region", region)):
            if asked is not None and asked != self.header[name]:
                raise StateRefused(f"{self.path / HEADER}: the state is of {name} {self.header[name]}, not {asked}")
        return self.header["account"], self.header["region"]

    # -- creating, loading, checkpointing --------------------------------------------------

    def create(self, lb) -> None:
        """A new state from the LocalBatch just seeded: base, first checkpoint, journal, then the header."""
        header = {"format": FORMAT, **_versions(), "account": lb.account, "region": lb.region,
                  "nonce": os.urandom(8).hex(), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        data = _dump(lb, _base_meta(lb))
        _write(self._base(lb._seed_key), data)
        self.header = header
        self._start(lb, 1, data)
        _write(self.path / HEADER, json.dumps(header, indent=1).encode())

    def load(self, lb, seed_key: str, seed_label: str) -> None:
        """The state as it was: the newest checkpoint, then its journal replayed."""
        generation, checkpoint = self._newest_checkpoint()
        started = time.perf_counter()
        meta = _load(checkpoint, lb)
        loaded = time.perf_counter()
        base = meta["base"]
        lb.seed_job_ids, lb._seed_key, lb.seed_label = base["job_ids"], base["key"], base["label"]
        if seed_key != base["key"]:
            log.warning("%s holds a state seeded from %s: %s ignored", self.path, base["label"], seed_label)
        journal = self.path / f"journal-{generation}.jsonl"
        self.journal = Journal(journal, generation, self.header["nonce"], replaying=True)
        lb._runtime.journal = self.journal
        if journal.exists():
            _replay(lb, journal, generation)
        # what the next crash would replay, and about what a checkpoint of this state costs
        self.journal.work, self.journal.checkpoint_seconds = time.perf_counter() - loaded, loaded - started
        for stale in self.path.glob("*.tmp"):
            stale.unlink()
        self.journal.open(None if journal.exists() else generation)
        self.journal.full = lambda: self.checkpoint(lb)

    def _newest_checkpoint(self) -> tuple[int, Path]:
        found = {}
        for path in self.path.glob("checkpoint-*.pickle"):
            number = path.name[len("checkpoint-"):-len(".pickle")]
            if not number.isdigit():
                raise StateRefused(f"{path}: not a checkpoint this batchkit writes")
            found[int(number)] = path
        if not found:
            raise StateRefused(f"state directory {self.path} has no checkpoint-*.pickle: a partial state")
        newest = max(found)
        for journal in self.path.glob("journal-*.jsonl"):
            number = journal.name[len("journal-"):-len(".jsonl")]
            if not number.isdigit() or int(number) > newest:
                raise StateRefused(f"{journal}: a journal without its checkpoint (checkpoint-{number}.pickle)")
        return newest, found[newest]

    def checkpoint(self, lb) -> None:
        """The whole state as a new generation; the journal starts again (under the runtime's lock)."""
        with lb._runtime.lock:
            self._start(lb, (self.journal.generation if self.journal else 0) + 1)

    def after_reset(self, lb, new_base: bool) -> None:
        with lb._runtime.lock:
            data = _dump(lb, _base_meta(lb))
            if new_base:  # written before the checkpoint naming it: a crash between leaves the old pair whole
                _write(self._base(lb._seed_key), data)
            self._start(lb, self.journal.generation + 1, data)

    def load_base(self, lb) -> dict:
        """The seeded state into the LocalBatch (reset() restores from it after a restart); its meta."""
        return _load(self._base(lb._seed_key), lb)["base"]

    def _base(self, key: str) -> Path:
        return self.path / f"base-{hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}.pickle"

    def _start(self, lb, generation: int, data: bytes | None = None) -> None:
        started = time.perf_counter()
        _write(self.path / f"checkpoint-{generation}.pickle", data or _dump(lb, _base_meta(lb)))
        old = self.journal
        self.journal = Journal(self.path / f"journal-{generation}.jsonl", generation, self.header["nonce"])
        self.journal.checkpoint_seconds = time.perf_counter() - started
        self.journal.open(generation)
        self.journal.full = lambda: self.checkpoint(lb)
        lb._runtime.journal = self.journal
        if old is not None:
            old.close()
        keep = {f"checkpoint-{generation}.pickle", f"journal-{generation}.jsonl", self._base(lb._seed_key).name}
        for path in [*self.path.glob("checkpoint-*.pickle"), *self.path.glob("journal-*.jsonl"),
                     *self.path.glob("base-*.pickle")]:
            if path.name not in keep:
                path.unlink()

    def close(self, lb) -> None:
        """A clean stop: a checkpoint if anything was journaled (the next start replays nothing)."""
        try:
            journal = self.journal  # not after a failed start (a replay cut short) or a failed write
            if journal is not None and journal.count and not journal.replaying and not journal.failed:
                self.checkpoint(lb)
        finally:
            if self.journal is not None:
                self.journal.close()
            if hasattr(lb, "_runtime"):
                lb._runtime.journal = None
            self._lock.release()


def outcome_fields(rule) -> dict:
    """An outcome rule (outcomes.Outcome) as the JSON of `Outcomes.add`'s arguments."""
    fields = dict(rule.__dict__)
    for name in ("exit_code", "logs", "index"):
        value = fields[name]
        if isinstance(value, (tuple, frozenset)):
            fields[name] = sorted(value) if name == "index" else list(value)
    return fields


def _base_meta(lb) -> dict:
    """What the checkpoint says of the seed `reset()` goes back to."""
    return {"key": lb._seed_key, "label": lb.seed_label, "job_ids": list(lb.seed_job_ids)}


# -- the checkpoint file: MAGIC, a pickled meta (length and crc32 of what follows), the pickled state --

@gc_paused  # pickling walks every job: collections meanwhile would walk them again and again
def _dump(lb, base: dict) -> bytes:
    runtime = lb._runtime
    backends = {region: backend for (_, region), backend in runtime.backends.items()}
    outside = {id(runtime.outcomes): ("outcomes",), id(runtime.settings): ("settings",)}
    outside.update({id(backend): ("backend", region) for region, backend in backends.items()})
    state = {"backends": {region: backend.__dict__ for region, backend in backends.items()},
             "logs": {region: backend.logs_backend.groups for region, backend in backends.items()},
             "outcomes": list(runtime.outcomes.rules)}
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = lambda obj: outside.get(id(obj))  # the live objects a restart supplies
    pickler.dump(state)
    payload = buffer.getvalue()
    meta = {"format": FORMAT, "regions": sorted(backends), "base": base, "length": len(payload),
            "crc": zlib.crc32(payload)}
    return MAGIC + pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL) + payload


@gc_paused  # unpickling 10,000 jobs with the collector on took 2.6x as long
def _load(path: Path, lb) -> dict:
    """A checkpoint's state into the LocalBatch's backends; its meta."""
    try:
        with open(path, "rb") as file:
            if file.read(len(MAGIC)) != MAGIC:
                raise StateRefused(f"{path}: not a batchkit checkpoint")
            meta = pickle.load(file)
            payload = file.read()
    except StateRefused:
        raise
    except OSError as exc:
        raise StateRefused(f"{path}: {exc.strerror or exc}") from None
    except Exception as exc:
        raise StateRefused(f"{path} is damaged ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise StateRefused(f"{path}: not a checkpoint of state format {FORMAT}")
    if len(payload) != meta["length"] or zlib.crc32(payload) != meta["crc"]:
        raise StateRefused(f"{path} is damaged: {len(payload)} bytes where {meta['length']} were written, "
                           "or its checksum differs")
    runtime = lb._runtime
    with runtime.lock:
        backends = {region: runtime.backend(region) for region in meta["regions"]}
        live = {("outcomes",): runtime.outcomes, ("settings",): runtime.settings}
        live.update({("backend", region): backend for region, backend in backends.items()})
        unpickler = pickle.Unpickler(io.BytesIO(payload))
        unpickler.persistent_load = lambda key: live[tuple(key)]
        try:
            state = unpickler.load()
        except Exception as exc:
            raise StateRefused(f"{path} cannot be read by this batchkit ({type(exc).__name__}: {exc})") from None
        for (account, region), backend in list(runtime.backends.items()):
            if region not in backends:
                backend.fresh()
        for region, backend in backends.items():
            backend.__dict__.update(state["backends"][region])
            backend.logs_backend.groups = state["logs"][region]
        runtime.outcomes.rules[:] = state["outcomes"]
    return meta


def _write(path: Path, data: bytes) -> None:
    """`data` as `path`, all or nothing: a temporary file, fsync-ed, renamed, the directory fsync-ed."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    _sync_directory(path.parent)


def _sync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not on every platform
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- the journal -------------------------------------------------------------------------------

class Journal:
    """JSON lines appended with one write each; the first says which checkpoint they follow."""

    def __init__(self, path: Path, generation: int, nonce: str, replaying: bool = False):
        self.path, self.generation, self.nonce = path, generation, nonce
        self.replaying, self.failed, self.count = replaying, None, 0
        self.work = 0.0  # seconds the journaled changes took live: about what replaying them takes
        self.checkpoint_seconds = 0.0  # what writing the checkpoint it follows took
        self.full = None  # called when CHECKPOINT_EVERY entries are written (a checkpoint)
        self._fd = None

    def open(self, new_generation: int | None) -> None:
        """Start appending: a new file (its first line names the generation) or the replayed one."""
        if new_generation is not None:
            line = json.dumps({"k": "begin", "format": FORMAT, "generation": new_generation}) + "\n"
            _write(self.path, line.encode())
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.replaying = False

    def seed_for(self, region: str) -> str:
        """The generator seed of a region's backend made now: the same when the journal is replayed, though
        replay makes it later (a read that made it live is not journaled; it did nothing there until then)."""
        return f"{self.nonce}:{self.generation}:{region}"

    def note(self, kind: str, work: float = 0.0, **fields) -> None:
        """A change that is not a request (a clock step, an outcome rule...); `work`: the seconds it took."""
        if not self.replaying:
            self._append(json.dumps({"k": kind, **fields}, separators=(",", ":")), work)

    def call(self, region: str, operation: str, at: int, params: str, answer, work: float = 0.0) -> None:
        """An answered request: `params` is its JSON (one line), taken before the action ran; `answer` the
        JSON answered (json.dumps': one line), kept to check the replay against."""
        if self.replaying:
            return
        if isinstance(answer, bytes):
            answer = answer.decode()
        self._append(f'{{"k":"call","t":{int(at)},"r":{json.dumps(region)},"op":"{operation}","p":{params},'
                     f'"a":{answer or "null"}}}', work)

    def _append(self, line: str, work: float) -> None:
        if self.failed:
            raise OSError(f"{self.path}: an earlier write failed ({self.failed}); restart to go on from the state")
        try:
            os.write(self._fd, (line + "\n").encode())  # in the OS's hands before the answer is sent
        except OSError as exc:
            self.failed = exc.strerror or str(exc)
            raise
        self.count += 1
        self.work += work
        if (self.count >= CHECKPOINT_EVERY or self.work >= max(REPLAY_SECONDS, WORK_PER_CHECKPOINT * self.checkpoint_seconds)) \
                and self.full is not None:
            try:
                self.full()
            except Exception:  # the entry is written: the request stands; the next try is as much later
                log.exception("%s: the checkpoint failed", self.path)
                self.count, self.work = 0, 0.0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@gc_paused
def _replay(lb, path: Path, generation: int) -> None:
    runtime = lb._runtime
    with open(path, "rb") as file:
        data = file.read()
    lines = data.split(b"\n")
    torn = lines.pop()  # after the last newline: empty, or a line a crash cut off
    if torn:
        log.warning("%s: its last entry was cut off by a crash (a request never answered): dropped", path)
        with open(path, "r+b") as file:
            file.truncate(len(data) - len(torn))
    with runtime.lock:
        for number, raw in enumerate(lines, 1):
            where = f"{path} line {number}"
            try:
                entry = json.loads(raw)
                kind = entry["k"]
            except (ValueError, KeyError, TypeError):
                raise StateRefused(f"{where} does not parse: the journal is damaged") from None
            if number == 1:
                if kind != "begin" or entry.get("generation") != generation or entry.get("format") != FORMAT:
                    raise StateRefused(f"{where}: not the start of generation {generation}'s journal")
                continue
            try:
                if kind == "call":
                    for backend in list(runtime.backends.values()):
                        backend.lifecycle.advance_to(entry["t"])
                    answer = lb._replay_call(entry["r"], entry["op"], entry["p"])
                    if (json.loads(answer) if answer else None) != entry["a"]:
                        raise StateRefused(f"{where}: {entry['op']} answered {_short(answer)} on replay where "
                                           f"{_short(json.dumps(entry['a']))} was answered: the state cannot be "
                                           "rebuilt as it was")
                elif kind == "clock":
                    for backend in list(runtime.backends.values()):
                        backend.lifecycle.advance_to(entry["t"])
                elif kind == "advance":
                    lb._advance_all(entry["t"])
                elif kind == "idle":
                    lb._idle_all()
                elif kind == "outcome":
                    lb.outcomes.add(**entry["a"])
                elif kind == "interrupt":
                    runtime.backend(entry["r"]).lifecycle.interrupt(runtime.backend(entry["r"]).lifecycle.jobs[entry["job"]])
                else:
                    raise StateRefused(f"{where}: unknown entry {kind!r}")
            except StateRefused:
                raise
            except Exception as exc:
                raise StateRefused(f"{where}: {kind} {entry.get('op', '')} failed on replay "
                                   f"({type(exc).__name__}: {_short(str(exc))})") from None
            lb._runtime.journal.count += 1


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


class _Lock:
    """An exclusive flock on DIR/lock holding our pid; the kernel releases it when the process dies."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock (documented)
            pass
        except OSError:
            holder = os.read(self._fd, 32).decode(errors="replace").strip() or "?"
            os.close(self._fd)
            self._fd = None
            raise StateRefused(f"state directory {path.parent} is in use by another process (pid {holder}, {path})")
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
