"""Bounces written by mail providers: Gmail, Google Groups, Microsoft 365, Outlook.com,
Yahoo, AOL, iCloud, Amazon SES, SendGrid, Zoho.

Providers run well-known MTAs underneath, so a signature here is what is theirs: the
sender, the reporting host or their own words (each from the provider's public help
pages and public bounces; see the fixtures' README).
"""
from __future__ import annotations

from .text import TextFormat

__all__ = ["FORMATS"]

FORMATS = (
    # https://support.google.com/groups/answer/ - "the group you tried to contact ... may not exist"
    TextFormat("google-groups", (("from", "googlemail.com"), ("from", "google.com"),
                                 ("text", "the group you tried to contact")), kind="provider",
               check=lambda mail: "the group you tried to contact" in mail.lower_text),
    # Gmail: From "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
    TextFormat("gmail", (("from", "mailer-daemon@googlemail.com"), ("from", "mailer-daemon@google.com"),
                         ("mta", "googlemail.com"), ("text", "delivery to the following recipient failed"),
                         ("text", "your message wasn't delivered to")), kind="provider",
               starts=("delivery to the following recipient", "your message wasn't delivered to",
                       "there was a temporary problem delivering your message to",
                       "message not delivered")),
    # Outlook.com (consumer): postmaster@outlook.com / hotmail.com
    TextFormat("outlook", (("from", "postmaster@outlook.com"), ("from", "postmaster@hotmail.com"),
                           ("from", "postmaster@live.com"), ("from", "postmaster@msn.com")),
               kind="provider", starts=("delivery has failed to these recipients or groups:",),
               stops=("original message headers:",)),
    # Microsoft 365 / Exchange Online (learn.microsoft.com "Email non-delivery reports in Exchange Online")
    TextFormat("microsoft365", (("mta", "prod.outlook.com"), ("mta", "protection.outlook.com"),
                                ("text", "prod.outlook.com"), ("text", "protection.outlook.com"),
                                ("header:x-ms-exchange-crosstenant-id", "")), kind="provider",
               starts=("delivery has failed to these recipients or groups:",
                       "diagnostic information for administrators:"),
               stops=("original message headers:",)),
    # Yahoo / AOL (one platform): "Sorry, we were unable to deliver your message to the following address."
    TextFormat("aol", (("from", "@aol.com"), ("mta", "aol.com")), kind="provider",
               starts=("to the following address.", "the following addresses:")),
    TextFormat("yahoo", (("from", "yahoo"), ("mta", "yahoo"),
                         ("text", "sorry, we were unable to deliver your message to the following address")),
               kind="provider", starts=("to the following address.",)),
    # Apple iCloud Mail (Postfix-based): mailer-daemon@icloud.com / me.com / mac.com
    TextFormat("icloud", (("from", "icloud.com"), ("from", "@me.com"), ("from", "@mac.com"),
                          ("mta", "icloud.com"), ("mta", "apple.com")), kind="provider",
               starts=("it's attached below.", "attached below."), stops=("reporting-mta:",)),
    # Amazon SES: MAILER-DAEMON@amazonses.com (docs.aws.amazon.com/ses "bounce notifications")
    TextFormat("amazon-ses", (("from", "amazonses.com"), ("mta", "amazonses.com"),
                              ("message-id", "amazonses.com")), kind="provider",
               starts=("to the following recipients:", "following recipients:")),
    # SendGrid: "This is an automatically generated message from SendGrid."
    TextFormat("sendgrid", (("text", "automatically generated message from sendgrid"),
                            ("from", "sendgrid"), ("header:x-sg-eid", "")), kind="provider",
               starts=("please contact sendgrid support.", "intended recipients.")),
    # Zoho Mail: mailer-daemon@*.zoho.com, "ERROR CODE :550 - ..."
    TextFormat("zoho", (("from", "zoho"), ("mta", "zoho"), ("header:x-zohomail", ""),
                        ("text", "error code :")), kind="provider"),
)
