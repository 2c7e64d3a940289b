"""A seeded backend's state, restored in time that follows what a test changed, not the seed's size.

Finished jobs never change again (the lifecycle moves only unfinished ones), and
neither do the log streams of their attempts until someone writes to them.  So a
restore shares them with the snapshot: the jobs index is a layer of changes over
the snapshot's, the lists of jobs by queue and a log group's streams are copied
at C speed, a log stream is
copied the first time it is touched (`_Streams`), tags per resource when they
change (`LocalBatchBackend.tag_resource`); everything else, which is small
whatever the seed (environments, queues, definitions, unfinished jobs, the
event heap), is copied whole: unpickled from the snapshot's bytes, which is
several times faster than a deep copy (the deep copy stays for a state that
does not pickle).
"""

from __future__ import annotations

import copy
import io
import pickle
from collections import ChainMap

from .job import Job
from .moto_adapter import account_backends, forget, untrack
from .status_index import StatusIndex


class Snapshot:
    def __init__(self, backend, job_ids: list[str]):
        self.job_ids = job_ids
        self._services = {(id(service), region) for service, region, _ in account_backends(backend.account_id)}
        lifecycle = backend.lifecycle
        for job in lifecycle.jobs.values():
            job.frozen = job.settled  # from now on shared by every restore
        unfinished = list({id(job): job for job in lifecycle.jobs.values() if not job.frozen}.values())
        memo = _memo(backend)
        self._state, self._unfinished = copy.deepcopy((backend.__dict__, unfinished), memo)
        self._jobs = dict(lifecycle.jobs)  # copied at C speed, then the unfinished jobs' copies put in (`_add`'s keys)
        for job in unfinished:
            self._jobs[job.id] = self._jobs[job.arn] = memo[id(job)]
        self._by_queue = {arn: [memo.get(id(job), job) for job in jobs] for arn, jobs in lifecycle.by_queue.items()}
        self._listed = lifecycle.listed.frozen(memo)
        self._places = [(arn, index, job) for arn, jobs in self._by_queue.items()
                        for index, job in enumerate(jobs) if not job.frozen]
        self._tags = {arn: dict(tags) for arn, tags in backend.tagger.tags.items()}
        # each log group: its settings (copied per restore) and its streams (shared until touched)
        self._groups = {name: (_settings(group), dict.copy(group.streams))
                        for name, group in backend.logs_backend.groups.items()}
        self._pickled = _pickled((self._state, self._unfinished), memo)

    def restore(self, backend) -> None:
        # moto's other services (S3, SQS, ...) that code under test used since: as if never used
        for service, region, other in account_backends(backend.account_id):
            if (id(service), region) not in self._services and other is not backend:
                forget(service, region, other)
        if self._pickled is not None:
            state, unfinished = self._pickled.copy()
            memo = {id(job): copied for job, copied in zip(self._unfinished, unfinished)}
        else:
            memo = _memo(backend)
            state, unfinished = copy.deepcopy((self._state, self._unfinished), memo)
        lifecycle = state["lifecycle"]
        # the jobs index: what changes from now on, over the snapshot's (which nobody writes to)
        lifecycle.jobs = JobIndex({key: job for job in unfinished for key in (job.id, job.arn)}, self._jobs)
        lifecycle.by_queue = {arn: list(jobs) for arn, jobs in self._by_queue.items()}
        for arn, index, job in self._places:
            lifecycle.by_queue[arn][index] = memo[id(job)]
        lifecycle.listed = StatusIndex.restored(self._listed, memo)
        state["tagger"].tags = dict(self._tags)  # a resource's tags are copied when they change
        backend.__dict__.update(state)
        backend.logs_backend.groups = {name: _group(settings, streams) for name, (settings, streams) in self._groups.items()}
        untrack(backend.account_id)  # the state just replaced is garbage now, unless moto's record keeps it


class JobIndex(ChainMap):
    """A restored lifecycle's jobs: the jobs it made (first map) over the snapshot's. Every request looks
    jobs up here, and ChainMap's `in` runs a generator over its maps: these lookups read the two directly."""

    def __contains__(self, key) -> bool:
        new, snapshot = self.maps
        return key in new or key in snapshot

    def __getitem__(self, key):
        new, snapshot = self.maps
        job = new.get(key)  # a job is never None
        return job if job is not None else snapshot[key]

    def get(self, key, default=None):
        new, snapshot = self.maps
        job = new.get(key)
        return job if job is not None else snapshot.get(key, default)


def _memo(backend) -> dict:
    """deepcopy's memo: what lives outside the snapshot stays itself; the shared containers are
    left empty in the copy (`restore` fills them)."""
    lifecycle = backend.lifecycle
    return {id(backend): backend, id(lifecycle.outcomes): lifecycle.outcomes, id(lifecycle.settings): lifecycle.settings,
            id(lifecycle.jobs): {}, id(lifecycle.by_queue): {}, id(lifecycle.listed): None,
            id(backend.tagger.tags): {}}


class _Pickled:
    """A snapshot's state as bytes, copied by unpickling them: the objects deepcopy's memo kept as
    they are (the backend, its settings, ...) and the finished jobs stay themselves."""

    def __init__(self, data: bytes, shared: list):
        self._data, self._shared = data, shared

    def copy(self):
        unpickler = pickle.Unpickler(io.BytesIO(self._data))
        unpickler.persistent_load = self._shared.__getitem__
        return unpickler.load()


def _pickled(value, memo: dict) -> _Pickled | None:
    """`value` pickled, objects in deepcopy's `memo` as references; None if some part does not pickle."""
    shared, index = [], {}

    def persistent_id(obj):
        if id(obj) in memo or (type(obj) is Job and obj.frozen):
            if id(obj) not in index:
                index[id(obj)] = len(shared)
                shared.append(obj)
            return index[id(obj)]
        return None

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = persistent_id
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError):  # a lock, a lambda: deep copies it is
        return None
    return _Pickled(buffer.getvalue(), shared)


class _Streams(dict):
    """A log group's streams; those shared with the snapshot are copied when first looked up by name
    (moto reads and writes a stream through ``streams[name]``)."""

    def __init__(self, group, shared: dict):
        super().__init__(shared)
        self._group, self._shared = group, shared

    def __getitem__(self, name):
        stream = super().__getitem__(name)
        if self._shared.get(name) is stream:
            stream = copy.deepcopy(stream, {id(stream.log_group): self._group})
            self[name] = stream
        return stream


def _settings(group):
    """A copy of a log group without its streams."""
    return copy.deepcopy(group, {id(group.streams): {}})


def _group(settings, streams: dict):
    """A log group whose settings are copied and whose streams are shared until touched."""
    live = copy.deepcopy(settings)
    live.streams = _Streams(live, streams)
    return live
