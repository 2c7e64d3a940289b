"""The loopback HTTP server of one LocalBatch: its account only, batchkit's Batch, moto's other services.

moto's dispatcher finds the service of a request (from the host or the
signature's scope); every request is then answered in the LocalBatch's
account, whatever its credentials say.  Of moto's admin API only
``/moto-api/reset`` is answered (moto's own server-mode tests send it), and it
resets this LocalBatch alone.
"""

from __future__ import annotations

import json

from moto.core.request import Request
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from .dispatch import ACCOUNT_HEADER

_ENVIRON_ACCOUNT = "HTTP_" + ACCOUNT_HEADER.upper().replace("-", "_")


def _batch_app(environ, start_response):
    from .responses import LocalBatchResponse

    request = Request(environ)
    status, headers, body = LocalBatchResponse.dispatch(request, request.url, request.headers)
    headers = {k: str(v) for k, v in headers.items() if k != "status"}
    return Response(body, status=int(status), headers=headers)(environ, start_response)


def _create_app(service: str):
    return _batch_app if service == "batch" else create_backend_app(service)


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher lists its package directory on disk for every request
    (about 1 ms, twice a request); which backend serves a host never changes."""

    def __init__(self, account: str, reset):
        super().__init__(_create_app)
        self._account, self._reset = account, reset
        self._backends: dict[str | None, object] = {}

    def get_backend_for_host(self, host):
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api") or path == "/favicon.ico":
            if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                self._reset()
                return Response(json.dumps({"status": "ok"}), 200)(environ, start_response)
            return Response("Not Found", 404)(environ, start_response)
        environ[_ENVIRON_ACCOUNT] = self._account
        return super().__call__(environ, start_response)


class LoopbackServer(ThreadedMotoServer):
    def __init__(self, account: str, reset, ip_address: str = "127.0.0.1", port: int = 0):
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._app = _Dispatcher(account, reset)

    def _server_entry(self) -> None:  # moto's, with our dispatcher
        self._server = make_server(self._ip_address, self._port, self._app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
