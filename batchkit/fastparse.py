"""A faster botocore response parser for Batch's JSON responses.

botocore walks every field of a JSON response against the model to convert
timestamps, blobs and the like.  Where a response's shape holds no such type,
the decoded JSON already *is* the answer, and the walk costs more than the rest
of a large listing (half the client CPU for 10,000 jobs).  This parser skips it
for those shapes only (a whole plain answer is its decoded JSON plus the
request id) and leaves everything else to botocore, including any
body with a null in it (botocore drops nulls from structures, keeps them in maps
and lists).  One difference stays, on purpose: fields the installed model does
not know yet are kept (botocore drops them), and frames show them.

It subclasses botocore's private RestJSONParser, so it is used only where it
gives what botocore gives: `available()` checks, once, the names it relies on
and parses canned Batch responses both ways.  Otherwise, or with
``BATCHKIT_FAST_PATHS=0`` (see `fastpaths`), `connect()`'s clients get
botocore's own parser, and one log line (INFO, this module's logger) says why.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import weakref

import botocore
import botocore.parsers as _botocore

from .fastpaths import ON

log = logging.getLogger(__name__)

# Bases as this botocore has them; if one is missing, available() says so and nothing here is used.
RestJSONParser = getattr(_botocore, "RestJSONParser", object)
ResponseParserFactory = getattr(_botocore, "ResponseParserFactory", object)

# JSON decoding gives these as botocore would; for float/double it may give an int
# where botocore gives an equal float (2 == 2.0), and frames take dtypes from the model.
_PLAIN_TYPES = {"structure", "list", "map", "string", "integer", "long", "boolean", "float", "double"}


def _is_plain(shape, seen=()) -> bool:
    """True if JSON decoding alone gives botocore's result for this shape."""
    if shape.type_name not in _PLAIN_TYPES or shape.serialization.get("jsonvalue"):
        return False
    if shape.name in seen:
        return True
    seen = seen + (shape.name,)
    if shape.type_name == "structure":
        if shape.metadata.get("exception") or getattr(shape, "is_tagged_union", False):
            return False  # botocore keeps an error's modeled members only (not __type), checks a union's tag
        return all(
            "location" not in m.serialization and m.serialization.get("name", name) == name and _is_plain(m, seen)
            for name, m in shape.members.items()
        )
    if shape.type_name == "list":
        return _is_plain(shape.member, seen)
    if shape.type_name == "map":
        return _is_plain(shape.key, seen) and _is_plain(shape.value, seen)
    return True


def _plain_node(body, shape) -> dict | None:
    """The decoded body (bytes, or its text), if it alone is the answer to `shape` as botocore would
    parse it; else None."""
    if (shape is not None and body and isinstance(body, (bytes, str))
            and (b"null" if isinstance(body, bytes) else "null") not in body
            and "payload" not in shape.serialization and _plain_shape(shape)):
        try:
            node = json.loads(body)
        except ValueError:  # botocore has its words for a body that is not JSON
            return None
        if isinstance(node, dict):
            return node
    return None


_PLAIN = weakref.WeakKeyDictionary()  # per shape object, not name: shapes of different services (or models) share names


def _plain_shape(shape) -> bool:
    plain = _PLAIN.get(shape)
    if plain is None:
        plain = _PLAIN[shape] = _is_plain(shape)
    return plain


def plain_answer(response: dict, shape) -> dict | None:
    """`FastRestJSONParser().parse(response, shape)` for a 2xx Batch response whose decoded body is the
    whole answer (dispatch.Shortcut: no parser to make, no botocore steps to pass); None for any other.
    Its headers may be any mapping, its body bytes or their text."""
    if response["status_code"] >= 300 or response.get("context", {}).get("checksum"):
        return None
    node = _plain_node(response["body"], shape)
    if node is None:
        return None
    headers = {key.lower(): value for key, value in response["headers"].items()}  # botocore's lowercase_dict
    metadata = FastRestJSONParser._populate_response_metadata(None, {"headers": headers})  # no state of a parser
    parsed = {"ResponseMetadata": metadata}
    parsed.update(node)
    metadata["HTTPStatusCode"] = response["status_code"]
    metadata["HTTPHeaders"] = headers
    return parsed


