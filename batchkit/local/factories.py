"""Ad-hoc resources with sensible defaults, for tests: `make_queue`, `make_job_definition`, `submit`."""

from __future__ import annotations

import itertools

DEFAULT_ENVIRONMENT = "batchkit-ce"
DEFAULT_IMAGE = "public.ecr.aws/docker/library/busybox:latest"


class Factories:
    """Mixed into LocalBatch: each call goes through its own client and is left out of `calls`."""

    _serial = itertools.count(1)

    def make_queue(self, name: str | None = None, priority: int = 1, state: str = "ENABLED",
                   environments=None, max_vcpus: int = 256, **request) -> str:
        """A job queue (and, unless given, a compute environment of `max_vcpus` for it); its name.

        The default environment is UNMANAGED: its capacity is there at once.  Name a MANAGED
        one in `environments` to see instances launch (``LocalBatch(launch_seconds=...)``)."""
        name = name or f"queue-{next(self._serial)}"
        if environments is None:
            environments = [self._default_environment(max_vcpus)]
        elif isinstance(environments, str):
            environments = [environments]
        order = [{"order": i, "computeEnvironment": env} for i, env in enumerate(environments, 1)]
        with self.quietly():
            self.client.create_job_queue(jobQueueName=name, priority=priority, state=state,
                                         computeEnvironmentOrder=order, **request)
        return name

    def make_job_definition(self, name: str | None = None, command=("true",), image: str = DEFAULT_IMAGE,
                            vcpus: float = 1, memory: int = 512, environment: dict | None = None, **request) -> str:
        """A container job definition; its `name:revision`."""
        name = name or f"definition-{next(self._serial)}"
        container = {
            "image": image, "command": list(command),
            "resourceRequirements": [{"type": "VCPU", "value": f"{vcpus:g}"}, {"type": "MEMORY", "value": str(memory)}],
            "environment": [{"name": k, "value": str(v)} for k, v in (environment or {}).items()],
            **request.pop("containerProperties", {}),
        }
        with self.quietly():
            response = self.client.register_job_definition(jobDefinitionName=name, type="container",
                                                           containerProperties=container, **request)
        return f"{response['jobDefinitionName']}:{response['revision']}"

    def submit(self, name: str = "job", queue: str | None = None, definition: str | None = None, **request) -> str:
        """Submit a job (to the first enabled queue and the first definition by default); its id."""
        with self.quietly():
            queue = queue or self._first("describe_job_queues", "jobQueues", "jobQueueName", "state", "ENABLED")
            definition = definition or self._first("describe_job_definitions", "jobDefinitions",
                                                   "jobDefinitionName", "status", "ACTIVE")
            return self.client.submit_job(jobName=name, jobQueue=queue, jobDefinition=definition, **request)["jobId"]

    def jobs(self, **kwargs):
        """Every job as a DataFrame (`Batch.jobs`: queue, status, name, since, detail)."""
        with self.quietly():
            return self.batch.jobs(**kwargs)

    def submitted(self, name: str | None = None, queue: str | None = None):
        """What the code under test submitted (name glob, queue name or ARN); see `calls`."""
        return self.calls.submitted(name, queue)

    def _default_environment(self, max_vcpus: int) -> str:
        name = f"{DEFAULT_ENVIRONMENT}-{max_vcpus}"
        with self.quietly():
            known = self.client.describe_compute_environments(computeEnvironments=[name])["computeEnvironments"]
            if not known:
                self.client.create_compute_environment(computeEnvironmentName=name, type="UNMANAGED",
                                                       state="ENABLED", unmanagedvCpus=max_vcpus)
        return name

    def _first(self, method: str, key: str, name_key: str, state_key: str, state: str) -> str:
        for item in getattr(self.client, method)()[key]:
            if item.get(state_key) == state:
                return item[name_key]
        raise ValueError(f"there is no {state} {key[:-1]} to use: pass one, or make one first")
