"""Answering boto3 requests in-process, for one LocalBatch's account.

moto's own stubber answers every client in the process for its default
account once a mock starts.  Here a LocalBatch answers its own clients (a
before-send hook on each), and other clients only inside `intercept()`
(batchkit/interception.py).  Requests carry the LocalBatch's account to moto's
handlers, so LocalBatches never see each other's state.

The responses work for botocore and aiobotocore alike: aiobotocore awaits the
body that botocore reads directly, so the body is bytes that can be awaited.
"""

from __future__ import annotations

import re
import types
from functools import cache

from botocore.awsrequest import AWSResponse

from ..interception import for_aws, install

ACCOUNT_HEADER = "x-moto-account-id"  # moto's handlers take the account from it (core/responses.py)


@cache
def batch_url_module():
    """moto's Batch paths, plus every other /v1/<action> botocore knows, all answered by batchkit."""
    from moto.batch import urls as moto_urls

    from .responses import LocalBatchResponse

    paths = {path: LocalBatchResponse.dispatch for path in [*moto_urls.url_paths, "{0}/v1/(?P<action>[a-z]+)$"]}
    return types.SimpleNamespace(url_bases=moto_urls.url_bases, url_paths=paths)


@cache
def _handlers(service: str) -> list:
    """(URL regex, handler) of a moto service; moto's default backend only lends its URL table."""
    if service == "batch":
        module = batch_url_module()
        return [(re.compile(path.format(base)), handler)
                for base in module.url_bases for path, handler in module.url_paths.items()]
    from moto import backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.base_backend import BackendDict

    backend_dict = backends.get_backend(service)
    if isinstance(backend_dict, BackendDict):
        regions = backend_dict[DEFAULT_ACCOUNT_ID]
        backend = regions["us-east-1" if "us-east-1" in regions else "aws"]
    else:
        backend = backend_dict["global"]
    return [(re.compile(url), handler) for url, handler in backend.urls.items()]


def answer(account: str, request):
    """moto's (status, headers, body) for a botocore request to AWS, in `account`; None if not AWS."""
    from moto import backend_index
    from moto.core.exceptions import HTTPException
    from moto.core.request import normalize_request
    from moto.core.utils import get_equivalent_url_in_aws_domain

    parsed, _ = get_equivalent_url_in_aws_domain(request.url)
    url = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
    for service, pattern in backend_index.backend_url_patterns:
        if pattern.match(url):
            break
    else:
        return (404, {}, "Not yet implemented") if re.match(r"https?://.+\.amazonaws.com/", url) else None
    request.headers[ACCOUNT_HEADER] = account
    for path, handler in _handlers(service):
        if path.match(url):
            normalized = normalize_request(request)
            try:
                return handler(normalized, normalized.raw_url, normalized.headers)
            except HTTPException as exc:
                return exc.code, exc.get_headers(), exc.get_body()
    return 404, {}, "Not yet implemented"


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
        return Body(self._content)


def respond(account: str, request) -> Response | None:
    answered = answer(account, request)
    if answered is None:
        return None
    status, headers, body = answered
    return Response(request.url, status, {k: str(v) for k, v in headers.items()}, body)


def own_client(client, account: str):
    """A client that this account answers (unless it has an endpoint URL: then its server does)."""
    for_aws(client)  # whoever intercepts
    if client.meta.endpoint_url.endswith(".amazonaws.com"):
        client.meta.events.register("before-send", lambda request, **kwargs: respond(account, request))
    return client


install()  # clients made from now on can be intercepted (the pytest plugin installs it earlier)
