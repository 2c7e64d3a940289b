"""Every request checked against botocore's Batch model before the backend sees it.

botocore's `ParamValidator` knows the types, required and unknown members and
minimum lengths; it leaves out enums, maximums and what only the API
reference's prose says.  Those come from the small tables below, keyed by
``Shape.member`` of the model, so a rule is a line of data, not code.  Every
problem is one line (`Invalid`); the backend never stores a value that
boto3 could not read back.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from functools import cache

from botocore.validate import ParamValidator, ValidationErrors

# Ranges the reference states in prose ("This value can be between 1 and 100"), with its words where it has some.
RANGES = {
    "CreateJobQueueRequest.priority": (0, 1000),
    "UpdateJobQueueRequest.priority": (0, 1000),
    "SubmitJobRequest.schedulingPriorityOverride": (0, 9999),
    "RegisterJobDefinitionRequest.schedulingPriority": (0, 9999),
    "SubmitServiceJobRequest.schedulingPriority": (0, 9999),
    "ArrayProperties.size": (2, 10_000, "the array size can be between 2 and 10,000"),
    "RetryStrategy.attempts": (1, 10, "the number of attempts must be between 1 and 10"),
    "JobTimeout.attemptDurationSeconds": (60, None, "the minimum value for the timeout is 60 seconds"),
    "JobStateTimeLimitAction.maxTimeSeconds": (600, 86_400),
    "FairsharePolicy.shareDecaySeconds": (0, 604_800),
    "FairsharePolicy.computeReservation": (0, 99),
    "ShareAttributes.weightFactor": (0.0001, 999.9999,
                                     "the smallest supported value is 0.0001, and the largest supported value is 999.9999"),
    "LinuxParameters.swappiness": (0, 100),
    "EphemeralStorage.sizeInGiB": (21, 200),
    "EFSVolumeConfiguration.transitEncryptionPort": (0, 65_535),
    "UpdatePolicy.jobExecutionTimeoutMinutes": (1, 7200),
    "ComputeScalingPolicy.minScaleDownDelayMinutes": (20, None),
}
# Strings whose form the reference states in prose: (pattern, its words).
SHARE_IDENTIFIER = (re.compile(r"[A-Za-z0-9]{1,255}\*?"),
                    "limited to 255 alphanumeric characters, and can be followed by an asterisk (*)")
PATTERNS = {
    "ShareAttributes.shareIdentifier": SHARE_IDENTIFIER,
    "SubmitJobRequest.shareIdentifier": SHARE_IDENTIFIER,
}
# ResourceRequirement.value by type: (the smallest whole amount, the documentation's words)
REQUIREMENTS = {
    "VCPU": (1, "for Amazon EC2 resources, you must specify at least one vCPU; "
                "on Fargate the supported values are 0.25, 0.5, 1, 2, 4, 8, 16, and 32"),
    "MEMORY": (4, "you must specify at least 4 MiB of memory for a job"),
    "GPU": (1, "the number of physical GPUs to reserve for the container, at least 1"),
}
FARGATE_VCPUS = (0.25, 0.5)  # the fractional vCPU values Fargate supports
CASELESS = re.compile(r"(aren't|are not|isn't|is not) case[ -]sensitive")  # an enum's documentation says so
MAX_RESULTS = (1, 100)  # every maxResults ("This value can be between 1 and 100")
# List lengths the reference states; larger requests are rejected, not truncated.
MAX_ITEMS = {
    "DescribeJobsRequest.jobs": 100,
    "CancelJobsRequest.jobs": 50,
    "TerminateJobsRequest.jobs": 50,
    "SubmitJobRequest.dependsOn": (20, "a job can depend upon a maximum of 20 jobs"),
    "DescribeJobQueuesRequest.jobQueues": 100,
    "DescribeComputeEnvironmentsRequest.computeEnvironments": 100,
    "DescribeSchedulingPoliciesRequest.arns": 100,
}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")  # names a request creates: whole-string matches
NAME_RULE = ("the first character must be alphanumeric, and up to 128 letters (uppercase and lowercase), numbers, "
             "hyphens, and underscores are allowed")  # the reference's words
INT_BOUNDS = {"integer": 2**31 - 1, "long": 2**63 - 1}  # the wire types' widths
MAX_DEPTH = 64  # JSON nesting; the deepest Batch request shape is far shallower
RESERVED_TAG_PREFIX = "aws:"
SHOWN = 60  # characters of a bad value quoted in a message
_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON can spell them; UTF-8 cannot carry them back


JSON_WHITESPACE = " \t\n\r"


class Invalid(ValueError):
    """A request the service would reject: one line saying which member and why."""


def parse_body(body, serialized: bool = False) -> dict:
    """A REST-JSON body as a dict; `Invalid` for bad encodings, non-objects, NaN or absurd nesting
    (`serialized`: botocore made it in process from validated parameters; its nesting is the model's)."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(f"the request body is not UTF-8 (byte {exc.start})") from None
    if not serialized and _depth(body) > MAX_DEPTH:
        raise Invalid(f"the request body nests deeper than {MAX_DEPTH} levels")
    try:
        data = _decoder().decode(body)
    except (ValueError, RecursionError) as exc:
        if not body.strip(JSON_WHITESPACE):  # str.strip() would also eat control characters like \x1c
            return {}
        raise Invalid(f"the request body is not valid JSON: {_short(str(exc))}") from None
    if not isinstance(data, dict):
        raise Invalid(f"the request body must be a JSON object, not {type(data).__name__}")
    return data


def check(operation: str, params: dict, by_botocore: bool = False) -> None:
    """`Invalid` unless `params` is a request `operation` accepts (model + reference).

    by_botocore: the client validated them against the model already (botocore's own ParamValidator,
    in process): only the reference's rules are left to check."""
    shape = _input_shape(operation)
    if shape is None:
        return
    report = None if by_botocore else ParamValidator().validate(params, shape)
    if report is not None and report.has_errors():
        problems = report._errors  # (reason, path, details): botocore's report would print whole values
        raise Invalid(f"{operation}: {_short(_problem(problems[0], params))}"
                      + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""))
    _walk(operation, shape, params, operation)
    for rule in REQUEST_RULES.get(operation, ()):
        rule(operation, params)


