"""The plain-text bounces of mail server software (the reporting MTA wrote them itself).

Each :class:`TextFormat` cites where its wording comes from; the fixtures under
``tests/unit/data/bounces/`` were written by the real programs where Debian packages them
(Postfix, Exim, OpenSMTPD) and copied from public pages for the others.
"""
from __future__ import annotations

from .mail import Mail
from .text import TextFormat

__all__ = ["FORMATS"]


def _notes_check(mail: Mail) -> bool:
    return "because:" in mail.lower_text or "x-mimetrack" in mail.headers


#: "Diagnostic information for administrators" in Exchange's localised NDRs (de, fr, es, it, pt; ja,
#: ko, ru, zh-cn, zh-tw: the section titles of the same localised page, MicrosoftDocs/OfficeDocs-
#: Exchange-Test-pr.<locale> Exchange-Server-2013/dsns-and-ndrs-in-exchange-2013-exchange-2013-help.md,
#: at the commits tools/mining/localised.py names)
_EXCHANGE_DIAGNOSTIC_TITLES = ("diagnoseinformationen für administratoren",
                               "informations de diagnostic pour les administrateurs",
                               "información de diagnóstico para administradores",
                               "informazioni di diagnostica per gli amministratori",
                               "informações de diagnóstico para administradores",
                               "管理者向けの診断情報", "관리자를 위한 진단 정보",
                               "диагностические сведения для администраторов", "管理员诊断信息",
                               "系統管理員的診斷資訊")
#: "Original message headers", the same languages
_EXCHANGE_HEADERS_TITLES = ("ursprüngliche nachrichtenkopfzeilen", "en-têtes de message originaux",
                            "encabezados del mensaje original", "intestazioni originali del messaggio",
                            "cabeçalhos da mensagem original", "元のメッセージ ヘッダー", "원본 메시지 헤더",
                            "исходные заголовки сообщения", "原始邮件头", "原始郵件標頭")

def _transcript_reply(first: str, text: str) -> str | None:
    """The whole of the multi-line reply whose first line ``first`` starts with, as a session
    transcript quotes it: "<<< 550-5.7.1 ...", the next "<<< 550-..." lines and the last, "<<< 550 ...",
    joined by spaces; None when the transcript does not hold it."""
    at = text.find("<<< " + first[:4])
    while at >= 0:
        lines: list[str] = []
        for line in text[at:at + 20000].split("\n"):
            reply = line[4:].rstrip()
            if not line.startswith("<<< ") or reply[:3] != first[:3] or reply[3:4] not in ("-", " "):
                break
            if not lines and not first.startswith(reply):
                break
            lines.append(reply)
            if reply[3] == " ":
                return " ".join(lines)
        at = text.find("<<< " + first[:4], at + 4)
    return None


