"""EC2 instance types, from the DescribeInstanceTypes data moto ships (moto/ec2/resources)."""

from __future__ import annotations

from moto.ec2.models.instance_types import INSTANCE_FAMILIES, INSTANCE_TYPES

# What computeResources.instanceTypes may name: a type (m5.large), a family (m5), or one of the
# choices left to Batch (botocore's documentation of ComputeResource.instanceTypes).
NAMES = frozenset({*INSTANCE_TYPES, *INSTANCE_FAMILIES, "optimal", "default_x86_64", "default_arm64"})