class _Quoted:
    """Stands in for a value botocore's message quotes, to be replaced by its bounded, masked repr."""

    def __str__(self):
        return "\x00value\x00"


_QUOTED = _Quoted()


def _problem(error: tuple, params: dict) -> str:
    """botocore's words for one problem, the value it quotes cut short and its secrets masked."""
    reason, path, details = error
    if "param" not in details:
        return ValidationErrors()._format_error(error)
    value = details["param"]
    quoted = value if reason == "invalid length" else _masked(params, path, value)  # a length is no secret
    text = ValidationErrors()._format_error((reason, path, {**details, "param": _QUOTED}))
    return text.replace(str(type(_QUOTED)), str(type(value))).replace(str(_QUOTED), shown(quoted))


_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")  # botocore's paths: .member, [index], .mapKey


def _masked(params: dict, path: str, value):
    """`value`, found at botocore's `path` in `params`, as the secrets policy shows it (masking.py)."""
    from ..masking import MASK, mask_secrets

    found, masked, end = params, mask_secrets(params), 0
    for step in _STEP.finditer(path):
        if step.start() != end:
            break
        key, index = step.groups()
        try:
            found, masked = (found[key], masked[key]) if key is not None else (found[int(index)], masked[int(index)])
        except (LookupError, TypeError):
            break
        end = step.end()
    return masked if end == len(path) and found is value else MASK  # not found: it might be a secret


def _walk(operation: str, shape, value, path: str, owner: str = "", member: str = "") -> None:
    _checker(shape, owner, member)(value, path)


def _text(path) -> str:
    """A path as messages write it: paths are built as (parent, step) pairs, and only spelled out for a
    message (spelling every member's path on the way took most of a request's checks)."""
    steps = []
    while isinstance(path, tuple):
        path, step = path
        steps.append(f"[{step}]" if isinstance(step, int) else step)
    steps.append(path)
    return "".join(reversed(steps))


