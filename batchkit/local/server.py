"""The loopback HTTP server: moto's threaded server, with its host lookup done once per host."""

from __future__ import annotations

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher lists its package directory on disk for every request
    (about 1 ms, twice a request); which backend serves a host never changes."""

    def __init__(self, create_app):
        super().__init__(create_app)
        self._backends: dict[str | None, object] = {}

    def get_backend_for_host(self, host):
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


class LoopbackServer(ThreadedMotoServer):
    def _server_entry(self) -> None:  # moto's, with the caching dispatcher
        self._server = make_server(self._ip_address, self._port, _Dispatcher(create_backend_app), True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
