"""``python -m smtplesson bounce``: files, stdin, a Maildir, an mbox; readable, JSON, summary."""
from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from pathlib import Path

import pytest

from smtplesson import read_bounce

DATA = Path(__file__).parents[1] / "unit" / "data" / "bounces"
POSTFIX = DATA / "postfix" / "unknown-user-two.eml"
EXIM = DATA / "exim" / "mailbox-full.eml"
ORDINARY = DATA / "documented" / "ordinary-mail.eml"
TIMEOUT = 60


def by_type(*paths: Path) -> str:
    """The summary's "(2 hard, 1 soft)", as read_bounce classifies these mails' recipients."""
    counts: dict[str, int] = {}
    for path in paths:
        for r in read_bounce(path).recipients:
            counts[r.bounce_type] = counts.get(r.bounce_type, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def bounce(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, "-m", "smtplesson", "bounce", *args], input=stdin,
                         capture_output=True, timeout=TIMEOUT, check=False)
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode(), run.stderr.decode())


def test_files_readable_with_summary():
    run = bounce(str(POSTFIX), str(EXIM), str(ORDINARY))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert f"{POSTFIX}: dsn (postfix)" in out and f"{EXIM}: dsn (exim)" in out
    assert "ghost@unknown-user-two.test: failed 550 5.1.1" in out
    assert "bob@mailbox-full.test: failed 552 5.2.2" in out and "after RCPT" in out
    assert f"{ORDINARY}: not-a-bounce (none)" in out
    assert out.rstrip().splitlines()[-1] == f"3 mails, 2 bounces, 3 recipients ({by_type(POSTFIX, EXIM)})"
    assert run.stderr == ""  # three mails: no progress bar


def test_json_one_object_per_recipient():
    run = bounce("--json", str(POSTFIX), str(ORDINARY))
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["source"], r["address"]) for r in rows] == [
        (str(POSTFIX), "ghost@unknown-user-two.test"), (str(POSTFIX), "nobody@unknown-user-two.test"),
        (str(ORDINARY), None)]
    assert rows[0]["status"] == "5.1.1" and rows[0]["code"] == 550 and rows[0]["bounce_type"] == "hard"
    assert rows[0]["category"] == "mailbox-unknown"
    assert rows[0]["original"]["message_id"] == "<unknown-user-two.postfix@mta.example.org>"
    assert f"2 mails, 1 bounce, 2 recipients ({by_type(POSTFIX)})" in run.stderr  # stdout: JSON lines only


def test_stdin():
    run = bounce("-", stdin=EXIM.read_bytes())
    assert "-: dsn (exim)" in run.stdout and f"1 mail, 1 bounce, 1 recipient ({by_type(EXIM)})" in run.stdout


def test_mbox_with_forced_progress_bar(tmp_path):
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    files = sorted(DATA.glob("*/*.eml"))
    for path in files:
        box.add(path.read_bytes())
    box.close()
    run = bounce("--mbox", str(tmp_path / "bounces.mbox"), "--progress")
    assert run.returncode == 0, run.stderr
    assert "mail/s" in run.stderr or "mail]" in run.stderr or "it/s" in run.stderr  # tqdm drew its bar
    summary = run.stdout.rstrip().splitlines()[-1]
    assert summary.startswith(f"{len(files)} mails, ")
    assert "hard" in summary and "soft" in summary


def test_maildir(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir")
    for path in (POSTFIX, EXIM):
        box.add(path.read_bytes())
    run = bounce("--maildir", str(tmp_path / "Maildir"))
    assert run.stdout.rstrip().endswith(f"2 mails, 2 bounces, 3 recipients ({by_type(POSTFIX, EXIM)})")


@pytest.mark.parametrize("args", [(), ("--mbox", "/nonexistent.mbox"), ("/nonexistent.eml",)])
def test_nothing_to_read_or_missing(args):
    run = bounce(*args)
    assert run.returncode in (1, 2) and run.stderr
