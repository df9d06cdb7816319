"""Create (or reset) an instructor's account in the hub's database, on the hub host.

Instructor names (``SMTPLESSON_ADMINS``) can never be signed up through the web form
(``classroom_auth.py``): nobody can take an instructor's name by being first. Run this as the
hub's owner before the class, once per instructor::

    sudo /opt/tljh/hub/bin/python add_instructor.py ines --db sqlite:////opt/tljh/state/jupyterhub.sqlite
    .venv/bin/python deploy/jupyterhub/add_instructor.py ines --db sqlite:///jupyterhub.sqlite

It asks for the password twice (or reads it from ``--password-file``; the first line), stores
it bcrypt-hashed the way NativeAuthenticator does, marks the account authorized, and creates
the database (JupyterHub's schema) if the hub has not run yet. The name still needs to be in
``SMTPLESSON_ADMINS`` for instructor rights.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import bcrypt
import nativeauthenticator
from jupyterhub import orm
from nativeauthenticator.orm import UserInfo

MIN_LENGTH = 10  # the same minimum as the hub's (jupyterhub_config.py)
TLJH_DB = Path("/opt/tljh/state/jupyterhub.sqlite")


def weak(password: str) -> str | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters, please"
    common = Path(nativeauthenticator.__file__).with_name("common-credentials.txt")
    if password in set(common.read_text(encoding="utf-8").splitlines()):
        return "that password is on the list of common passwords"
    return None


def add_instructor(db_url: str, name: str, password: str) -> str:
    """Create or reset ``name`` as an authorized account; returns "created" or "reset"."""
    session = orm.new_session_factory(db_url)()  # creates JupyterHub's tables, users_info too
    try:
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
        user = UserInfo.find(session, name)
        if user is None:
            session.add(UserInfo(username=name, password=hashed, is_authorized=True))
            outcome = "created"
        else:
            user.password, user.is_authorized = hashed, True
            outcome = "reset"
        session.commit()
        return outcome
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the instructor's account name (also in SMTPLESSON_ADMINS)")
    default_db = f"sqlite:///{TLJH_DB}" if TLJH_DB.exists() else "sqlite:///jupyterhub.sqlite"
    parser.add_argument("--db", default=default_db, help=f"the hub's db_url (default: {default_db})")
    parser.add_argument("--password-file", type=Path, help="read the password from this file")
    args = parser.parse_args(argv)
    name = args.name.strip().lower()  # JupyterHub's default normalize_username
    if not name or any(c in name for c in " ,/"):
        print("add_instructor: a name without spaces, commas or slashes, please", file=sys.stderr)
        return 2
    if args.password_file:
        password = args.password_file.read_text(encoding="utf-8").splitlines()[0]
    else:
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            print("add_instructor: the two passwords differ", file=sys.stderr)
            return 2
    problem = weak(password)
    if problem:
        print(f"add_instructor: {problem}", file=sys.stderr)
        return 2
    print(f"{name}: {add_instructor(args.db, name, password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
