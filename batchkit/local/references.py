"""IAM roles, instance profiles, subnets and security groups that requests name.

Lenient (the default) creates missing roles and instance profiles in moto's IAM
so that documented examples work verbatim, and takes subnets and security
groups as given; strict rejects anything missing, as AWS does.
"""

from __future__ import annotations

from . import rules
from .moto_adapter import IamNotFound

TRUST = '{"Version": "2012-10-17", "Statement": []}'


def _name(identifier: str) -> str:
    return identifier.rsplit("/", 1)[-1]


def _exists(find, identifier: str) -> bool:
    try:
        find(_name(identifier))
        return True
    except IamNotFound:
        return False


def check(backend, service_role: str | None, resources: dict | None, strict: bool) -> None:
    iam = backend.iam_backend
    instance_role = (resources or {}).get("instanceRole")
    if service_role and not _exists(iam.get_role, service_role):
        if strict:
            rules.fail(f"Could not find IAM role {service_role}")
        iam.create_role(_name(service_role), TRUST, "/", None, "created by batchkit.local", [], None)
    if instance_role and not _exists(iam.get_instance_profile, instance_role):
        if strict:
            rules.fail(f"could not find instanceRole {instance_role}")
        role = _name(instance_role)
        if not _exists(iam.get_role, role):
            iam.create_role(role, TRUST, "/", None, "created by batchkit.local", [], None)
        iam.create_instance_profile(role, "/", [role])
    if strict and resources:
        ec2 = backend.ec2_backend
        for group in resources.get("securityGroupIds") or ():
            if ec2.get_security_group_from_id(group) is None:
                rules.fail(f"security group {group} does not exist")
        for subnet in resources.get("subnets") or ():
            if subnet not in {s.id for s in ec2.describe_subnets()}:
                rules.fail(f"subnet {subnet} does not exist")
