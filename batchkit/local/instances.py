"""EC2 instance types, from the DescribeInstanceTypes data moto ships (moto/ec2/resources).

Its 1,400 types carry vCPUs, memory and GPUs; what is missing from it (p3, for
one) is missing here too.  ``optimal`` and ``default_x86_64`` are the families
AWS Batch picks from for them (the C4, M4 and R4 families, or C5, M5 and R5
where those are not offered); ``default_arm64`` the Graviton ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from moto.ec2.models.instance_types import INSTANCE_FAMILIES, INSTANCE_TYPES

# What computeResources.instanceTypes may name: a type (m5.large), a family (m5), or one of the
# choices left to Batch (botocore's documentation of ComputeResource.instanceTypes).
CHOICES = {"optimal": ("c4", "m4", "r4", "c5", "m5", "r5"), "default_x86_64": ("c4", "m4", "r4", "c5", "m5", "r5"),
           "default_arm64": ("c6g", "m6g", "r6g")}
NAMES = frozenset({*INSTANCE_TYPES, *INSTANCE_FAMILIES, *CHOICES})
# What a job can use of an instance's memory (the user guide's "Compute resource memory management"):
# the kernel and platform keep about 2.5% (an m4.large has 8,192 MiB installed, 7,985 MiB seen by
# the container agent), and the ECS agent reserves 32 MiB more.
SEEN = 7985 / 8192
AGENT_MIB = 32


@dataclass(frozen=True)
class Kind:
    name: str
    vcpus: int
    memory: int  # MiB installed
    gpus: int

    @property
    def usable_memory(self) -> int:
        return int(self.memory * SEEN) - AGENT_MIB

    def fits(self, vcpus: float, memory: float, gpus: int) -> bool:
        return vcpus <= self.vcpus and memory <= self.usable_memory and gpus <= self.gpus


@cache
def kind(name: str) -> Kind:
    data = INSTANCE_TYPES[name]
    gpus = sum(g.get("Count", 0) for g in (data.get("GpuInfo") or {}).get("Gpus", ()))
    return Kind(name, data["VCpuInfo"]["DefaultVCpus"], data["MemoryInfo"]["SizeInMiB"], gpus)


@cache
def _family(family: str) -> tuple[Kind, ...]:
    pattern = re.compile(re.escape(family) + r"\.[^.]+$")
    return tuple(kind(name) for name in INSTANCE_TYPES if pattern.match(name) and "metal" not in name)


def candidates(names) -> list[Kind]:
    """The instance types an environment may launch, for its ``instanceTypes``."""
    found: dict[str, Kind] = {}
    for name in names:
        if name in CHOICES:
            families = [f for f in CHOICES[name] if _family(f)]
            families = [f for f in families if f[-1] == families[0][-1]]  # one generation
            kinds = [k for f in families for k in _family(f)]
        elif name in INSTANCE_TYPES:
            kinds = [kind(name)]
        else:
            kinds = list(_family(name))
        found.update((k.name, k) for k in kinds)
    return list(found.values())
