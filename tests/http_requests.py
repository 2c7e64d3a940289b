"""Raw requests to a served LocalBatch, signed like any SDK's (for bodies no SDK would send)."""

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed(endpoint: str, action: str, body, method: str = "POST", secret: str = "local", service: str = "batch"):
    """POST /v1/<action> with `body` (bytes or str) as it is, SigV4-signed with `secret`."""
    body = body.encode() if isinstance(body, str) else body
    request = AWSRequest(method=method, url=f"{endpoint}/v1/{action}", data=body,
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("AKIDLOCAL", secret), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, headers=dict(prepared.headers), data=body, timeout=30)