class FastRestJSONParser(RestJSONParser):
    _nulls = True  # until a body is seen without any (a parser per response: botocore's endpoint, dispatch.Shortcut)

    def _do_parse(self, response, shape):
        # A whole plain answer is its JSON: botocore's per-member steps (headers, payload, the walk) give
        # nothing else, so the decoded body goes out as is, after the request id as botocore puts it.
        node = _plain_node(response["body"], shape)
        if node is not None:
            parsed = {"ResponseMetadata": self._populate_response_metadata(response)}
            parsed.update(node)
            return parsed
        return super()._do_parse(response, shape)

    def _initial_body_parse(self, body_contents):
        self._nulls = not isinstance(body_contents, bytes) or b"null" in body_contents
        return super()._initial_body_parse(body_contents)

    def _parse_shape(self, shape, node):
        if not self._nulls and shape is not None and shape.type_name == "structure" and isinstance(node, dict):
            if _plain_shape(shape):
                return node
        return super()._parse_shape(shape, node)


class FastParserFactory(ResponseParserFactory):
    def create_parser(self, protocol_name):
        if _botocore.PROTOCOL_PARSERS.get(protocol_name) is RestJSONParser:
            return FastRestJSONParser(**self._defaults)
        return super().create_parser(protocol_name)


@functools.cache
def available() -> tuple[bool, str]:
    """(whether `connect()`'s clients parse with `FastRestJSONParser`, why), decided on first use."""
    if not ON:
        reason = "BATCHKIT_FAST_PATHS=0"
    else:
        try:
            reason = _unsupported() or _differs()
        except Exception as exc:  # whatever this botocore does differently, it means: use botocore's
            reason = f"the self-check failed with {type(exc).__name__}: {exc}"
    if reason:
        log.info("batchkit: botocore's own response parser is used (botocore %s): %s", botocore.__version__, reason)
        return False, reason
    return True, f"botocore {botocore.__version__} parses the self-check's responses alike"


# What the parser above takes from botocore, and the arguments it passes.
_RELIED_ON = {
    "RestJSONParser": {"_initial_body_parse": ("body_contents",), "_parse_shape": ("shape", "node"),
                       "_do_parse": ("response", "shape"), "_populate_response_metadata": ("response",)},
    "ResponseParserFactory": {"create_parser": ("protocol_name",)},
}


def _unsupported() -> str | None:
    """What this botocore lacks of the private names the parser relies on, if anything."""
    for cls_name, methods in _RELIED_ON.items():
        cls = getattr(_botocore, cls_name, None)
        if cls is None:
            return f"botocore.parsers.{cls_name} is missing"
        for name, args in methods.items():
            method = getattr(cls, name, None)
            if not callable(method):
                return f"botocore.parsers.{cls_name}.{name} is missing"
            try:
                inspect.signature(method).bind("self", *args)
            except (TypeError, ValueError):
                return f"botocore.parsers.{cls_name}.{name} takes other arguments"
    if getattr(_botocore, "PROTOCOL_PARSERS", {}).get("rest-json") is not _botocore.RestJSONParser:
        return "botocore.parsers.PROTOCOL_PARSERS['rest-json'] is not its RestJSONParser"
    if RestJSONParser is not _botocore.RestJSONParser or ResponseParserFactory is not _botocore.ResponseParserFactory:
        return "botocore.parsers changed since batchkit was imported"
    if not isinstance(getattr(ResponseParserFactory(), "_defaults", None), dict):
        return "botocore.parsers.ResponseParserFactory has no _defaults"
    return None


