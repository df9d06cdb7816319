"""NativeAuthenticator, hardened for a classroom whose hub address every learner knows.

Three attacks on the stock NativeAuthenticator 1.3 login, each tested through the real forms
(``tests/deploy/test_hub_login.py``), and what this subclass changes:

- **Taking the instructor's name.** Stock: names in ``admin_users`` are authorized at sign-up,
  so whoever signs up first with one gets ``/hub/admin``. Here an instructor's name can never be
  signed up through the web form; instructor accounts are made beforehand on the hub host with
  ``add_instructor.py`` (README: "Who can log in").
- **Locking someone else out.** Stock: five wrong passwords for a name, from anyone, lock that
  name for five minutes, again and again. Here failures are counted per *(name, client address)*:
  a stranger's wrong guesses lock out only the stranger. Each address also has an overall
  budget of failed logins across all names, so guessing many names from one place stops too.
- **Flooding sign-ups.** Stock: unlimited (300 in 88 s were seen). Here each client address may
  sign up a few times an hour, and sign-ups stop while too many wait for authorization.

The client address is the right-most entry of ``X-Forwarded-For`` that is not loopback (the
address the outermost proxy saw), else the right-most entry (the hub's own proxy on
loopback). ``X-Real-Ip``, which Tornado would otherwise trust from anyone, is ignored, and
entries a client writes itself sit further left, so they are never chosen.
"""
from __future__ import annotations

import ipaddress
import time
from collections import deque
from typing import Any

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import SignUpHandler
from traitlets import Integer


def client_address(request: Any) -> str:
    """The address of the client behind the proxies (see the module docstring)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            if not ipaddress.ip_address(hop).is_loopback:
                return hop
        except ValueError:
            continue
    if hops:
        return hops[-1]
    return str(getattr(request.connection.context, "address", ("unknown",))[0])


class Window:
    """Events per key within a sliding time window (``now`` is injectable for tests)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._events: dict[str, deque[float]] = {}

    def count(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        events = self._events.get(key)
        if not events:
            return 0
        while events and now - events[0] > self.seconds:
            events.popleft()
        if not events:
            del self._events[key]
        return len(events)

    def add(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.count(key, now)
        self._events.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)


class ClassroomSignUpHandler(SignUpHandler):
    """The sign-up form, refusing instructor names, throttled per address and by the backlog."""

    async def post(self) -> None:
        auth: ClassroomAuthenticator = self.authenticator
        name = auth.normalize_username(self.get_body_argument("username", "", strip=False))
        refusal = auth.signup_refusal(name, client_address(self.request))
        if refusal is None:
            await super().post()
            return
        self.set_status(429 if "many" in refusal else 403)
        html = await self.render_template(
            "signup.html", ask_email=auth.ask_email_on_signup, result_message=refusal,
            alert="alert-danger", two_factor_auth=auth.allow_2fa, two_factor_auth_user=False,
            two_factor_auth_value="", recaptcha_key=auth.recaptcha_key, tos=auth.tos)
        self.finish(html)


class ClassroomAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with lock-outs per (name, address), sign-up throttles and no
    instructor sign-ups through the web (see the module docstring)."""

    signups_per_address = Integer(
        5, config=True, help="Sign-ups one client address may make per hour.")
    max_pending_signups = Integer(
        60, config=True, help="Sign-ups waiting for authorization before the form stops taking more.")
    failed_logins_per_address = Integer(
        30, config=True, help="Failed logins (any names) one address may make per lock-out period.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signups = Window(3600)
        self._failures = Window(self.seconds_before_next_try)      # key: name + address
        self._address_failures = Window(self.seconds_before_next_try)  # key: address

    def get_handlers(self, app: Any) -> list[tuple[str, Any]]:
        return [(path, ClassroomSignUpHandler if path == r"/signup" else handler)
                for path, handler in super().get_handlers(app)]

    # --- sign-up ----------------------------------------------------------------------------
    def signup_refusal(self, name: str, address: str) -> str | None:
        """Why this sign-up is refused, or None to let NativeAuthenticator handle it."""
        if name in self.admin_users:
            return ("This name belongs to an instructor. Instructor accounts are created on the "
                    "hub host before the class (add_instructor.py), never through this form.")
        if self._signups.count(address) >= self.signups_per_address:
            return "Too many sign-ups from your network in the last hour. Ask your instructor."
        if self.get_unauthed_amount() >= self.max_pending_signups:
            return ("Too many sign-ups are waiting for your instructor. "
                    "Try again once they have authorized the class.")
        self._signups.add(address)
        return None

    def create_user(self, username: str, password: str, **kwargs: Any) -> Any:
        if self.normalize_username(username) in self.admin_users:
            return None  # only add_instructor.py makes instructor accounts
        return super().create_user(username, password, **kwargs)

    # --- log-in -----------------------------------------------------------------------------
    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        name = self.normalize_username(data.get("username", ""))
        address = client_address(handler.request)
        key = f"{name}\0{address}"
        if self.allowed_failed_logins and (
                self._failures.count(key) >= self.allowed_failed_logins
                or self._address_failures.count(address) >= self.failed_logins_per_address):
            return None
        user = self.get_user(name)
        if user is not None and user.is_authorized and user.is_valid_password(data.get("password", "")) \
                and (not user.has_2fa or user.is_valid_token(data.get("2fa"))):
            self._failures.clear(key)
            return name
        self._failures.add(key)
        self._address_failures.add(address)
        return None
