"""MTA-STS (RFC 8461): a receiving domain asks senders for TLS with a valid certificate, and says
which MX hosts are its own; the policy comes over HTTPS, announced in DNS.

* ``_mta-sts.<domain>`` TXT ``v=STSv1; id=...`` (§3.1) says a policy exists and which version;
* the policy itself (§3.2) is ``https://mta-sts.<domain>/.well-known/mta-sts.txt``: ``version:
  STSv1``, ``mode: enforce | testing | none``, ``mx:`` patterns, ``max_age`` in seconds.  Here
  :class:`PolicyHost` serves it on loopback with a certificate from the lesson's local CA, on an
  ephemeral port (the real one is 443) at the address the stub zone gives ``mta-sts.<domain>``;
* the sending relay (:class:`PolicyCache`) fetches it, keeps it ``max_age`` seconds on the
  simulated clock and fetches again only when the TXT ``id`` changes (§5.1);
* ``enforce``: deliver only over TLS with a certificate valid for an MX name the policy lists
  (§4.1, §4.2).  The relay does what Postfix does with a policy from postfix-mta-sts-resolver (its
  socketmap answers ``secure match=<mx patterns>``): TLS level ``secure``, the certificate must
  match a pattern, else Postfix's ``4.7.5 Server certificate not verified`` (``src/smtp/
  smtp_proto.c``), or ``4.7.4 TLS is required, but was not offered by host ...``: a deferral.
  ``testing``: deliver anyway and report the failure (TLS-RPT, :mod:`.tls_reports`).
"""
from __future__ import annotations

import http.client
import http.server
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_AGE_LIMIT", "Policy", "PolicyCache", "PolicyHost", "PolicyLookup", "matches",
           "parse_policy", "parse_record", "policy_url"]

#: §3.2: "max_age ... up to 31557600" seconds (about one year)
MAX_AGE_LIMIT = 31_557_600
#: §3.3: "senders SHOULD impose a limit on the maximum size of the policy", 64 KB suggested
MAX_POLICY_BYTES = 64 * 1024
WELL_KNOWN = "/.well-known/mta-sts.txt"


def policy_url(domain: str) -> str:
    """Where the policy of ``domain`` lives (§3.3)."""
    return f"https://mta-sts.{domain}{WELL_KNOWN}"


def parse_record(text: str) -> str | None:
    """The ``id`` of a ``_mta-sts`` TXT record (``v=STSv1; id=20260601T000000;``), None if it is
    not one (§3.1: v=STSv1 first, id 1-32 letters and digits)."""
    fields = [f.strip() for f in text.split(";") if f.strip()]
    if not fields or fields[0].replace(" ", "") != "v=STSv1":
        return None
    for f in fields[1:]:
        name, _, value = f.partition("=")
        if name.strip() == "id" and 1 <= len(value.strip()) <= 32 and value.strip().isalnum():
            return value.strip()
    return None


@dataclass(frozen=True)
class Policy:
    """One MTA-STS policy (§3.2)."""

    mode: str  # "enforce" | "testing" | "none"
    mx: tuple[str, ...]
    max_age: int
    text: str = ""

    def allows(self, host: str) -> bool:
        """Whether an MX name is one the policy lists (§4.1)."""
        return any(matches(pattern, host) for pattern in self.mx)

    @property
    def strings(self) -> list[str]:
        """The policy as lines, the way a TLS-RPT report quotes it (RFC 8460 §4.4 policy-string)."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]


def parse_policy(text: str) -> Policy:
    """The policy file's ``key: value`` lines (§3.2); ValueError says what is wrong."""
    fields: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            key, colon, value = line.partition(":")
            if not colon:
                raise ValueError(f"not a 'key: value' line: {line!r}")
            fields.append((key.strip(), value.strip()))
    if not fields or fields[0] != ("version", "STSv1"):
        raise ValueError("the first line must be 'version: STSv1' (RFC 8461 §3.2)")
    values: dict[str, str] = {}
    mx: list[str] = []
    for key, value in fields[1:]:
        if key == "mx":
            mx.append(value.lower().rstrip("."))
        else:
            values.setdefault(key, value)
    mode = values.get("mode", "")
    if mode not in ("enforce", "testing", "none"):
        raise ValueError(f"mode must be enforce, testing or none (got {mode!r})")
    age = values.get("max_age", "")
    if not age.isdigit() or int(age) > MAX_AGE_LIMIT:
        raise ValueError(f"max_age must be a number of seconds up to {MAX_AGE_LIMIT} (got {age!r})")
    if mode != "none" and not mx:
        raise ValueError("a policy in enforce or testing mode lists its MX hosts ('mx:' lines)")
    return Policy(mode, tuple(mx), int(age), text)


def matches(pattern: str, host: str) -> bool:
    """§4.1: an ``mx`` pattern is a name, or ``*.`` and a name whose wildcard stands for exactly
    one label ("*.example.com" matches "mx1.example.com", not "example.com" nor "a.b.example.com")."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        label, dot, rest = host.partition(".")
        return bool(label) and bool(dot) and rest == pattern[2:]
    return pattern == host


@dataclass(frozen=True)
class PolicyLookup:
    """What the sender knows about a domain's policy right now."""

    domain: str
    policy: Policy | None
    record_id: str = ""
    error: str = ""  # why no usable policy was fetched (TLS-RPT: sts-policy-fetch-error / -invalid)
    result_type: str = ""  # RFC 8460 §4.3 result type of that error
    cached: bool = False


