"""JupyterHub configuration for teaching smtplesson to a class on ONE shared host.

Written for The Littlest JupyterHub (TLJH): symlink (do not copy: the file finds
start_singleuser.py beside its real location) this file as
``/opt/tljh/config/jupyterhub_config.d/smtplesson.py`` and run
``sudo tljh-config reload hub``. It also works as the whole configuration of
a plain JupyterHub (``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py``).
See README.md beside it for the step-by-step set-up.

Every setting can be changed without editing this file, through environment
variables of the hub process:

=========================  ===============================================  ==========================
variable                   meaning                                          default
=========================  ===============================================  ==========================
SMTPLESSON_ENV             prefix of the course environment (venv or        /opt/tljh/user on TLJH,
                           conda env with smtplesson + jupyterhub)          else <repo>/.venv, else
                                                                            the hub's own prefix
SMTPLESSON_COURSE          checkout of the course repository whose          the repository holding
                           notebooks/ are copied to each learner            this file
SMTPLESSON_REPO            git URL: deliver the course with nbgitpuller     (unset: copy from
                           instead of copying (needs network + nbgitpuller  SMTPLESSON_COURSE)
                           in the course environment)
SMTPLESSON_BRANCH          branch for nbgitpuller                           main
SMTPLESSON_MEM_LIMIT       memory limit per learner (enforced by            1G
                           SystemdSpawner, i.e. on TLJH)
SMTPLESSON_CPU_LIMIT       CPU limit per learner, in cores (ditto)          0.5
SMTPLESSON_CULL_TIMEOUT    stop a learner's server after this many idle     3600
                           seconds (0 = no idle-culler)
SMTPLESSON_CULL_EVERY      how often the idle-culler checks, seconds        300
SMTPLESSON_KERNEL_CULL     stop a kernel whose notebook is closed after     1800
                           this many idle seconds (0 = never)
SMTPLESSON_RECORD          "0": the self-checks record nothing             1 (record to the learner's
                                                                            ~/.local/share/smtplesson)
SMTPLESSON_ADMINS          comma-separated instructor account names; they   (none: nobody can
                           authorize learners' sign-ups                     authorize anyone)
SMTPLESSON_HUB_IP          address the hub's proxy listens on               127.0.0.1 (TLS proxy
                                                                            in front; TLJH: its own)
SMTPLESSON_SSL_CERT/_KEY   let JupyterHub itself serve HTTPS with these      (unset: a TLS proxy in
                           files (needed to listen beyond loopback)         front, see README)
SMTPLESSON_ALLOW_HTTP      "1": allow plain HTTP on a non-loopback address  (unset: refused)
                           (on TLJH: with TLJH's HTTPS turned off)
SMTPLESSON_SIGNUPS_PER_    sign-ups one client address may make per hour    5
ADDRESS
SMTPLESSON_MAX_PENDING     sign-ups waiting for authorization before the     60
                           form stops taking more
=========================  ===============================================  ==========================

Who may log in: NativeAuthenticator (JupyterHub's own project, also TLJH's documented
option), hardened in classroom_auth.py. Every account has its own bcrypt-hashed password;
instructors (SMTPLESSON_ADMINS) are created on the hub host with add_instructor.py and can
never be signed up through the form; a learner's sign-up can log in only after an instructor
authorizes it at /hub/authorize, and an instructor can set a learner's password at
/hub/change-password/<name>. Wrong passwords lock out only the name *and address* that typed
them; sign-ups are throttled per address and by the backlog. There is no "any password" mode.

Why no port settings for the lesson servers: every DebugServer the course
starts binds 127.0.0.1 on port 0, so the kernel asks the operating system for
a free ephemeral port. All learners on one host share one network stack; a
fixed port (say 8025) would be taken by the first learner and the second would
get "Address already in use". With port 0 thirty learners running the same
cell in the same second each get their own port, and each kernel's smtplib
client talks only to the address its own server reported.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
TLJH_USER_ENV = Path("/opt/tljh/user")
TLJH_HUB_ENV = Path("/opt/tljh/hub")
TLJH_CONFIG = Path("/opt/tljh/config/config.yaml")
COURSE_DIR_NAME = "smtplesson"  # folder in each learner's home (nbgitpuller's clone name too)

c = get_config()  # noqa: F821  (injected by JupyterHub when it loads this file)


def course_env() -> Path:
    """Prefix of the environment the learners' servers and kernels run in."""
    if os.environ.get("SMTPLESSON_ENV"):
        return Path(os.environ["SMTPLESSON_ENV"])
    if TLJH_USER_ENV.is_dir():
        return TLJH_USER_ENV
    venv = HERE.parents[1] / ".venv"
    return venv if venv.is_dir() else Path(sys.prefix)


