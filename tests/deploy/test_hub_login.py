"""The shipped hub configuration lets in only instructor-approved accounts, and its login
cannot be turned against the instructor.

A real JupyterHub loads deploy/jupyterhub/jupyterhub_config.py with its own authenticator
(NativeAuthenticator, hardened in classroom_auth.py); the test changes only ports and file
locations, and creates the instructor beforehand with add_instructor.py, as the README says.
Then, through the login and sign-up forms a browser uses, from distinct loopback addresses
(127.0.0.x) standing for distinct machines: a name nobody registered is refused; a learner who
signed up is refused until an instructor authorizes them; nobody can sign up the instructor's
name; a stranger's wrong passwords do not lock the instructor out; sign-ups are throttled.
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubtools import ROOT, alive, ensure_chp, free_port, hub_config

requests = pytest.importorskip("requests")  # a JupyterHub dependency

DEPLOY = ROOT / "deploy" / "jupyterhub"
ADMIN, ADMIN_PASSWORD = "teacher", "correct horse battery"
LEARNER, LEARNER_PASSWORD = "ada", "lovelace analytical engine"
MAX_PENDING = 12


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("nativeauthenticator") is None:
        pytest.fail("jupyterhub-nativeauthenticator is not installed (pip install -e '.[test]')")
    chp = ensure_chp()
    tmp = tmp_path_factory.mktemp("hub-login")
    secret = tmp / "teacher-password"
    secret.write_text(ADMIN_PASSWORD + "\n")
    made = subprocess.run([sys.executable, str(DEPLOY / "add_instructor.py"), ADMIN, "--db",
                           f"sqlite:///{tmp}/jupyterhub.sqlite", "--password-file", str(secret)],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and made.stdout == f"{ADMIN}: created\n", made.stderr
    port = free_port()
    config = tmp / "config.py"
    config.write_text(hub_config(tmp, chp, port))
    env = {**os.environ, "SMTPLESSON_ADMINS": ADMIN, "SMTPLESSON_ENV": sys.prefix,
           "SMTPLESSON_CULL_TIMEOUT": "0", "HOME": str(tmp), "SMTPLESSON_MAX_PENDING": str(MAX_PENDING)}
    log = tmp / "hub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=tmp, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterHub exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterHub did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        assert not alive(proc.pid)


class _From(requests.adapters.HTTPAdapter):
    """Connect from one loopback address: a distinct "machine" for the hub's proxy."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