@cache
def _checker(shape, owner: str = "", member: str = ""):
    """The reference's checks of a value of `shape` (found as `owner`'s `member`), decided once per shape."""
    kind, where, metadata = shape.type_name, f"{owner}.{member}", shape.metadata
    if kind == "structure":
        members, named, rule = shape.members, _creating_names().get(shape.name), STRUCTURE_RULES.get(shape.name)
        checkers = {}  # member -> (its checks, its step): made on first use (shapes may nest themselves)

        def check(value, path):
            for name, child in value.items():
                found = checkers.get(name)
                if found is None:
                    found = checkers[name] = (_checker(members[name], shape.name, name), "." + name)
                found[0](child, (path, found[1]))
            if named in value:
                _name((path, "." + named), value[named])
            if rule is not None:
                rule(path, value)
    elif kind == "list":
        most = metadata.get("max") or MAX_ITEMS.get(where)

        def check(value, path):
            _count(path, len(value), most)
            items = _checker(shape.member)
            for i, item in enumerate(value):
                items(item, (path, i))
    elif kind == "map":
        tags = member == "tags"
        limits = _tag_limits() if tags else {"count": None, "key": None, "value": None}
        most = metadata.get("max") or limits["count"]

        def check(value, path):
            _count(path, len(value), most)
            values = _checker(shape.value)
            for key, item in value.items():
                _string((path, " key"), key, limits["key"])
                if tags and key.lower().startswith(RESERVED_TAG_PREFIX):
                    raise Invalid(f"{_text(path)}: tag keys starting with {RESERVED_TAG_PREFIX!r} are reserved for AWS")
                values(item, (path, f"[{key!r}]"))
                if tags:
                    _string((path, f"[{key[:SHOWN]!r}]"), item, limits["value"])
    elif kind == "string":
        most, pattern, enum = metadata.get("max"), PATTERNS.get(where), metadata.get("enum")
        # some enums are documented "The values aren't case sensitive" (EvaluateOnExit.action)
        caseless = bool(enum) and bool(CASELESS.search(shape.documentation or ""))

        def check(value, path):
            if (most is not None and len(value) > most) or _SURROGATE.search(value):
                _string(path, value, most)  # says which
            if pattern is not None and not pattern[0].fullmatch(value):
                raise Invalid(f"{_text(path)}: {shown(value)} is not valid: {pattern[1]}")
            if enum and value not in enum and not (caseless and value.upper() in enum):
                raise Invalid(f"{_text(path)}: {shown(value)} is not one of {' | '.join(enum)}")
    elif kind in ("integer", "long", "float", "double"):
        bounds = MAX_RESULTS if member == "maxResults" else RANGES.get(where)

        def check(value, path):
            _number(path, value, kind, bounds, metadata)
    else:
        def check(value, path):
            pass
    return check


def _count(path: str, count: int, most) -> None:
    most, words = most if isinstance(most, tuple) else (most, None)
    if most is not None and count > most:
        raise Invalid(f"{_text(path)}: {words or f'at most {most} items'}; {count} were given")


def _string(path: str, value, most) -> None:
    if most is not None and len(value) > most:
        raise Invalid(f"{_text(path)}: at most {most} characters, {len(value)} were given")
    if _SURROGATE.search(value):
        raise Invalid(f"{_text(path)}: not a valid Unicode string")


def _number(path: str, value, kind: str, bounds, model: dict) -> None:
    if isinstance(value, bool):
        raise Invalid(f"{_text(path)}: expected a number, got a boolean")
    if kind in ("float", "double") and not math.isfinite(value):
        raise Invalid(f"{_text(path)}: {value} is not a finite number")
    low, high, *words = bounds or (0, None)  # the model has no negative quantities
    if value < low or (high is not None and value > high):
        allowed = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Invalid(f"{_text(path)}: {shown(value)} is not valid: {words[0] if words else f'the value must be {allowed}'}")
    # the model's own maximum and the wire type's width hold whatever the reference says
    most = min(model.get("max", math.inf), INT_BOUNDS.get(kind, math.inf))
    if value > most:
        raise Invalid(f"{_text(path)}: {shown(value)} is not valid: the value must be at most {most}")


