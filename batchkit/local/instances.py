"""EC2 instance types, from the DescribeInstanceTypes data moto ships (moto/ec2/resources).

Its 1,400 types carry vCPUs, memory and GPUs; the GPU types it lacks that
AWS Batch users still name (P3, P2) are added from Amazon EC2's accelerated
computing instance specifications (`MISSING`).  ``optimal`` and ``default_x86_64`` are the families
AWS Batch picks from for them (the C4, M4 and R4 families, or C5, M5 and R5
where those are not offered); ``default_arm64`` the Graviton ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .moto_adapter import INSTANCE_FAMILIES, INSTANCE_TYPES

# What computeResources.instanceTypes may name: a type (m5.large), a family (m5), or one of the
# choices left to Batch (botocore's documentation of ComputeResource.instanceTypes).
CHOICES = {"optimal": ("c4", "m4", "r4", "c5", "m5", "r5"), "default_x86_64": ("c4", "m4", "r4", "c5", "m5", "r5"),
           "default_arm64": ("c6g", "m6g", "r6g")}
# name -> (vCPUs, memory MiB, GPUs), from https://aws.amazon.com/ec2/instance-types/ (accelerated computing)
MISSING = {"p3.2xlarge": (8, 62464, 1), "p3.8xlarge": (32, 249856, 4), "p3.16xlarge": (64, 499712, 8),
           "p3dn.24xlarge": (96, 786432, 8), "p2.xlarge": (4, 62464, 1), "p2.8xlarge": (32, 499712, 8),
           "p2.16xlarge": (64, 749568, 16)}
TYPES = {**{name: None for name in MISSING}, **INSTANCE_TYPES}
NAMES = frozenset({*TYPES, *INSTANCE_FAMILIES, *(name.split(".")[0] for name in MISSING), *CHOICES})
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
    if name in MISSING:
        return Kind(name, *MISSING[name])
    data = INSTANCE_TYPES[name]
    gpus = sum(g.get("Count", 0) for g in (data.get("GpuInfo") or {}).get("Gpus", ()))
    return Kind(name, data["VCpuInfo"]["DefaultVCpus"], data["MemoryInfo"]["SizeInMiB"], gpus)


@cache
def _family(family: str) -> tuple[Kind, ...]:
    pattern = re.compile(re.escape(family) + r"\.[^.]+$")
    return tuple(kind(name) for name in TYPES if pattern.match(name) and "metal" not in name)


@cache
def candidates(names: tuple) -> list[Kind]:
    """The instance types an environment may launch, for its ``instanceTypes``."""
    found: dict[str, Kind] = {}
    for name in names:
        if name in CHOICES:
            families = [f for f in CHOICES[name] if _family(f)]
            families = [f for f in families if f[-1] == families[0][-1]]  # one generation
            kinds = [k for f in families for k in _family(f)]
        elif name in TYPES:
            kinds = [kind(name)]
        else:
            kinds = list(_family(name))
        found.update((k.name, k) for k in kinds)
    return list(found.values())
