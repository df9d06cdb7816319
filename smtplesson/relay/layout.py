"""The network's layout (hosts, MX records, users) and the hosts it describes.

The layout is data: ``smtplesson/relay/data/network.json`` by default, a JSON file or a dict.
"""
from __future__ import annotations

import json
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._data import load

if TYPE_CHECKING:  # pragma: no cover
    from ..server.debug import DebugServer
    from .queue import MailQueue

__all__ = ["LOOPBACK", "Host", "hosts_of", "load_layout", "stop_hosts"]

LOOPBACK = "127.0.0.1"


def load_layout(source: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The network layout: the packaged default, a JSON file path, or a dict."""
    if source is None:
        return load("relay", "network.json")
    if isinstance(source, Mapping):
        return json.loads(json.dumps(source))  # a private deep copy
    return json.loads(Path(source).read_text("utf-8"))


@dataclass
class Host:
    """One machine of the network: its role, domain, state and (when it listens) its server.

    ``relay_to``: the next hop for mail to other domains (Postfix ``relayhost``, "the next-hop
    destination of non-local mail"); mail for the host's own ``domain`` goes to that domain's MX.
    """

    name: str
    role: str  # "MUA" | "MSA" | "MTA" | "MX" | "LIST" (a mailing list that forwards)
    domain: str
    about: str = ""
    address: str = LOOPBACK  # its own loopback address in an authenticated network
    state: str = "up"  # "up" | "down" (connections refused)
    auth: bool = False
    relay_to: str | None = None
    server: DebugServer | None = None
    port: int = 0
    queue: MailQueue | None = None
    _hole: socket.socket | None = field(default=None, repr=False)  # bound, never listening

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Host:
        return cls(name=spec["name"].lower(), role=spec["role"], domain=spec["domain"],
                   about=spec.get("about", ""), state=spec.get("state", "up"),
                   auth=bool(spec.get("auth")), relay_to=spec.get("relay_to"))

    def refuse_connections(self) -> None:
        """Take a port that is bound but never listening: every connection is refused."""
        self._hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._hole.bind((self.address, 0))
        self.port = self._hole.getsockname()[1]

    def stop(self) -> None:
        if self.server is not None:
            try:
                self.server.stop()
            except Exception:
                pass
        if self._hole is not None:
            self._hole.close()
            self._hole = None


def hosts_of(layout: Mapping[str, Any]) -> list[Host]:
    return [Host.from_spec(spec) for spec in layout.get("hosts", [])]


def stop_hosts(hosts: Iterable[Host]) -> None:
    for h in hosts:
        h.stop()
