"""The shipped hub configuration lets in only instructor-approved accounts.

A real JupyterHub loads deploy/jupyterhub/jupyterhub_config.py with its own authenticator
(NativeAuthenticator); the test changes only ports and file locations. Then, through the
login and sign-up forms a browser uses: a name nobody registered is refused, a learner who
signed up is refused until an instructor authorizes them, and gets in afterwards.
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from hubtools import ROOT, alive, ensure_chp, free_port

requests = pytest.importorskip("requests")  # a JupyterHub dependency

DEPLOY = ROOT / "deploy" / "jupyterhub"
ADMIN, ADMIN_PASSWORD = "teacher", "correct horse battery"
LEARNER, LEARNER_PASSWORD = "ada", "lovelace analytical engine"

CONFIG = """
c = get_config()
load_subconfig({deploy!r})
c.JupyterHub.port = {port}
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"
"""


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("nativeauthenticator") is None:
        pytest.fail("jupyterhub-nativeauthenticator is not installed (pip install -e '.[test]')")
    chp = ensure_chp()
    tmp = tmp_path_factory.mktemp("hub-login")
    port = free_port()
    config = tmp / "config.py"
    config.write_text(CONFIG.format(deploy=str(DEPLOY / "jupyterhub_config.py"), port=port,
                                    hub_port=free_port(), api_port=free_port(), chp=str(chp), tmp=tmp))
    env = {**os.environ, "SMTPLESSON_ADMINS": ADMIN, "SMTPLESSON_ENV": sys.prefix,
           "SMTPLESSON_CULL_TIMEOUT": "0", "HOME": str(tmp)}
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


def _form(session: requests.Session, url: str, path: str, **fields: str) -> requests.Response:
    """GET the page (for its _xsrf cookie), then POST the form as a browser would."""
    session.get(f"{url}{path}", timeout=10)
    xsrf = session.cookies.get("_xsrf", "")
    return session.post(f"{url}{path}", data={**fields, "_xsrf": xsrf}, allow_redirects=False, timeout=10)


def _login(url: str, username: str, password: str) -> tuple[bool, requests.Session, str]:
    """(logged in?, the browser session, the page's text) for one login attempt."""
    session = requests.Session()
    resp = _form(session, url, "/hub/login", username=username, password=password)
    logged_in = resp.status_code in (301, 302, 303) and "/hub/login" not in resp.headers.get("Location", "")
    return logged_in, session, resp.text


def test_the_shipped_configuration_listens_on_loopback_only(hub_url: str) -> None:
    assert hub_url.startswith("http://127.0.0.1:")


def test_an_unknown_user_is_refused(hub_url: str) -> None:
    ok, _, page = _login(hub_url, "mallory", "any password at all")
    assert not ok
    assert "Invalid username or password" in page


def test_a_learner_gets_in_only_after_an_instructor_authorizes_them(hub_url: str) -> None:
    # the instructor signs up first (admins are authorized), the learner after
    for name, password in ((ADMIN, ADMIN_PASSWORD), (LEARNER, LEARNER_PASSWORD)):
        resp = _form(requests.Session(), hub_url, "/hub/signup", username=name,
                     signup_password=password, signup_password_confirmation=password)
        assert resp.status_code == 200, resp.text[-500:]

    ok, _, page = _login(hub_url, LEARNER, LEARNER_PASSWORD)
    assert not ok and "has not been authorized" in page

    ok, teacher, page = _login(hub_url, ADMIN, ADMIN_PASSWORD)
    assert ok, page[-2000:]
    assert teacher.get(f"{hub_url}/hub/authorize/{LEARNER}", timeout=10).status_code == 200

    assert not _login(hub_url, LEARNER, "a wrong password here")[0]
    assert _login(hub_url, LEARNER, LEARNER_PASSWORD)[0]


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
