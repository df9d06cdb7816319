"""One-click unsubscribe (RFC 8058): the headers, the HTTPS endpoint and the click.

A message carries both ways out (RFC 2369 §3.2, RFC 8058 §3.1)::

    List-Unsubscribe: <https://127.0.0.1:PORT/unsubscribe/TOKEN>,
     <mailto:unsubscribe@example.com?subject=unsubscribe%20TOKEN>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

and a mail client that offers "unsubscribe" POSTs ``List-Unsubscribe=One-Click`` to the https
URI, with no cookies and no redirects to follow (RFC 8058 §3.2).  The URI itself names the
recipient (an opaque token): the POST body carries nothing else.  Both header fields must be
covered by the DKIM signature (RFC 8058 §4); the network's relay signs them.

:class:`Endpoint` is that URI's server: Python's :mod:`http.server` on 127.0.0.1 (an ephemeral
port) behind TLS with a certificate from the network's local CA
(:func:`smtplesson.server.tls.local_ca`, trustme), so the click is a real HTTPS request that
never leaves the machine.  :func:`click` is the mail client's side.
"""
from __future__ import annotations

import http.server
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

__all__ = ["ONE_CLICK", "Endpoint", "click", "header_fields"]

#: the only POST body RFC 8058 §3.1 allows
ONE_CLICK = "List-Unsubscribe=One-Click"
PATH = "/unsubscribe/"


def header_fields(url: str, mailto: str, token: str) -> dict[str, str]:
    """``List-Unsubscribe`` (https first, then mailto) and ``List-Unsubscribe-Post``."""
    return {"List-Unsubscribe": f"<{url}>, <mailto:{mailto}?subject={quote('unsubscribe ' + token)}>",
            "List-Unsubscribe-Post": ONE_CLICK}


class Endpoint:
    """The sender's unsubscribe URI: ``on_post(token, body)`` answers each POST.

    ``on_post`` returns True when the token was known (the answer is then 200, else 404); a
    POST whose body is not ``List-Unsubscribe=One-Click`` gets 400 and changes nothing, and
    a GET only shows a page (a link scanner that follows URLs must not unsubscribe anyone,
    RFC 8058 §1)."""

    def __init__(self, on_post: Callable[[str, str], bool],
                 hostname: str = "unsubscribe.example.com") -> None:
        from ...server.tls import local_ca

        self.on_post = on_post
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) as served
        handler = _handler(self)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = local_ca().server_context(hostname)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])
        self._closed = False
        self._thread = threading.Thread(target=self._server.serve_forever, name="unsubscribe-endpoint",
                                        daemon=True)
        self._thread.start()

    def url(self, token: str) -> str:
        return f"https://127.0.0.1:{self.port}{PATH}{token}"

    def close(self) -> None:
        """Stop serving (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler(endpoint: Endpoint) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "smtplesson-unsubscribe"

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), 4096)
            body = self.rfile.read(length).decode("utf-8", "replace").strip()
            token = self.path[len(PATH):] if self.path.startswith(PATH) else ""
            if body != ONE_CLICK:
                status = 400
            else:
                status = 200 if token and endpoint.on_post(token, body) else 404
            self._answer(status, "unsubscribed\n" if status == 200 else "not unsubscribed\n")

        def do_GET(self) -> None:
            self._answer(200, "To unsubscribe, use your mail program's unsubscribe button.\n")

        def _answer(self, status: int, text: str) -> None:
            endpoint.requests.append((self.command, self.path, status))
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def click(url: str, context: ssl.SSLContext | None = None, timeout: float = 10.0) -> int:
    """What a mail client does on "unsubscribe": POST ``List-Unsubscribe=One-Click`` to the
    https URI (RFC 8058 §3.2); returns the HTTP status."""
    if not url.startswith("https://127.0.0.1:"):
        raise ValueError(f"only the network's own loopback endpoint is clicked here (got {url!r})")
    if context is None:
        from ...server.tls import local_ca

        context = local_ca().client_context()
    request = urllib.request.Request(url, data=ONE_CLICK.encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())
    try:
        with opener.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """RFC 8058 §3.2: the POST is not redirected."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
