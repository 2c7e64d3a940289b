"""The HTTP server of one LocalBatch: its account only, batchkit's Batch and CloudWatch Logs.

moto's dispatcher finds the service of a request (from the host or the
signature's scope); every request is then answered in the LocalBatch's
account, whatever its credentials say.  What is served (`Exposure`):

- loopback only, unless the LocalBatch was asked for another address with
  ``allow_remote`` (`batchkit serve --host H --allow-remote`);
- Batch and CloudWatch Logs (``b.logs`` reads it); moto's other services and
  its admin API (``/moto-api/...``) only with ``moto_api``, and then
  ``/moto-api/reset`` resets this LocalBatch alone (moto's would wipe every
  LocalBatch of the process);
- unsigned requests get AWS's 403 MissingAuthenticationTokenException; with a
  ``key``, a signature made with another secret key gets 403 too.

Every answer is JSON; a failure inside is logged with its traceback and
answered 500 without it.
"""

from __future__ import annotations

import io
import ipaddress
import json
import logging
from dataclasses import dataclass

from moto.moto_server import werkzeug_app
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import logfilter, responses, signatures
from .moto_adapter import ACCOUNT_HEADER

log = logging.getLogger("batchkit.local.server")
_ENVIRON_ACCOUNT = "HTTP_" + ACCOUNT_HEADER.upper().replace("-", "_")
MAX_BODY = 2 * 1024 * 1024  # CloudWatch Logs' PutLogEvents takes up to 1 MiB, moto's services more
MAX_BATCH_BODY = 256 * 1024  # Batch's largest requests (job definitions) are tens of KiB
SERVED = ("batch", "logs")  # without moto_api
IDLE_SECONDS = 20  # a connection that sends nothing for this long is closed (held ones cost a thread each)


class _RequestHandler(getattr(werkzeug_app, "MotoRequestHandler", WSGIRequestHandler)):
    """moto's handler (it keeps S3 metadata headers spelled with underscores; werkzeug's before moto 5.2),
    with an idle timeout and the HTTP-level errors (a garbage request line) answered in AWS's JSON shape."""

    timeout = IDLE_SECONDS

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.log_error("code %d, message %s", code, (message or "")[:200])
        text = (message or "bad request").encode("ascii", "backslashreplace").decode()[:200]
        body = json.dumps({"__type": "BadRequest", "message": text}).encode()
        self.close_connection = True
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200:
            self.wfile.write(body)


@dataclass(frozen=True)
class Exposure:
    """Who may reach a LocalBatch's server and what it answers."""

    host: str = "127.0.0.1"
    allow_remote: bool = False
    moto_api: bool = False
    key: str | None = None

    def __post_init__(self):
        if not is_loopback(self.host) and not self.allow_remote:
            raise ValueError(f"host {self.host!r} is reachable from other machines, and the server has no "
                             "authentication unless it has a key: pass allow_remote=True (--allow-remote) to serve there")
        if self.moto_api and self.key:
            raise ValueError("moto's admin API takes no signature, so it cannot be served behind a key")

    @property
    def remote(self) -> bool:
        return not is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _json(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"__type": code, "message": message}), status,
                    {"Content-Type": "application/json", "x-amzn-ErrorType": code})


def _batch_app(environ, start_response):
    request = Request(environ)
    path = request.full_path if request.query_string else request.path
    status, headers, body = responses.answer(environ[_ENVIRON_ACCOUNT], responses.region_of(request.headers, request.url),
                                             request.method, path, request.get_data())
    headers = {k: str(v) for k, v in headers.items() if k != "status"}
    return Response(body, status=int(status), headers=headers)(environ, start_response)


NOT_SERVED = ("this endpoint serves AWS Batch and CloudWatch Logs only "
              "(batchkit serve --moto-api serves moto's other services)")


