"""Multi-node parallel jobs: node ranges, each node's container, and the rules AWS Batch checks.

A ``multinode`` job definition's ``nodeProperties`` name how many nodes a job
has, which one is the main node, and node ranges (``targetNodes`` such as
``0:3``, ``:3``, ``4:``) with a container each.  botocore's documentation of
NodeRangeProperty: "Your accumulative node ranges must account for all nodes
(0:n). You can nest node ranges (for example, 0:10 and 4:5). In this case, the
4:5 range properties override the 0:10 properties."  SubmitJob's
``nodeOverrides`` may change the number of nodes (NodeOverrides.numNodes, with
its three conditions) and override containers per range.

Everything here is a pure function of the request and the definition: the
lifecycle spawns node jobs ``<id>#<n>`` from `containers`, and the scheduler
places them together (fleet.py ``place_nodes``).
"""

from __future__ import annotations

from . import instances
from .job import merge_container, requirement
from .rules import fail

MAX_GROUPS = 5  # user guide, "Node groups": "up to five distinct node groups for each job"
MAIN_NODE_PRIVATE_IP = "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"


def parse_range(target, num_nodes: int, where: str = "targetNodes") -> tuple[int, int]:
    """``targetNodes`` as (first, last) node index, inclusive: ``0:3``, ``:3`` (from 0), ``4:`` (to the
    last node), or one index."""
    start, colon, end = str(target).strip().partition(":")
    try:
        first = int(start) if start.strip() else 0
        last = (int(end) if end.strip() else num_nodes - 1) if colon else first
    except ValueError:
        fail(f"{where} {target!r} is not valid: give a range of node indexes such as 0:3, :3 or 4:")
    if first < 0 or last < first or last >= num_nodes:
        fail(f"{where} {target!r} is not valid for {num_nodes} nodes: node indexes run from 0 to {num_nodes - 1}")
    return first, last


def _open_ended(target) -> bool:
    start, colon, end = str(target).strip().partition(":")
    return bool(colon) and not end.strip()


def _lower(target) -> int:
    start = str(target).strip().partition(":")[0]
    try:
        return int(start) if start.strip() else 0
    except ValueError:
        return 0


# -- RegisterJobDefinition -------------------------------------------------------------------


def check_definition(kind, node_properties, container_properties=None, eks_properties=None,
                     platform_capabilities=None) -> None:
    """A multinode definition as RegisterJobDefinition accepts it (botocore's documentation of
    RegisterJobDefinition's type, nodeProperties and NodeProperties, the user guide's "Node groups")."""
    if node_properties is None:
        if kind == "multinode":
            fail("nodeProperties is required when the job definition's type is multinode")
        return
    if kind != "multinode":
        fail("nodeProperties can only be used in a job definition of type multinode")
    if container_properties is not None or eks_properties is not None:
        fail("When nodeProperties is used in the job definition, it can't be used in addition to "
             "containerProperties, ecsProperties, or eksProperties")
    if "FARGATE" in (platform_capabilities or ()):
        fail("If the job is run on Fargate resources, then multinode isn't supported")
    num_nodes, main = node_properties.get("numNodes"), node_properties.get("mainNode")
    if not isinstance(num_nodes, int) or num_nodes < 1:
        fail(f"nodeProperties numNodes {num_nodes} is not valid: a multi-node parallel job has at least 1 node")
    if not isinstance(main, int) or not 0 <= main < num_nodes:
        fail(f"nodeProperties mainNode {main} is not valid: this node index value must be fewer than the number "
             f"of nodes ({num_nodes})")
    ranges = node_properties.get("nodeRangeProperties") or []
    if not ranges:
        fail("nodeProperties nodeRangeProperties must list at least one node range")
    if len(ranges) > MAX_GROUPS:
        fail(f"nodeProperties nodeRangeProperties has {len(ranges)} node ranges: a job has up to {MAX_GROUPS} "
             "distinct node groups")
    for position, item in enumerate(ranges):
        _check_range(item, position)
    _check_cover(ranges, num_nodes)
    _check_instance_types([_instance_type(item.get("container") or {}, item.get("instanceTypes"))
                           for item in ranges])


def _check_range(item: dict, position: int) -> None:
    where = f"nodeRangeProperties[{position}]"
    if item.get("eksProperties") is not None:
        fail(f"{where}: node properties can't be specified for Amazon EKS based job definitions")
    container = item.get("container")
    if container is None:
        fail(f"{where}: container is required (batchkit.local runs node ranges from container properties)")
    if not container.get("image"):
        fail(f"{where}: container must contain image")
    if requirement(container, "VCPU", "vcpus", float) <= 0:
        fail(f"{where}: container must contain vcpus greater than 0")
    if requirement(container, "MEMORY", "memory", int) < 4:
        fail(f"{where}: container must contain memory of at least 4 MiB")
    if len(item.get("instanceTypes") or ()) > 1:
        fail(f"{where}: instanceTypes is currently limited to one element")


def _check_cover(ranges: list[dict], num_nodes: int) -> None:
    """Every node in some range; ranges nest (0:10 and 4:5) but do not overlap partially."""
    spans = [parse_range(item.get("targetNodes"), num_nodes, f"nodeRangeProperties[{i}] targetNodes")
             for i, item in enumerate(ranges)]
    covered = [False] * num_nodes
    for first, last in spans:
        covered[first:last + 1] = [True] * (last + 1 - first)
    if not all(covered):
        fail(f"nodeRangeProperties do not account for node {covered.index(False)}: your accumulative node ranges "
             f"must account for all nodes (0:{num_nodes - 1})")
    for i, (a1, b1) in enumerate(spans):
        for a2, b2 in spans[i + 1:]:
            nested = (a1 <= a2 and b2 <= b1) or (a2 <= a1 and b1 <= b2)
            if not nested and a1 <= b2 and a2 <= b1:
                fail(f"node ranges {a1}:{b1} and {a2}:{b2} overlap: node ranges can be nested (0:10 and 4:5), "
                     "not overlap in part")


