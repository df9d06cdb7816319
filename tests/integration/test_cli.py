"""The command line, as a learner runs it: ``python -m smtplesson ...`` in a subprocess."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from smtplesson.codes import BASIC_CODES, ENHANCED_CODES

SWAKS = shutil.which("swaks")
TIMEOUT = 20


def smtplesson(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m smtplesson ARGS`` to completion; stdout and stderr captured."""
    return subprocess.run([sys.executable, "-m", "smtplesson", *args], input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def swaks(port: int) -> subprocess.CompletedProcess[str]:
    """One full swaks send to the local server (swaks exits non-zero when refused)."""
    return subprocess.run(
        [SWAKS, "--server", "127.0.0.1", "--port", str(port), "--from", "a@example.org",
         "--to", "b@example.net", "--helo", "client.example.org", "--timeout", "10"],
        capture_output=True, text=True, timeout=TIMEOUT, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def greylisting_server():
    """``python -m smtplesson serve --scenario greylisting:delay=1``: (process, port).

    Started with SIGINT ignored, as a shell's background job is: Ctrl-C must still stop it.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "smtplesson", "serve", "--scenario", "greylisting:delay=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        first = proc.stdout.readline()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        assert match, first + proc.stderr.read() if proc.poll() is not None else first
        yield proc, int(match.group(1))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_swaks_sees_greylisting_then_acceptance(greylisting_server):
    if SWAKS is None:
        if os.environ.get("CI"):
            pytest.fail("swaks is not installed (CI installs it: apt-get install -y swaks)")
        pytest.skip("swaks is not installed here (apt-get install -y swaks)")
    proc, port = greylisting_server
    first = swaks(port)
    # The server saw the first RCPT before swaks returned: a second past now is past the delay
    # however long swaks took to start (a start-time reference raced on a loaded machine).
    first_done = time.monotonic()
    assert first.returncode != 0 and "451 4.7.1" in first.stdout, first.stdout + first.stderr
    assert "queued as" not in first.stdout
    time.sleep(max(0.0, first_done + 1.1 - time.monotonic()))  # past the 1-second delay
    second = swaks(port)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "<-  250 2.0.0 Ok: queued as 1" in second.stdout
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert err == ""
    assert "=== session 1" in out and "=== session 2" in out and out.rstrip().endswith("stopped.")
    assert " -> EHLO client.example.org" in out and "451 4.7.1 <b@example.net>" in out


def test_serve_stops_cleanly_on_sigterm(greylisting_server):
    proc, _ = greylisting_server
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert (proc.returncode, err) == (0, "") and out.rstrip().endswith("stopped.")


def test_serve_refuses_an_unknown_scenario():
    result = smtplesson("serve", "--scenario", "no-such-thing")
    assert result.returncode == 2 and "no-such-thing" in result.stderr and result.stdout == ""


def test_explain_prints_every_field():
    result = smtplesson("explain", "452 4.5.3 Too many recipients")
    assert (result.returncode, result.stderr) == (0, "")
    fields = {line.split(":", 1)[0] for line in result.stdout.splitlines() if not line.startswith(" ")}
    assert {"code", "enhanced", "outcome", "category", "meaning", "advice", "RFC"} <= fields
    out = " ".join(result.stdout.split())  # undo the line wrapping
    assert "code: 452 — transient negative (4xx)" in out
    assert "outcome: retry" in out and "category: rate-limit" in out
    assert "§4.5.3.1.10" in out and "RFC 5321 §4.2.3, RFC 3463 §3.6" in out


def test_explain_json():
    result = smtplesson("explain", "--json", "452 4.5.3 Too many recipients", "550 5.1.1 no such user")
    assert (result.returncode, result.stderr) == (0, "")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["code"], first["enhanced"], first["outcome"], first["category"]) == (
        452, "4.5.3", "retry", "rate-limit")
    assert first["found"] is True and first["advice"] and "RFC 3463 §3.6" in first["references"]
    assert (second["code"], second["outcome"]) == (550, "bounce")


def test_explain_reads_stdin_one_reply_per_line():
    lines = "550 5.1.1 user unknown\n\nhello world\n421 4.7.0 slow down\n"
    result = smtplesson("explain", "--json", "-", stdin=lines)
    assert (result.returncode, result.stderr) == (0, "")
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(f["code"], f["found"]) for f in found] == [(550, True), (None, False), (421, True)]
    text = smtplesson("explain", "-", stdin=lines).stdout
    assert "No SMTP reply found." in text and "code:      421" in text


def test_codes_lists_every_code():
    result = smtplesson("codes")
    assert (result.returncode, result.stderr) == (0, "")
    first_column = {line.split(" ", 1)[0] for line in result.stdout.splitlines() if line}
    assert {str(code) for code in BASIC_CODES} <= first_column
    assert set(ENHANCED_CODES) <= first_column


def test_relay_demo_tells_the_three_fates():
    result = smtplesson("relay-demo")  # simulated time: hours of retries (bench/ times it)
    assert (result.returncode, result.stderr) == (0, "")
    out = result.stdout
    assert "bob@example.net: DELIVERED" in out and "carol@example.net: DELIVERED" in out
    assert "dan@example.net: BOUNCED" in out
    assert "451 4.7.1 <carol@example.net>" in out and "+10 min" in out
    assert "Action: failed" in out and "Status: 5.1.1" in out
    assert "Return-Path: <alice@example.com>" in out and out.count("Received: from") == 3


@pytest.mark.parametrize("flag", ["--tls", "--implicit-tls"])
def test_serve_with_tls_prints_the_ca_to_trust_and_the_handshake(flag: str) -> None:
    import smtplib
    import ssl

    proc = subprocess.Popen([sys.executable, "-m", "smtplesson", "serve", flag],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        banner = [proc.stdout.readline() for _ in range(3)]
        port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", banner[0]).group(1))
        ca = re.search(r"trust (\S+)", banner[2]).group(1)
        context = ssl.create_default_context(cafile=ca)
        if flag == "--tls":
            with smtplib.SMTP("127.0.0.1", port, local_hostname="client.example") as c:
                c.starttls(context=context)
                c.noop()
        else:
            with smtplib.SMTP_SSL("127.0.0.1", port, local_hostname="client.example", context=context) as c:
                c.noop()
        seen = ""
        while "== TLS handshake: TLSv1" not in seen:
            seen += proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=TIMEOUT)