def _logs_app(moto_app):
    """CloudWatch Logs: moto's, but FilterLogEvents is batchkit's (AWS's filter patterns: logfilter.py)."""

    def app(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET") != logfilter.TARGET:
            return moto_app(environ, start_response)
        request = Request(environ)
        status, headers, body = logfilter.answer(environ[_ENVIRON_ACCOUNT],
                                                 responses.region_of(request.headers, request.url), request.get_data())
        return Response(body, status=status, headers=headers)(environ, start_response)

    return app


def _not_served(environ, start_response):
    if "json" in environ.get("CONTENT_TYPE", "") or environ.get("HTTP_X_AMZ_TARGET"):
        return _json(404, "UnknownServiceException", NOT_SERVED)(environ, start_response)
    body = (f"<ErrorResponse><Error><Code>UnknownServiceException</Code><Message>{NOT_SERVED}</Message>"
            "</Error></ErrorResponse>")  # query and REST-XML services' clients read XML errors
    return Response(body, 404, {"Content-Type": "text/xml"})(environ, start_response)


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher lists its package directory on disk for every request
    (about 1 ms, twice a request); which backend serves a host never changes."""

    def __init__(self, account: str, reset, exposure: Exposure):
        self._account, self._reset, self._exposure = account, reset, exposure
        super().__init__(self._app_for)
        self._backends: dict[str | None, object] = {}

    def _app_for(self, service: str):
        if service == "batch":
            return _batch_app
        if service == "logs":
            return _logs_app(create_backend_app(service))
        return create_backend_app(service) if service in SERVED or self._exposure.moto_api else _not_served

    def get_backend_for_host(self, host):
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]

    def __call__(self, environ, start_response):
        try:
            refused = self._refusal(environ)
            if refused is not None:
                return refused(environ, start_response)
            environ[_ENVIRON_ACCOUNT] = self._account
            return super().__call__(environ, start_response)
        except Exception:  # a bug of ours or moto's: the log has the traceback, the client a JSON 500
            log.exception("%s %s failed", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            return _json(500, "ServerException", "the request failed inside batchkit.local (see the server's log)")(
                environ, start_response)

    def _refusal(self, environ) -> Response | None:
        """The answer to a request that must not reach a backend; None for the others."""
        path = environ.get("PATH_INFO", "")
        limit = MAX_BATCH_BODY if path.startswith("/v1/") else MAX_BODY  # not even read when larger
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():  # a negative length would read everything the client sends
            return _json(400, "BadRequest", "Content-Length must be a number of bytes")
        body = _read_body(environ, limit)
        if body is None:
            return _json(413, "RequestEntityTooLargeException", f"request bodies are limited to {limit:,} bytes")
        if path.startswith("/moto-api") or path == "/favicon.ico":
            if not self._exposure.moto_api:
                return _json(404, "NotFound", "moto's admin API is off (batchkit serve --moto-api turns it on)")
            if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                self._reset()
                return Response(json.dumps({"status": "ok"}), 200, {"Content-Type": "application/json"})
            return None
        if not signatures.is_signed(environ):
            return _json(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        if signatures.malformed(environ):
            return _json(403, "IncompleteSignatureException", "Authorization header requires a SigV4 Credential "
                         "(AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...)")
        if self._exposure.key:
            problem = signatures.problem(environ, body, self._exposure.key)
            if problem:
                log.warning("refused %s %s: %s", environ.get("REQUEST_METHOD"), path, problem)
                return _json(403, "InvalidSignatureException", problem)
        return None


def _read_body(environ, limit: int) -> bytes | None:
    """The body, read once and put back; None when it is larger than `limit`."""
    length = int(environ.get("CONTENT_LENGTH") or 0)  # checked by the caller: digits only
    chunked = environ.get("wsgi.input_terminated") and not length
    if length > limit:
        return None
    body = environ["wsgi.input"].read(limit + 1 if chunked else length) if (length or chunked) else b""
    if len(body) > limit:
        return None
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


class LoopbackServer(ThreadedMotoServer):
    def __init__(self, account: str, reset, exposure: Exposure, port: int = 0):
        super().__init__(ip_address=exposure.host, port=port, verbose=False)
        self._app = _Dispatcher(account, reset, exposure)

    def _server_entry(self) -> None:  # moto's, with our dispatcher
        self._server = make_server(self._ip_address, self._port, self._app, True, request_handler=_RequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