def _requirement(path: str, value: dict) -> None:
    """A ResourceRequirement's value for its type, as ResourceRequirement.value's documentation states it."""
    kind, text = value.get("type"), value.get("value")
    if kind not in REQUIREMENTS:
        return
    smallest, words = REQUIREMENTS[kind]
    try:
        amount = float(text)
    except ValueError:
        amount = math.nan
    whole = math.isfinite(amount) and amount.is_integer()
    if not ((whole and amount >= smallest) or (kind == "VCPU" and amount in FARGATE_VCPUS)):
        raise Invalid(f"{_text(path)}.value: {shown(text)} is not valid for {kind}: {words}")


def _ec2_vcpus(operation: str, params: dict) -> None:
    """Fractional vCPUs are Fargate's: a job definition for EC2 (the default platform) asks for whole ones."""
    if "FARGATE" in (params.get("platformCapabilities") or ()):
        return
    containers = [("containerProperties", params.get("containerProperties"))] + [
        (f"nodeProperties.nodeRangeProperties[{i}].container", node.get("container"))
        for i, node in enumerate((params.get("nodeProperties") or {}).get("nodeRangeProperties") or ())]
    for where, container in containers:
        for i, requirement in enumerate((container or {}).get("resourceRequirements") or ()):
            if requirement["type"] == "VCPU" and float(requirement["value"]) < 1:
                raise Invalid(f"{operation}.{where}.resourceRequirements[{i}].value: {shown(requirement['value'])} "
                              f"is not valid for VCPU on EC2: {REQUIREMENTS['VCPU'][1]}")


STRUCTURE_RULES = {"ResourceRequirement": _requirement}  # rules on a structure's members together
REQUEST_RULES = {"RegisterJobDefinition": (_ec2_vcpus,)}  # rules on a whole request


def _name(path: str, value: str) -> None:
    if not NAME.fullmatch(value):
        raise Invalid(f"{_text(path)}: {shown(value)} is not valid: {NAME_RULE}")


@cache
def _input_shape(operation: str):
    from ..catalog import UnknownOperation
    from ..catalog import operation as lookup

    try:
        return lookup(operation).model.input_shape
    except UnknownOperation:
        return None


@cache
def _tag_limits() -> dict:
    """AWS's tag limits; the model states them on its newer tags shape only (TagrisTagsMap)."""
    from ..catalog import service_model

    tags = service_model().shape_for("TagrisTagsMap")
    return {"count": tags.metadata["max"], "key": tags.key.metadata["max"], "value": tags.value.metadata["max"]}


@cache
def _creating_names() -> dict[str, str]:
    """Input shape -> the member naming what the request creates (CreateJobQueue's jobQueueName, ...)."""
    from ..catalog import operations

    named = {}
    for op in operations().values():
        if op.name.startswith(("Create", "Register", "Submit")):
            shape = op.model.input_shape
            named.update({shape.name: m for m in shape.required_members if m == "name" or m.endswith("Name")})
    return named


def _depth(text: str) -> int:
    """How deep brackets nest, outside strings (before json.loads recurses into them)."""
    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        char = token.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


@cache
def _decoder() -> json.JSONDecoder:
    """One decoder for every request (json.loads with an argument would make one per call)."""
    return json.JSONDecoder(parse_constant=_no_constant)


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


class _Bounded(reprlib.Repr):
    """repr that stays short whatever it is given: a few items of a few levels, huge integers by size."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 3, 5, 5, 5, 5
        self.maxstring = self.maxother = SHOWN

    def repr_int(self, x, level):
        # repr() of an int over 4300 digits raises, and takes quadratic time well before that
        return super().repr_int(x, level) if x.bit_length() <= 256 else f"<a {x.bit_length():,}-bit integer>"


_BOUNDED = _Bounded()


def shown(value) -> str:
    """A value quoted in a message: bounded however large it is (its repr is never built whole)."""
    text = _BOUNDED.repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _short(text: str) -> str:
    return text if len(text) <= 4 * SHOWN else text[: 4 * SHOWN] + "..."