FORMATS = (
    # Dovecot's delivery agent (dovecot-lda, LMTP) refusing a message after it was accepted: a Sieve
    # "reject" (RFC 5429) or a full mailbox; src/lib-lda/mail-send.c mail_send_rejection writes
    # "Auto-Submitted: auto-replied (rejected)" and its rejection_reason setting's default, "Your message
    # to <%t> was automatically rejected:%n%r" (doc.dovecot.org/2.3/settings/core/#rejection-reason);
    # the mails of tools/mining/dovecot_bounces.py (Dovecot 2.3.19.1)
    # (the one recipient is the one in "Your message to <%t>"; the reason, a Sieve script's words or
    # Dovecot's own "Quota exceeded (mailbox for user is full)", follows to the end of the text)
    TextFormat("dovecot", (("header:auto-submitted", "auto-replied (rejected)"),
                           ("text", "was automatically rejected:")),
               starts=("your message to",), stops=("was automatically rejected:",),
               reason_before=("was automatically rejected:", ""),
               # a reason without a code: Dovecot's quota words name a full mailbox (its own report says
               # 5.2.2); any other is a Sieve reject, for which RFC 5429 §2.5 recommends 5.7.1
               statuses=(("quota exceeded", "5.2.2"), ("", "5.7.1"))),
    # Postfix: src/bounce/bounce_template.c, "This is the mail system at host %s."
    # (Postfix 1.x-2.0's notice, whatever $mail_name a distribution put in "This is the ... program":
    # "I'm sorry to have to inform you that the message returned below could not be delivered")
    TextFormat("postfix", (("text", "this is the mail system at host"),
                           ("text", "this is the postfix program at host"),
                           ("header:x-postfix-queue-id", ""),
                           ("text", "i'm sorry to have to inform you that the message returned")),
               starts=("it's attached below.", "attached below.", "this is a warning only."),
               stops=("reporting-mta:",)),
    # qmail-send(8): "Hi. This is the qmail-send program at ..."
    # (qmail-send.c's break paragraph, "--- Below this line is a copy of the message.", also names the
    # variants that reword the introduction: QSBMF recognises the recipient paragraphs, not the intro)
    TextFormat("qmail", (("text", "this is the qmail-send program"), ("text", "hi. this is the qmail"),
                         ("text", "giving up on "), ("text", "--- below this line is a copy of the message")),
               starts=("the following addresses.", "it's attached below.", "sorry it didn't work out."),
               stops=("--- below this line is a copy", "--- enclosed are the original headers"),
               # qmail's own words without their code: the QSBMF example (cr.yp.to/proto/qsbmf.txt)
               # "Sorry, I couldn't find any host by that name.", qmail-remote.c perm_dns "Sorry, I
               # couldn't find any host named %s. (#5.1.2)", qmail-local.c "Sorry, no mailbox here by
               # that name. (#5.1.1)"
               statuses=(("couldn't find any host", "5.1.2"), ("no mailbox here by that name", "5.1.1"))),
    # Exim: exim4 bounce_message_file default text (spec.txt "Bounce message text")
    # (its first sentence wrapped at another column, as Demon Internet's copy of it is: "... by mail
    # delivery\nsoftware.", flufl.bounce 6.0.0 tests/data/bounce_03.txt)
    TextFormat("exim", (("text", "this message was created automatically by mail delivery software"),
                        ("text", "this message was created automatically by mail delivery\nsoftware"),
                        ("header:x-failed-recipients", "")),
               starts=("the following address(es) failed:", "following address(es) failed",
                       "has not yet been delivered to the following addresses",
                       "could not be delivered to one or more of its"),
               # (and the default warning text, "No action is required on your part. Delivery attempts
               # will continue ...", which says nothing of the recipient)
               stops=("------ this is a copy of the message", "------ this is a copy of your message",
                      "no action is required on your part")),
    # Courier: courierdsn(8) text "This is a delivery status notification from ..."
    TextFormat("courier", (("text", "running the courier mail server"), ("text", "courier mail server"),
                           ("mta", "courier")),
               starts=("delivery failed to the following recipients:", "following recipients:")),
    # OpenSMTPD: usr.sbin/smtpd/bounce.c NOTICE_INTRO
    TextFormat("opensmtpd", (("text", "this is the mailer-daemon, please do not reply"),
                             ("text", "an error has occurred while attempting to deliver a message for"),
                             ("text", "opensmtpd")),
               starts=("the following list of recipients:", "following list of recipients:"),
               stops=("below is a copy of the original message:",
                      "please note that this is only a temporary failure report"),
               # queue.c IMSG_QUEUE_EXPIRE: "Envelope expired", a B_ERROR bounce, the envelope deleted;
               # OpenSMTPD 6.8 still writes it as "Action: delayed" (tools/mining/mta_bounces.py)
               gave_up=("envelope expired",)),
    # DragonFly Mail Agent (dma; DragonFly BSD, Debian's dma 0.13, tools/mining/mta_bounces.py):
    # bounce.c "This is the DragonFly Mail Agent %s at %s.", "There was an error delivering your
    # mail to <%s>.", the reason, then "Message headers follow." and the returned headers
    TextFormat("dragonfly", (("text", "this is the dragonfly mail agent"),),
               starts=("there was an error delivering your mail to",), stops=("message headers follow.",)),
    # hMailServer: its SEND_FAILED_NOTIFICATION message (source/DBScripts/CreateTablesMYSQL.sql) borrows
    # Exchange 2003's "The following recipient(s) could not be reached:", so it is tried first; each
    # recipient as SMTPClientConnection.cpp writes it: "Error Type: SMTP ... Remote server replied: ..."
    TextFormat("hmailserver", (("text", "hmailserver sent:"), ("text", "\nhmailserver\n"),
                               ("text", "error type: smtp")),
               starts=("the following recipient(s) could not be reached:",)),
    # Microsoft Exchange 2007-2019 and 2003 NDR wording (learn.microsoft.com NDR pages); the
    # localised NDRs' section titles from the localised "DSNs and NDRs in Exchange 2013" pages
    # (technet.microsoft.com/{de-de,fr-fr,es-es,it-it,pt-br}/library/Bb232118(v=EXCHG.150))
    TextFormat("exchange", (("text", "delivery has failed to these recipients or groups"),
                            ("text", "diagnostic information for administrators"),
                            *(("text", title) for title in _EXCHANGE_DIAGNOSTIC_TITLES),
                            ("text", "your message did not reach some or all of the intended recipients"),
                            ("text", "the following recipient(s) could not be reached"),
                            ("text", "the following recipient(s) cannot be reached"),
                            # Exchange 5.5 and 2000: "Your message ... did not reach the following
                            # recipient(s): bob@example.com on <date> ... MSEXCH:IMS:... Unknown Recipient"
                            # (flufl.bounce 6.0.0 tests/data/groupwise_02.txt)
                            ("text", "did not reach the following recipient(s)"),
                            ("header:x-ms-exchange-message-is-ndr", ""),
                            ("header:x-mailer", "microsoft exchange")),
               starts=("delivery has failed to these recipients or groups:",
                       "the following recipient(s) could not be reached:",
                       "the following recipient(s) cannot be reached:",
                       "did not reach the following recipient(s):"),
               stops=("original message headers:", *_EXCHANGE_HEADERS_TITLES),
               statuses=(("unknown recipient", "5.1.1"),)),
    # HCL (Lotus) Notes/Domino router: "Your message ... was not delivered to: ... because: ..."
    TextFormat("lotus-notes", (("text", "was not delivered to:"), ("header:x-mimetrack", ""),
                               ("header:x-lotus-fromdomain", "")),
               starts=("was not delivered to:",), check=_notes_check,
               # the router's words for an unknown recipient (HCL Domino "Delivery failure reports",
               # help.hcltechsw.com/domino/12.0.0/admin/conf_managingundeliverablemailinmailbox_t.html;
               # Notes R5 and earlier: "public Name & Address Book"): a mailbox unknown, not a blocklist
               # "Recipient user name info (a@b.c) not unique. Several matches found in Domino Directory."
               # (as PHPMailer-BMH's rule comments quote it): an ambiguous address, RFC 3463 X.1.4
               statuses=(("not listed in domino directory", "5.1.1"),
                         ("not listed in public name & address book", "5.1.1"),
                         ("several matches found in domino directory", "5.1.4"))),
    # Netscape (iPlanet, Sun) Messaging Server: "This Message was undeliverable due to the following
    # reason:", one reason for all, then "The following recipients did not receive your message:"
    # (GNU Mailman's netscape detector, flufl.bounce 6.0.0 _detectors/netscape.py; a Verizon bounce
    # quoted on the LKML); its words for each reason, without a code
    TextFormat("netscape", (("text", "this message was undeliverable due to the following reason"),),
               reason_before=("due to the following reason:", "did not receive"),
               statuses=(("not reachable within the allowed queue period", "5.4.7"),
                         ("destination computer was not found", "5.1.2"),
                         ("destination mailbox was not found", "5.1.1"),
                         ("account is temporarily over quota", "5.2.2"))),
    # MDaemon (MDaemon Technologies): "*** ERROR: ... ---- session transcript ----"
    TextFormat("mdaemon", (("header:x-mdaemon-deliver-to", ""), ("from", "mdaemon"),
                           ("text", "mdaemon"))),
    # Ipswitch IMail: "Body of message generated response:"; its SMTP32 service signs "X-Mailer:
    # <SMTP32 v8.15>" and writes one line per recipient, "Unknown user: bob@example.net" (GNU
    # Mailman's smtp32 detector, flufl.bounce 6.0.0 _detectors/smtp32.py, and its test mails)
    TextFormat("imail", (("text", "body of message generated response"), ("header:x-mailer", "imail"),
                         ("header:x-mailer", "<smtp32 v"), ("text", "ipswitch")),
               statuses=(("unknown user", "5.1.1"), ("invalid final delivery userid", "5.1.1"),
                         ("user mailbox exceeds allowed size", "5.2.2"),
                         ("delivery failed", "5.4.7"), ("undeliverable to", "5.0.0"))),
    # Apache James: RemoteDelivery's bounce text, "Hi. This is the James mail server at ..."
    # (apache/james-project, server/mailet/.../RemoteDelivery.java), sent as a reply to the message
    TextFormat("apache-james", (("text", "this is the james mail server"),),
               starts=("reason why i was unable to deliver\nyour message.", "unable to deliver")),
    # Haraka (Node.js): outbound's bounce text "Hi. This is the Haraka Mailer program at ...", then
    # "Intended Recipients:" and "Failure Reason:" (as quoted in github.com/haraka/Haraka/issues/848)
    TextFormat("haraka", (("text", "this is the haraka mailer program"),),
               starts=("sorry it didn't work out.",)),
    # ZoneMTA (Node.js): Gmail-like words, and its own fields in the delivery-status part
    TextFormat("zonemta", (("status", "x-zonemta-queue-id"), ("header:x-zonemta-queue-id", ""))),
    # Sendmail: sendmail/savemail.c "----- The following addresses had permanent fatal errors -----"
    # (a multi-line reply is in its Diagnostic-Code and "(reason: ...)" by its first line alone, and
    # whole in the session transcript, "<<< 550-5.7.1 ...": tools/mining/mta_bounces.py spam-multiline)
    TextFormat("sendmail", (("text", "the following addresses had permanent fatal errors"),
                            ("text", "----- transcript of session follows -----"),
                            ("text", "the original message was received at"),
                            ("text", "the following addresses had transient non-fatal errors")),
               starts=("----- the following addresses had", "addresses had permanent fatal errors -----"),
               whole_reply=_transcript_reply),
)
