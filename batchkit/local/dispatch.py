"""Answering boto3 requests in-process, for one LocalBatch's account.

moto's own stubber answers every client in the process for its default
account once a mock starts.  Here a LocalBatch answers its own clients (hooks
on each), and other clients only inside `intercept()` (batchkit/interception.py).
Batch calls are batchkit's (`responses`), at botocore's before-call where they
can be (`Shortcut`); other services' requests go to moto with the LocalBatch's
account, so LocalBatches never see each other's state.

The responses work for botocore and aiobotocore alike: aiobotocore awaits the
body that botocore reads directly, so the body is bytes that can be awaited.
"""

from __future__ import annotations

import re

from botocore.awsrequest import AWSResponse
from botocore.endpoint import convert_to_response_dict
from botocore.parsers import ResponseParserFactory
from botocore.validate import ParamValidationDecorator

from .. import fastparse
from ..interception import answer_with, for_aws, install, intercepting
from . import logfilter, moto_adapter, responses, service


def answer(account: str, request):
    """(status, headers, body) for a botocore request to AWS, in `account`; None if not AWS's.

    Batch is batchkit's own; moto answers the other services (its CloudWatch Logs, IAM, EC2, ...)."""
    service, url = moto_adapter.service_of(request.url)
    if service is None:
        return (404, {}, "Not yet implemented") if ".amazonaws.com/" in url else None
    if service == "batch":
        return responses.answer(account, responses.region_of(request.headers, url), request.method,
                                responses.path_of(request.url), request.body)
    if service == "logs" and _target(request.headers) == logfilter.TARGET:  # AWS's filter patterns, not moto's
        return logfilter.answer(account, responses.region_of(request.headers, url), request.body)
    request.headers[moto_adapter.ACCOUNT_HEADER] = account
    return moto_adapter.call_moto(request)


def _target(headers) -> str:
    target = headers.get("X-Amz-Target") or ""
    return target.decode() if isinstance(target, bytes) else target


class Body(bytes):
    """A response body that botocore reads and aiobotocore awaits."""

    def __await__(self):
        return self
        yield  # a generator: awaiting it returns the bytes at once


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def read(self, *args) -> Body:  # botocore's and aiobotocore's streaming bodies read this
        body, self._body = self._body, b""
        return Body(body)

    def stream(self, **kwargs):
        yield self.read()


class Response(AWSResponse):
    def __init__(self, url: str, status: int, headers, body):
        super().__init__(url, int(status), headers, _Raw(body.encode() if isinstance(body, str) else body or b""))

    @property
    def content(self) -> Body:
        if self._content is None:
            self._content = self.raw.read()
        return self._content if type(self._content) is Body else Body(self._content)


def respond(account: str, request) -> Response | None:
    answered = answer(account, request)
    if answered is None:
        return None
    status, headers, body = answered
    return Response(request.url, status, {k: str(v) for k, v in headers.items()}, body)


_AWS_BATCH = re.compile("|".join(moto_adapter.BATCH_URL_BASES))


class Shortcut:
    """A Batch call answered at botocore's ``before-call`` event, which short-circuits the call: no
    signing, no HTTP request objects, no retry bookkeeping, the same answer.

    botocore has validated and serialized the request by then; the handler answers the same bytes as
    over `respond`, and they are parsed as the client's endpoint would parse them (``before-parse``
    handlers still see them).  With faults in force (throttling, latency, errors) the call takes the
    full path, where the SDK retries; so do aiobotocore's calls."""

    def __init__(self, account: str | None = None, parser_factory=None, validated: bool = False):
        self.account = account  # None: whichever LocalBatch intercepts
        self.validated = validated  # the client runs botocore's ParamValidator on every call
        self._parsers = parser_factory or ResponseParserFactory()
        self._plain = fastparse.plain_answer if isinstance(self._parsers, fastparse.FastParserFactory) else None

    def __call__(self, model, params, request_signer=None, **kwargs):
        account = self.account or intercepting()
        if account is None or type(request_signer).__module__.startswith("aiobotocore"):
            return None
        url = params["url"]
        if service.runtime_of(account).faults.rules or not _AWS_BATCH.match(url):  # not AWS's: not ours either
            return None
        status, headers, body = responses.answer(account, responses.region_of(params["headers"], url),
                                                 params["method"], responses.path_of(url), params["body"],
                                                 self.validated)
        http = Response(url, status, headers, body)  # the handler's headers are text already
        response = convert_to_response_dict(http, model)
        events = getattr(request_signer, "_event_emitter", None)  # the client's own, which botocore's endpoint uses
        customized = {}
        seen = events.emit(f"before-parse.batch.{model.name}", operation_model=model, response_dict=response,
                           customized_response_dict=customized) if events is not None else ()
        parsed = None
        if self._plain and not customized:
            # most answers are their JSON: no parser needed (what the client's parser would give, fastparse
            # checks); read from the handler's own headers and text unless a handler saw the response
            parsed = self._plain(response if seen else {"status_code": status, "headers": headers, "body": body},
                                 model.output_shape)
        if parsed is None:
            parsed = self._parse(response, model, status)
            parsed.update(customized)
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
        return http, parsed

    def _parse(self, response: dict, model, status: int) -> dict:
        """The answer as the client's endpoint would parse it, errors with their modeled members."""
        parser = self._parsers.create_parser("rest-json")  # one per response, as botocore's endpoint: parsers keep state
        parsed = parser.parse(response, model.output_shape)
        if status >= 300:  # the modeled error's own members, as botocore's endpoint adds them
            error_shape = model.service_model.shape_for_error_code(parsed.get("Error", {}).get("Code"))
            if error_shape is not None:
                parsed.update(parser.parse(response, error_shape))
        return parsed


def own_client(client, account: str, parser_factory=None):
    """A client that this account answers (unless it has an endpoint URL: then its server does)."""
    for_aws(client)  # whoever intercepts
    if client.meta.endpoint_url.endswith(".amazonaws.com"):
        # botocore wraps the serializer of a client that validates its parameters (the default)
        validated = isinstance(getattr(client, "_serializer", None), ParamValidationDecorator)
        client.meta.events.register("before-call.batch", Shortcut(account, parser_factory, validated))
        client.meta.events.register("before-send", lambda request, **kwargs: respond(account, request))
    return client


install()  # clients made from now on can be intercepted (the pytest plugin installs it earlier)
answer_with(respond, Shortcut())