def _differs() -> str | None:
    """The first canned response the two parsers give differently, if any."""
    from . import catalog

    model = catalog.service_model()
    for shape_name, status, body in _SAMPLES:
        shape = model.shape_for(shape_name)
        response = {"status_code": status, "headers": {"x-amzn-requestid": "r", "Content-Type": "application/json"},
                    "body": body, "context": {"operation_name": "Sample"}}
        plain, fast = (parser().parse(dict(response), shape) for parser in (RestJSONParser, FastRestJSONParser))
        answer = plain_answer(dict(response), shape)
        if plain != fast or answer not in (None, plain):
            return f"a {shape_name} response ({status}) parses differently"
    return None


def _json(value) -> bytes:
    return json.dumps(value).encode()


_JOB = {
    "jobArn": "arn:aws:batch:us-east-1:123456789012:job/1", "jobName": "etl", "jobId": "1",
    "jobQueue": "arn:aws:batch:us-east-1:123456789012:job-queue/q", "status": "FAILED",
    "statusReason": "Essential container in task exited", "createdAt": 1700000000000,
    "startedAt": 1700000001000, "stoppedAt": 1700000002000, "dependsOn": [{"jobId": "0", "type": "N_TO_N"}],
    "jobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/etl:1",
    "parameters": {"day": "mon"}, "tags": {"team": "data"},
    "attempts": [{"container": {"exitCode": 1, "logStreamName": "etl/default/1", "networkInterfaces": []},
                  "startedAt": 1700000001000, "stoppedAt": 1700000002000, "statusReason": "exit 1"}],
    "container": {"image": "busybox", "command": ["sh", "-c", "exit 1"], "vcpus": 2, "memory": 2048,
                  "environment": [{"name": "STAGE", "value": "prod"}], "exitCode": 1,
                  "resourceRequirements": [{"type": "VCPU", "value": "2"}], "readonlyRootFilesystem": False,
                  "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/aws/batch/job"}}},
    "retryStrategy": {"attempts": 2, "evaluateOnExit": [{"onExitCode": "1", "action": "RETRY"}]},
    "arrayProperties": {"statusSummary": {"SUCCEEDED": 1}, "size": 2, "index": 0},
}
# (shape, HTTP status, body): nested structures, a body with nulls, a page, a float given as an
# int, an error (parsed with the operation's shape and the error's, as botocore does), empty and non-JSON bodies.
_SAMPLES = (
    ("DescribeJobsResponse", 200, _json({"jobs": [_JOB, {**_JOB, "jobId": "2", "arrayProperties": {}}]})),
    ("DescribeJobsResponse", 200, _json({"jobs": [{**_JOB, "statusReason": None, "tags": {"team": None},
                                                   "container": {"command": ["a", None]}}]})),
    ("ListJobsResponse", 200, _json({"jobSummaryList": [
        {"jobArn": _JOB["jobArn"], "jobId": "1", "jobName": "etl", "createdAt": 1700000000000, "status": "SUCCEEDED",
         "container": {"exitCode": 0}, "arrayProperties": {"size": 2, "index": 1}}], "nextToken": "t"})),
    ("DescribeSchedulingPoliciesResponse", 200, _json({"schedulingPolicies": [
        {"name": "fair", "arn": "arn:aws:batch:us-east-1:123456789012:scheduling-policy/fair", "tags": {},
         "fairsharePolicy": {"shareDecaySeconds": 3600, "shareDistribution": [
             {"shareIdentifier": "a", "weightFactor": 0.5}, {"shareIdentifier": "b", "weightFactor": 1}]}}]})),
    ("DescribeJobQueuesResponse", 400, _json({"__type": "ClientException", "message": "no queue nope"})),
    ("ClientException", 400, _json({"__type": "ClientException", "message": "no queue nope"})),
    ("CancelJobResponse", 200, b""),
    ("CancelJobResponse", 200, b"{}"),
    ("ListJobsResponse", 502, b"Bad Gateway"),
)


def parser_factory() -> ResponseParserFactory:
    """The response parser factory for batchkit's own clients: the fast one where it is safe."""
    return FastParserFactory() if available()[0] else ResponseParserFactory()
