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

from botocore.awsrequest import AWSResponse

from ..interception import for_aws, install
from . import moto_adapter, responses


def answer(account: str, request):
    """(status, headers, body) for a botocore request to AWS, in `account`; None if not AWS's.

    Batch is batchkit's own; moto answers the other services (its CloudWatch Logs, IAM, EC2, ...)."""
    service, url = moto_adapter.service_of(request.url)
    if service is None:
        return (404, {}, "Not yet implemented") if ".amazonaws.com/" in url else None
    if service == "batch":
        return responses.answer(account, responses.region_of(request.headers, url), request.method,
                                responses.path_of(request.url), request.body)
    request.headers[moto_adapter.ACCOUNT_HEADER] = account
    return moto_adapter.call_moto(request)


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
