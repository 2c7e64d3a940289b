"""AWS Signature Version 4 checked on the server side, with a shared secret as every caller's secret key.

`batchkit serve --require-key KEY`: clients sign as usual, with KEY as their
AWS secret access key (any access key id).  botocore's own signer computes
what the signature should be; the request is refused unless it matches.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timezone

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MAX_SKEW_SECONDS = 15 * 60  # as AWS: older or newer signatures have expired
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/,]+)/\d{8}/(?P<region>[^/,]+)/(?P<service>[^/,]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9;_.-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


SCOPE = re.compile(  # a SigV4 Authorization header's credential scope: it names the region and the service
    r"AWS4-HMAC-SHA256 Credential=[^/,\s]+/\d{8}/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request(,|$)")


def is_signed(environ) -> bool:
    return bool(environ.get("HTTP_AUTHORIZATION")) or "X-Amz-Credential=" in environ.get("QUERY_STRING", "")


def malformed(environ) -> bool:
    """An Authorization header without a SigV4 credential scope (which names the service and region)."""
    authorization = environ.get("HTTP_AUTHORIZATION")
    return bool(authorization) and SCOPE.match(authorization) is None


def problem(environ, body: bytes, secret: str) -> str | None:
    """Why the request's signature does not prove it knows `secret`; None when it does."""
    found = _AUTHORIZATION.match(environ.get("HTTP_AUTHORIZATION", ""))
    if found is None:
        return "Authorization header requires a SigV4 Credential, SignedHeaders and Signature"
    stamp = environ.get("HTTP_X_AMZ_DATE", "")
    try:
        signed_at = datetime.strptime(stamp, SIGV4_TIMESTAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return "X-Amz-Date is missing or not a SigV4 timestamp"
    if abs((datetime.now(timezone.utc) - signed_at).total_seconds()) > MAX_SKEW_SECONDS:
        return f"Signature expired: {stamp} is more than 15 minutes from the server's time"
    headers = {name: _header(environ, name) for name in found["headers"].split(";")}
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"), url=_url(environ), headers=headers, data=body)
    request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(found["key"], secret), found["service"], found["region"])
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, found["signature"]):
        return ("The request signature we calculated does not match the signature you provided "
                "(sign with the server's key as the secret access key)")
    return None


def _header(environ, name: str) -> str:
    if name == "content-type":
        return environ.get("CONTENT_TYPE", "")
    if name == "content-length":
        return environ.get("CONTENT_LENGTH", "")
    return environ.get("HTTP_" + name.upper().replace("-", "_"), "")


def _url(environ) -> str:
    """The URL as the client signed it: its raw path, not the decoded PATH_INFO."""
    path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    if "?" not in path and environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    return f"http://{environ.get('HTTP_HOST', 'localhost')}{path}"