def _instance_type(container: dict, instance_types=None) -> str | None:
    return (instance_types or [None])[0] or container.get("instanceType")


def _check_instance_types(names) -> None:
    named = {name for name in names if name}
    for name in named:
        if name not in instances.NAMES or "." not in name:
            fail(f"Instance type {name} does not exist")
    if len(named) > 1:
        fail(f"All node groups in a multi-node parallel job must use the same instance type, not {sorted(named)}")


# -- SubmitJob ----------------------------------------------------------------------------


def effective(definition, request: dict) -> dict:
    """The job's nodeProperties: the definition's, with SubmitJob's numNodes override checked
    against botocore's three conditions of NodeOverrides.numNodes."""
    properties = definition.node_properties
    overrides = request.get("nodeOverrides") or {}
    if request.get("arrayProperties"):
        fail("arrayProperties cannot be used with a multi-node parallel job definition")
    num_nodes = overrides.get("numNodes")
    if num_nodes is None or num_nodes == properties["numNodes"]:
        result = dict(properties)
    else:
        ranges = properties.get("nodeRangeProperties") or []
        if not isinstance(num_nodes, int) or num_nodes < 1:
            fail(f"nodeOverrides numNodes {num_nodes} is not valid")
        if not any(_open_ended(item.get("targetNodes")) for item in ranges):
            fail("nodeOverrides numNodes: there must be at least one node range in your job definition that has "
                 "an open upper boundary, such as : or n:")
        if any(_lower(item.get("targetNodes")) >= num_nodes for item in ranges):
            fail("nodeOverrides numNodes: the lower boundary of the node range that's specified in the job "
                 f"definition must be fewer than the number of nodes specified in the override ({num_nodes})")
        if properties["mainNode"] >= num_nodes:
            fail("nodeOverrides numNodes: the main node index that's specified in the job definition must be fewer "
                 f"than the number of nodes specified in the override ({num_nodes})")
        for i, item in enumerate(ranges):
            parse_range(item.get("targetNodes"), num_nodes, f"nodeRangeProperties[{i}] targetNodes")
        result = {**properties, "numNodes": num_nodes}
    num_nodes = result["numNodes"]
    for i, item in enumerate(overrides.get("nodePropertyOverrides") or ()):
        parse_range(item.get("targetNodes"), num_nodes, f"nodePropertyOverrides[{i}] targetNodes")
        if item.get("eksPropertiesOverride") is not None:
            fail(f"nodePropertyOverrides[{i}]: node properties can't be specified for Amazon EKS based jobs")
        if len(item.get("instanceTypes") or ()) > 1:
            fail(f"nodePropertyOverrides[{i}]: instanceTypes is currently limited to one element")
    _check_instance_types({_instance_type(c) for c in containers(result, overrides.get("nodePropertyOverrides"))})
    return result


def containers(properties: dict, overrides=None) -> list[dict]:
    """Each node's container: the narrowest definition range holding it, then the overrides whose
    targetNodes hold it, in order.  Nodes of one group share one dict (read only)."""
    num_nodes = properties["numNodes"]
    ranges = [(parse_range(item.get("targetNodes"), num_nodes), position, item)
              for position, item in enumerate(properties.get("nodeRangeProperties") or ())]
    overrides = [(parse_range(item.get("targetNodes"), num_nodes), item) for item in overrides or ()]
    made: dict[tuple, dict] = {}
    result = []
    for index in range(num_nodes):
        holding = [(last - first, -position, item) for (first, last), position, item in ranges if first <= index <= last]
        _, position, base = min(holding, key=lambda found: found[:2])
        applied = tuple(i for i, ((first, last), _) in enumerate(overrides) if first <= index <= last)
        key = (position, applied)
        if key not in made:
            container = dict(base.get("container") or {})
            if base.get("instanceTypes"):
                container["instanceType"] = base["instanceTypes"][0]
            for i in applied:
                item = overrides[i][1]
                container = merge_container(container, item.get("containerOverrides"))
                if item.get("instanceTypes"):
                    container["instanceType"] = item["instanceTypes"][0]
            made[key] = container
        result.append(made[key])
    return result


def instance_type(nodes) -> str | None:
    """The instance type the job's containers ask for, if any (all node groups use the same one)."""
    return next((node.container.get("instanceType") for node in nodes if node.container.get("instanceType")), None)


def main_address(job) -> str | None:
    """The main node's private IPv4 address in its current attempt (its awsvpc network interface)."""
    parent = job.node_of
    main = parent.nodes[parent.node_props["mainNode"]]
    attempt = main.current or (main.attempts[-1] if main.attempts else None)
    interfaces = ((attempt or {}).get("container") or {}).get("networkInterfaces") or ()
    return interfaces[0].get("privateIpv4Address") if interfaces else None


def environment(job) -> dict[str, str]:
    """The variables AWS Batch sets in a node's container (user guide, multi-node parallel jobs,
    "Environment variables"); the main node's address only on the other nodes."""
    parent = job.node_of
    if parent is None:
        return {}
    main = parent.node_props["mainNode"]
    env = {"AWS_BATCH_JOB_NODE_INDEX": str(job.node_index), "AWS_BATCH_JOB_MAIN_NODE_INDEX": str(main),
           "AWS_BATCH_JOB_NUM_NODES": str(parent.node_props["numNodes"])}
    if job.node_index != main:
        address = main_address(job)
        if address:
            env[MAIN_NODE_PRIVATE_IP] = address
    return env