def course_source() -> Path:
    """The course checkout whose notebooks are copied to every learner."""
    return Path(os.environ.get("SMTPLESSON_COURSE", HERE.parents[1])).resolve()


def first_notebook(source: Path) -> str:
    """Path (relative to the learner's home) of the notebook the course opens with."""
    found = sorted((source / "notebooks").glob("00-*.ipynb"))
    name = found[0].name if found else "00-start-here.ipynb"
    return f"{COURSE_DIR_NAME}/notebooks/{name}"


def nbgitpuller_url(repo: str, branch: str, open_path: str) -> str:
    """The /git-pull link that clones or merges the course into ~/smtplesson, then opens ``open_path``."""
    query = urlencode({
        "repo": repo, "branch": branch, "targetpath": COURSE_DIR_NAME,
        "urlpath": f"lab/tree/{open_path}",
    })
    return f"/git-pull?{query}"


def on_tljh() -> bool:
    """Whether this hub is The Littlest JupyterHub's (it runs its own idle-culler)."""
    return sys.prefix.startswith(str(TLJH_HUB_ENV))


def idle_culler_service(timeout: int, every: int) -> tuple[dict, dict]:
    """The hub-managed idle-culler service and the role that lets it stop servers."""
    service = {
        "name": "idle-culler",
        "command": [
            sys.executable, "-m", "jupyterhub_idle_culler",
            f"--timeout={timeout}", f"--cull-every={every}",
        ],
    }
    role = {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
    return service, role


ENV = course_env()
SOURCE = course_source()
OPEN = first_notebook(SOURCE)

# --- the learner's server: course environment, course copied in, course opened ----------
# start_singleuser.py copies notebooks/ (without solutions/) into ~/smtplesson when files
# are missing -- it never overwrites a learner's work -- then runs jupyterhub-singleuser.
c.Spawner.cmd = [str(ENV / "bin" / "python"), str(HERE / "start_singleuser.py")]
# .update/.append (not "=") so that, loaded as a TLJH drop-in, this adds to TLJH's settings.
c.Spawner.environment.update({
    "SMTPLESSON_SINGLEUSER": str(ENV / "bin" / "jupyterhub-singleuser"),
    "SMTPLESSON_COURSE_DIR": COURSE_DIR_NAME,
    "SMTPLESSON_COURSE_SOURCE": str(SOURCE),
    # the self-checks record each attempt to ~/.local/share/smtplesson/attempts.jsonl, a file
    # the learner owns, for the instructor's class report (README: "The instructor's view")
    "SMTPLESSON_RECORD": os.environ.get("SMTPLESSON_RECORD", "1"),
})
c.Spawner.default_url = f"/lab/tree/{OPEN}"
if os.environ.get("SMTPLESSON_REPO"):
    # nbgitpuller clones/merges the course at every login instead of the copy
    c.Spawner.environment.update({"SMTPLESSON_COURSE_SOURCE": ""})
    c.Spawner.default_url = nbgitpuller_url(
        os.environ["SMTPLESSON_REPO"], os.environ.get("SMTPLESSON_BRANCH", "main"), OPEN
    )
# Kernels of notebooks whose tab the learner closed keep running (about 60 MB each, and the
# debug servers they started); stop them after SMTPLESSON_KERNEL_CULL seconds idle. Kernels
# of open notebooks are never stopped by this (cull_connected stays False).
KERNEL_CULL = int(os.environ.get("SMTPLESSON_KERNEL_CULL", "1800"))
if KERNEL_CULL > 0:
    c.Spawner.args.extend([
        f"--MappingKernelManager.cull_idle_timeout={KERNEL_CULL}",
        "--MappingKernelManager.cull_interval=60",
    ])
# a class starts together: give 30 servers time to come up on a small host
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60

# --- limits (SystemdSpawner -- TLJH's spawner -- and DockerSpawner enforce them;
# LocalProcessSpawner only passes them on as MEM_LIMIT / CPU_LIMIT) ----------------------
c.Spawner.mem_limit = os.environ.get("SMTPLESSON_MEM_LIMIT", "1G")
c.Spawner.cpu_limit = float(os.environ.get("SMTPLESSON_CPU_LIMIT", "0.5"))

# --- stop idle servers: frees memory and every port the learner's kernels held ----------
CULL_TIMEOUT = int(os.environ.get("SMTPLESSON_CULL_TIMEOUT", "3600"))
CULL_EVERY = int(os.environ.get("SMTPLESSON_CULL_EVERY", "300"))
# TLJH already runs jupyterhub-idle-culler ("cull-idle"; tljh-config services.cull.*).
if CULL_TIMEOUT > 0 and not on_tljh():
    _service, _role = idle_culler_service(CULL_TIMEOUT, CULL_EVERY)
    c.JupyterHub.services.append(_service)
    c.JupyterHub.load_roles.append(_role)

# --- who may log in: own passwords, instructor-approved, hardened (classroom_auth.py) ------
# Instructors are created beforehand with add_instructor.py, never by the sign-up form;
# wrong passwords lock out only the (name, address) that typed them; sign-ups are throttled.
sys.path.insert(0, str(HERE))
c.JupyterHub.authenticator_class = "classroom_auth.ClassroomAuthenticator"
ADMINS = os.environ.get("SMTPLESSON_ADMINS", "")
c.Authenticator.admin_users = {name.strip().lower() for name in ADMINS.split(",") if name.strip()}
c.NativeAuthenticator.open_signup = False           # a sign-up waits for an instructor
# JupyterHub >= 5 also wants an allow rule; the gate is NativeAuthenticator's own: a password
# that matches AND an instructor's authorization (checked in its authenticate()).
c.NativeAuthenticator.allow_all = True
c.NativeAuthenticator.minimum_password_length = 10
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5     # per name AND address, then a pause
c.NativeAuthenticator.seconds_before_next_try = 300
c.ClassroomAuthenticator.signups_per_address = int(os.environ.get("SMTPLESSON_SIGNUPS_PER_ADDRESS", "5"))
c.ClassroomAuthenticator.max_pending_signups = int(os.environ.get("SMTPLESSON_MAX_PENDING", "60"))

# --- where the hub listens: loopback behind a TLS proxy, or HTTPS itself -----------------
SSL_CERT, SSL_KEY = os.environ.get("SMTPLESSON_SSL_CERT"), os.environ.get("SMTPLESSON_SSL_KEY")
if SSL_CERT and SSL_KEY:
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = SSL_CERT, SSL_KEY


def check_listen_address(ip: str, tls: bool, allow_http: bool) -> str:
    """The proxy's address, refusing to send passwords in clear beyond this machine."""
    address = ipaddress.ip_address(ip) if ip else None  # "" means every interface
    if (address is None or not address.is_loopback) and not tls and not allow_http:
        raise ValueError(
            f"smtplesson: refusing to serve logins over plain HTTP on {ip or 'every interface'}. "
            "Put a TLS proxy in front and keep SMTPLESSON_HUB_IP=127.0.0.1 (README: HTTPS), "
            "or set SMTPLESSON_SSL_CERT and SMTPLESSON_SSL_KEY.")
    return ip


def tljh_https_enabled(config_file: Path = TLJH_CONFIG) -> bool:
    """Whether TLJH's own proxy serves HTTPS (``tljh-config set https.enabled true``)."""
    import yaml  # PyYAML: JupyterHub needs it (through jupyter_events), so every hub has it

    try:
        settings = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except OSError:
        return False
    https = settings.get("https") or {}
    return bool(https.get("enabled"))


def check_tljh_https(enabled: bool, allow_http: bool) -> None:
    """Refuse to serve TLJH's login form over plain HTTP (its Traefik listens beyond loopback)."""
    if not enabled and not allow_http:
        raise ValueError(
            "smtplesson: TLJH serves this hub over plain HTTP. Turn on HTTPS first "
            "(sudo tljh-config set https.enabled true; README: HTTPS), "
            "or set SMTPLESSON_ALLOW_HTTP=1 for a closed lab network you trust.")


ALLOW_HTTP = os.environ.get("SMTPLESSON_ALLOW_HTTP") == "1"
if on_tljh():  # TLJH runs its own Traefik in front: it must serve HTTPS
    check_tljh_https(tljh_https_enabled(), ALLOW_HTTP)
else:
    c.JupyterHub.ip = check_listen_address(
        os.environ.get("SMTPLESSON_HUB_IP", "127.0.0.1"), bool(SSL_CERT and SSL_KEY), ALLOW_HTTP)
    c.JupyterHub.hub_ip = "127.0.0.1"