def _browser(address: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.mount("http://", _From(address))
    return session


def _form(session: requests.Session, url: str, path: str, **fields: str) -> requests.Response:
    """GET the page (for its _xsrf cookie), then POST the form as a browser would."""
    session.get(f"{url}{path}", timeout=10)
    xsrf = session.cookies.get("_xsrf", "")
    return session.post(f"{url}{path}", data={**fields, "_xsrf": xsrf}, allow_redirects=False, timeout=10)


def _login(url: str, username: str, password: str, address: str = "127.0.0.1",
           ) -> tuple[bool, requests.Session, str]:
    """(logged in?, the browser session, the page's text) for one login attempt."""
    session = _browser(address)
    resp = _form(session, url, "/hub/login", username=username, password=password)
    logged_in = resp.status_code in (301, 302, 303) and "/hub/login" not in resp.headers.get("Location", "")
    return logged_in, session, resp.text


def _signup(url: str, name: str, password: str, address: str = "127.0.0.1") -> requests.Response:
    return _form(_browser(address), url, "/hub/signup", username=name,
                 signup_password=password, signup_password_confirmation=password)


def test_the_shipped_configuration_listens_on_loopback_only(hub_url: str) -> None:
    assert hub_url.startswith("http://127.0.0.1:")


def test_an_unknown_user_is_refused(hub_url: str) -> None:
    ok, _, page = _login(hub_url, "mallory", "any password at all")
    assert not ok
    assert "Invalid username or password" in page


def test_a_learner_gets_in_only_after_an_instructor_authorizes_them(hub_url: str) -> None:
    assert _signup(hub_url, LEARNER, LEARNER_PASSWORD, "127.0.0.10").status_code == 200

    ok, _, page = _login(hub_url, LEARNER, LEARNER_PASSWORD, "127.0.0.10")
    assert not ok and "has not been authorized" in page

    ok, teacher, page = _login(hub_url, ADMIN, ADMIN_PASSWORD)
    assert ok, page[-2000:]
    assert teacher.get(f"{hub_url}/hub/authorize/{LEARNER}", timeout=10).status_code == 200

    assert not _login(hub_url, LEARNER, "a wrong password here", "127.0.0.10")[0]
    assert _login(hub_url, LEARNER, LEARNER_PASSWORD, "127.0.0.10")[0]


def test_nobody_can_sign_up_as_the_instructor(hub_url: str) -> None:
    resp = _signup(hub_url, ADMIN, "mallory's own password", "127.0.0.20")
    assert resp.status_code == 403 and "belongs to an instructor" in resp.text
    resp = _signup(hub_url, ADMIN.upper(), "mallory's own password", "127.0.0.20")
    assert resp.status_code == 403  # the same name, normalised
    assert not _login(hub_url, ADMIN, "mallory's own password", "127.0.0.20")[0]
    assert _login(hub_url, ADMIN, ADMIN_PASSWORD)[0]  # the real one still gets in


def test_a_strangers_wrong_passwords_do_not_lock_the_instructor_out(hub_url: str) -> None:
    for _ in range(8):
        assert not _login(hub_url, ADMIN, "guessing wildly", "127.0.0.30")[0]
    # the stranger is locked out now, even with the right password ...
    assert not _login(hub_url, ADMIN, ADMIN_PASSWORD, "127.0.0.30")[0]
    # ... the instructor, from their own machine, is not
    assert _login(hub_url, ADMIN, ADMIN_PASSWORD, "127.0.0.31")[0]
    # a forged X-Forwarded-For / X-Real-Ip does not make the stranger someone else
    session = _browser("127.0.0.30")
    session.headers.update({"X-Forwarded-For": "127.0.0.31", "X-Real-Ip": "198.51.100.7"})
    resp = _form(session, hub_url, "/hub/login", username=ADMIN, password=ADMIN_PASSWORD)
    assert resp.status_code not in (301, 302, 303)


def test_sign_ups_are_throttled_per_address_and_by_the_backlog(hub_url: str) -> None:
    codes = [_signup(hub_url, f"bot{i}", "a long enough password", "127.0.0.40").status_code
             for i in range(7)]
    assert codes == [200] * 5 + [429] * 2
    # many addresses: the form stops once MAX_PENDING sign-ups wait for the instructor
    codes = [_signup(hub_url, f"crowd{i}", "a long enough password", f"127.0.1.{i}").status_code
             for i in range(MAX_PENDING + 3)]
    assert 429 in codes
    pending = codes.index(429)
    assert set(codes[pending:]) == {429} and pending <= MAX_PENDING


def test_plain_http_beyond_loopback_is_refused() -> None:
    from traitlets.config import Config

    path = DEPLOY / "jupyterhub_config.py"
    namespace: dict[str, object] = {"__file__": str(path), "get_config": Config}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # as JupyterHub loads it
    check = namespace["check_listen_address"]
    assert callable(check)
    assert check("127.0.0.1", False, False) == "127.0.0.1"
    assert check("0.0.0.0", True, False) == "0.0.0.0"  # HTTPS served by the hub itself
    assert check("", False, True) == ""                # explicitly allowed
    for ip in ("0.0.0.0", "", "192.0.2.7", "::"):
        with pytest.raises(ValueError, match="plain HTTP"):
            check(ip, False, False)


def test_tljh_without_https_is_refused(tmp_path: Path) -> None:
    from traitlets.config import Config

    path = DEPLOY / "jupyterhub_config.py"
    namespace: dict[str, object] = {"__file__": str(path), "get_config": Config}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    enabled, check = namespace["tljh_https_enabled"], namespace["check_tljh_https"]
    assert callable(enabled) and callable(check)
    config = tmp_path / "config.yaml"
    assert enabled(config) is False                      # TLJH's default: no config, no HTTPS
    config.write_text("https:\n  enabled: false\n")
    assert enabled(config) is False
    with pytest.raises(ValueError, match="plain HTTP"):
        check(False, False)
    check(False, True)                                   # SMTPLESSON_ALLOW_HTTP=1
    config.write_text("https:\n  enabled: true\n  letsencrypt:\n    email: a@example.org\n")
    assert enabled(config) is True
    check(True, False)