class PolicyHost:
    """The HTTPS servers of ``mta-sts.<domain>`` on loopback: one server, one certificate per
    name (chosen by SNI), each policy a text/plain document (§3.3).  ``policies`` is live:
    change a policy's text and the next fetch gets it."""

    def __init__(self, policies: Mapping[str, str], address: str = "127.0.0.1") -> None:
        from ..server.tls import local_ca

        self.policies = {d.lower(): text for d, text in policies.items()}
        self.address = address
        ca = local_ca()
        contexts = {f"mta-sts.{d}": ca.server_context(f"mta-sts.{d}", address) for d in self.policies}
        default = next(iter(contexts.values()), None) or ca.server_context("mta-sts.invalid", address)

        def pick(sock: Any, name: str | None, _context: Any) -> None:
            sock.context = contexts.get((name or "").lower(), default)

        default.sni_callback = pick
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = (self.headers.get("Host") or "").split(":")[0].lower()
                domain = name.removeprefix("mta-sts.")
                text = host.policies.get(domain) if name.startswith("mta-sts.") else None
                if self.path != WELL_KNOWN or text is None:
                    self.send_error(404)
                    return
                body = text.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep the lesson's output clean
                pass

        self._server = http.server.ThreadingHTTPServer((address, 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = default.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="mta-sts", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Connection(http.client.HTTPSConnection):
    """HTTPS to ``mta-sts.<domain>`` at the address the stub zone gave, verifying the name."""

    def __init__(self, name: str, address: str, port: int, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(name, port, context=context, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        import socket

        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class PolicyCache:
    """The sending side: find, fetch and cache policies (§3, §5.1), asking only the stub zone.

    ``txt(name)``: the TXT records at a name; ``address(name)``: its A record (None: no such
    host); ``port``: where the policy host listens; ``clock()``: the simulated time."""

    def __init__(self, txt: Callable[[str], list[str]], address: Callable[[str], str | None], port: int,
                 clock: Callable[[], float], *, timeout: float = 5.0) -> None:
        from ..server.tls import local_ca

        self.txt = txt
        self.address = address
        self.port = port
        self.clock = clock
        self.timeout = timeout
        self._context = local_ca().client_context(verify=True)
        self._cache: dict[str, tuple[str, Policy, float]] = {}  # domain -> (id, policy, expires)
        self.fetches = 0
        self._lock = threading.Lock()

    def lookup(self, domain: str) -> PolicyLookup:
        """The policy to apply to mail for ``domain`` now."""
        domain = domain.lower().rstrip(".")
        ids = [i for i in (parse_record(t) for t in self.txt(f"_mta-sts.{domain}")) if i]
        with self._lock:
            cached = self._cache.get(domain)
        now = self.clock()
        fresh = cached is not None and cached[2] > now
        if cached is not None and fresh and (not ids or ids[0] == cached[0]):
            return PolicyLookup(domain, cached[1], cached[0], cached=True)  # §5.1: same id, keep it
        if len(ids) != 1:  # none, or several: "no policy" unless a cached one is still valid
            return PolicyLookup(domain, None)
        try:
            policy = parse_policy(self._fetch(domain))
        except ssl.SSLCertVerificationError as error:  # the HTTPS certificate failed PKIX checks
            why = f"{policy_url(domain)}: {error.verify_message}"
            return self._failed(domain, ids[0], cached, fresh, why, "sts-webpki-invalid")
        except ValueError as error:
            return self._failed(domain, ids[0], cached, fresh, str(error), "sts-policy-invalid")
        except (OSError, http.client.HTTPException) as error:
            return self._failed(domain, ids[0], cached, fresh, f"{policy_url(domain)}: {error}",
                                "sts-policy-fetch-error")
        with self._lock:
            self._cache[domain] = (ids[0], policy, now + policy.max_age)
        return PolicyLookup(domain, policy, ids[0])

    def _failed(self, domain: str, record_id: str, cached: tuple[str, Policy, float] | None, fresh: bool,
                error: str, result_type: str) -> PolicyLookup:
        """§5.1: a failed refresh keeps the cached policy until it expires."""
        policy = cached[1] if cached is not None and fresh else None
        return PolicyLookup(domain, policy, record_id, error, result_type, cached=policy is not None)

    def _fetch(self, domain: str) -> str:
        name = f"mta-sts.{domain}"
        address = self.address(name)
        if address is None:
            raise OSError(f"{name}: Host not found")
        self.fetches += 1
        connection = _Connection(name, address, self.port, self._context, self.timeout)
        try:
            connection.request("GET", WELL_KNOWN, headers={"Host": name})
            response = connection.getresponse()
            body = response.read(MAX_POLICY_BYTES + 1)
        finally:
            connection.close()
        if response.status != 200:  # §3.3: no redirects followed, only 200 counts
            raise OSError(f"HTTP {response.status} {response.reason}")
        if response.getheader("Content-Type", "").split(";")[0].strip().lower() != "text/plain":
            raise ValueError("the policy must be served as text/plain (RFC 8461 §3.2)")
        if len(body) > MAX_POLICY_BYTES:
            raise ValueError(f"the policy is larger than {MAX_POLICY_BYTES} bytes")
        return body.decode("utf-8")

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
