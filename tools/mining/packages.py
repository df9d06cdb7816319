"""The packages whose SMTP replies ``mine.py`` mines: folder under ``SRC_ROOT`` and where each
source came from (tools/mining/README.md says how to fetch each)."""
from __future__ import annotations

_DEBIAN = "Debian bookworm source package"
#: package -> (folder under SRC_ROOT, where the source came from)
PACKAGES: dict[str, tuple[str, str]] = {
    "postfix": ("postfix-3.7.11", f"{_DEBIAN} postfix 3.7.11-0+deb12u1"),
    "exim4": ("exim-4.96", f"{_DEBIAN} exim4 4.96-15+deb12u10"),
    "sendmail": ("sendmail-8.17.1.9", f"{_DEBIAN} sendmail 8.17.1.9-2+deb12u2"),
    "opensmtpd": ("opensmtpd-6.8.0p2", f"{_DEBIAN} opensmtpd 6.8.0p2-4"),
    "dovecot": ("dovecot-2.3.19.1", f"{_DEBIAN} dovecot 2.3.19.1+dfsg1 (with pigeonhole 0.5.19)"),
    "rspamd": ("rspamd-3.4", f"{_DEBIAN} rspamd 3.4-1"),
    "postgrey": ("postgrey-1.37", f"{_DEBIAN} postgrey 1.37"),
    "opendmarc": ("OpenDMARC-rel-opendmarc-1-4-2", f"{_DEBIAN} opendmarc 1.4.2"),
    "courier": ("courier/courier",
                "github:svarshavchik/courier @fe506ccc (Debian's orig tarball answered 404)"),
    "qpsmtpd": ("qpsmtpd-0.94", f"{_DEBIAN} qpsmtpd 0.94-5"),
    "cyrus-imapd": ("cyrus-imapd-3.6.1", f"{_DEBIAN} cyrus-imapd 3.6.1-4+deb12u4"),
    "smtp-server": ("node/smtp-server-3.21.7", "npm: smtp-server 3.21.7 (Nodemailer's SMTP server)"),
    "zone-mta": ("node/zone-mta-3.10.3", "npm: zone-mta 3.10.3"),
    "maddy": ("maddy", "github:foxcpp/maddy @837b1b8 (not packaged in Debian bookworm)"),
    "aiosmtpd": ("aiosmtpd", "PyPI: aiosmtpd 1.4.6"),
    "haraka": ("haraka/x", "npm: Haraka 3.3.4, haraka-dsn 1.2.1 and 29 haraka-plugin-* packages"),
    # round 3 (mined3): each split by tools/corpus_split.py on its source_id before evaluation
    "clamsmtp": ("clamsmtp-1.10", f"{_DEBIAN} clamsmtp 1.10-17.2"),
    "nullmailer": ("nullmailer-2.2", f"{_DEBIAN} nullmailer 1:2.2-4"),
    "opendkim": ("OpenDKIM-rel-opendkim-2-11-0-Beta2", f"{_DEBIAN} opendkim 2.11.0~beta2-8+deb12u1"),
    "gld": ("gld-1.7", f"{_DEBIAN} postfix-gld 1.7-9"),
    "postfwd": ("postfwd-1.35", f"{_DEBIAN} postfwd 1.35-8"),
    "slimta": ("pypi/python-slimta-5.0.5", "PyPI: python-slimta 5.0.5"),
    "salmon": ("pypi/salmon_mail-3.3.0", "PyPI: salmon-mail 3.3.0"),
    "mailman": ("pypi/mailman-3.3.10", "PyPI: mailman 3.3.10"),
    "mox": ("gh/mjl-+mox", "github:mjl-/mox @1c958766 (2026-08-19)"),
    "stalwart": ("gh/stalwartlabs+mail-server", "github:stalwartlabs/mail-server @55e62a68 (2025-06-15)"),
    "chasquid": ("gh/albertito+chasquid", "github:albertito/chasquid @ca2538b9 (2026-06-07; Debian's "
                 "tarball answered 404)"),
    "go-smtp": ("gh/emersion+go-smtp", "github:emersion/go-smtp @ab24fe7c (2025-07-08)"),
    "postal": ("gh/postalserver+postal", "github:postalserver/postal @8ef89606 (2026-04-28)"),
    "mailpit": ("gh/axllent+mailpit", "github:axllent/mailpit @408b30d5 (2026-07-20)"),
    "inbucket": ("gh/inbucket+inbucket", "github:inbucket/inbucket @e56c6d5f (2026-03-11)"),
    "hmailserver": ("gh/hmailserver+hmailserver", "github:hmailserver/hmailserver @4d11f81d (2025-04-20)"),
    "james": ("gh/apache+james-project", "github:apache/james-project @20bf8083 (2026-08-22)"),
    "kumomta": ("gh/KumoCorp+kumomta", "github:KumoCorp/kumomta @3ebc1e85 (2026-08-04)"),
    "greenmail": ("gh/greenmail-mail-test+greenmail",
                  "github:greenmail-mail-test/greenmail @659cd219 (2026-08-22)"),
    "subethasmtp": ("gh/davidmoten+subethasmtp", "github:davidmoten/subethasmtp @7a3e7cc8 (2026-02-26)"),
    "iredapd": ("gh/iredmail+iRedAPD",
                "github:iredmail/iRedAPD @60b2eed4 (2026-06-16; Postfix policy daemon)"),
    "spf-engine": ("pypi/spf-engine-3.1.0", "PyPI: spf-engine 3.1.0 (Postfix SPF policy server; Debian's "
                   "tarball answered 404)"),
    "go-guerrilla": ("gh/flashmob+go-guerrilla", "github:flashmob/go-guerrilla @858ac36f (2023-08-31)"),
    "mailhog": ("gh/mailhog+smtp", "github:mailhog/smtp @0c4e9b7e (2016-11-19; MailHog's SMTP replies)"),
    "mhale-smtpd": ("gh/mhale+smtpd", "github:mhale/smtpd @7a09bb83 (2024-05-08)"),
    "zimbra": ("gh/Zimbra+zm-mailbox", "github:Zimbra/zm-mailbox @2b7f9787 (2024-10-24)"),
    "twisted": ("pypi/twisted-24.11.0", "PyPI: twisted 24.11.0 (twisted.mail)"),
    "notqmail": ("gh/notqmail+notqmail", "github:notqmail/notqmail @a7012e4f (2024-12-26; qmail 1.03's "
                 "successor, not in Debian bookworm)"),
    "smtpserver-net": ("gh/cosullivan+SmtpServer", "github:cosullivan/SmtpServer @049b98ce (2025-05-28; "
                       ".NET SMTP server library)"),
    "chrj-smtpd": ("gh/chrj+smtpd", "github:chrj/smtpd @34ca6d40 (2026-08-22)"),
    "policyd-rate-limit": ("gh/nitmir+policyd-rate-limit", "github:nitmir/policyd-rate-limit @9ea423a2 "
                           "(2023-08-27; Debian's tarball answered 404)"),
    # round 4 (mined4, session 7): each split by tools/corpus_split.py on its source_id before evaluation
    "spamdyke": ("gh/chrisboulton+spamdyke", "github:chrisboulton/spamdyke @5785cb3e (2010-07-16; qmail "
                 "front end)"),
    "gen_smtp": ("gh/gen-smtp+gen_smtp", "github:gen-smtp/gen_smtp @185c54db (2025-01-24; Erlang)"),
    "midi-smtp-server": ("gh/4commerce-technologies-AG+midi-smtp-server",
                         "github:4commerce-technologies-AG/midi-smtp-server @c23736c1 (2023-08-16; Ruby)"),
    "lumisoft": ("gh/ststeiger+Lumisoft.Net.Core", "github:ststeiger/Lumisoft.Net.Core @26a7f2c4 "
                 "(2021-10-05; LumiSoft.Net's SMTP server, .NET)"),
    "samotop": ("gh/owenthewizard+samotop", "github:owenthewizard/samotop @8fcb883a (2023-12-07; Rust)"),
    "mimedefang": ("gh/The-McGrail-Foundation+MIMEDefang", "github:The-McGrail-Foundation/MIMEDefang "
                   "@52e0727e (2026-08-04; Debian's tarball answered 404)"),
    "milter-greylist": ("gh/ryoqun+milter-greylist", "github:ryoqun/milter-greylist @b0a03927 (2009-09-02)"),
    "sqlgrey": ("gh/mmatuska+sqlgrey", "github:mmatuska/sqlgrey @ae84f79e (2012-02-13; Postfix policy "
                "daemon)"),
    "pmg-api": ("gh/proxmox+pmg-api", "github:proxmox/pmg-api @09158948 (2026-06-11; Proxmox Mail Gateway)"),
    "smtp4dev": ("gh/rnwood+smtp4dev", "github:rnwood/smtp4dev @738a75ff (2026-03-15; .NET)"),
    "citadel": ("gh/mingodad+citadel", "github:mingodad/citadel @63a41edb (2016-06-21; Citadel's server)"),
    "eventmachine": ("deb/eventmachine-1.3~pre20220315-df4ab006",
                     f"{_DEBIAN} ruby-eventmachine 1.3~pre20220315-df4ab006-3 (EM::Protocols::SmtpServer)"),
    "net-server-mail": ("deb/Net-Server-Mail-0.28", f"{_DEBIAN} libnet-server-mail-perl 0.28-2"),
    "postfix-policyd-spf-perl": ("deb/postfix-policyd-spf-perl-2.011",
                                 f"{_DEBIAN} postfix-policyd-spf-perl 2.011-2"),
    "pymta": ("pypi/pymta-0.7.1", "PyPI: pymta 0.7.1"),
    "davmail": ("gh/mguessan+davmail", "github:mguessan/davmail @3b87d523 (2026-08-21; its SMTP gateway)"),
    "smtprelay": ("gh/decke+smtprelay", "github:decke/smtprelay @8c71f4f (2026-07-18; Go)"),
    "courier-pythonfilter": ("pypi/courier-pythonfilter-3.0.6", "PyPI: courier-pythonfilter 3.0.6 (Courier "
                             "filters)"),
    "go-smtpd": ("gh/bradfitz+go-smtpd", "github:bradfitz/go-smtpd @deb6d62 (2017-04-04; Go)"),
    "exim4-config": ("deb/exim4-config/debian/debconf/conf.d",
                     f"{_DEBIAN} exim4 4.96-15+deb12u10 (debian/ tarball: the exim4-config ACLs)"),
    "assp-ng": ("gh/pczerkas+assp-ng", "github:pczerkas/assp-ng @d0f3661 (2006-11-12; ASSP 1.2, the "
                "Anti-Spam SMTP Proxy)"),
    "qmail-ldap": ("gh/qmail-ldap+qmail-ldap", "github:qmail-ldap/qmail-ldap @33d8d0d (2022-08-30; qmail "
                   "with the LDAP patch)"),
    # round 5 (mined5, session 8): each split by tools/corpus_split.py on its source_id before evaluation
    "sagredo-qmail": ("gh/sagredo-dev+qmail", "github:sagredo-dev/qmail @302f308 (2026-03-10; netqmail with "
                      "chkuser, SPF, DKIM, greetdelay and other patches)"),
    "mailcow": ("gh/mailcow+mailcow-dockerized", "github:mailcow/mailcow-dockerized @0642467 "
                "(2026-08-05; its rspamd configuration)"),
    "emailrelay": ("gh/aclemons+emailrelay", "github:aclemons/emailrelay @c324139 (2026-02-02; E-MailRelay, "
                   "C++)"),
    "vsmtp": ("gh/viridIT+vSMTP", "github:viridIT/vSMTP @7121d6a (2022-07-27; Rust)"),
    "haraka-plugin-wildduck": ("gh/nodemailer+haraka-plugin-wildduck",
                               "github:nodemailer/haraka-plugin-wildduck @39d6569 (2025-01-30)"),
    "zonemta-wildduck": ("gh/nodemailer+zonemta-wildduck", "github:nodemailer/zonemta-wildduck @1f4fad5 "
                         "(2024-10-28)"),
    "modoboa": ("gh/modoboa+modoboa", "github:modoboa/modoboa @9ec7497 (2026-08-04; its policy daemon)"),
    "amavisd-milter": ("gh/prehor+amavisd-milter", "github:prehor/amavisd-milter @8ec3d54 (2023-06-23; "
                       "Debian's amavisd-new tarball answered 404)"),
    "mailu": ("gh/Mailu+Mailu", "github:Mailu/Mailu @bbb1c20 (2026-07-26; its Postfix and rspamd "
              "configuration)"),
    "mailinabox": ("gh/mail-in-a-box+mailinabox", "github:mail-in-a-box/mailinabox @b162b96 (2026-04-20; its "
                   "Postfix configuration)"),
    "iredmail": ("gh/iredmail+iRedMail", "github:iredmail/iRedMail @e0fe4fc (2026-05-14; its Postfix "
                 "configuration)"),
    "fuglu": ("pypi/fuglu-1.7.0", "PyPI: fuglu 1.7.0"),
    "filter-rspamd": ("gh/poolpOrg+filter-rspamd", "github:poolpOrg/filter-rspamd @c2cf7aa (2024-04-30; "
                      "OpenSMTPD filter)"),
    "filter-senderscore": ("gh/poolpOrg+filter-senderscore", "github:poolpOrg/filter-senderscore @e90a249 "
                           "(2021-08-14; OpenSMTPD filter)"),
    "filter-spfgreylist": ("gh/poolpOrg+filter-spfgreylist", "github:poolpOrg/filter-spfgreylist @8767f58 "
                           "(2024-09-19; OpenSMTPD filter)"),
    "filter-checksenderdomain": ("gh/poolpOrg+filter-checksenderdomain",
                                 "github:poolpOrg/filter-checksenderdomain @8a766ff (2020-03-25; OpenSMTPD "
                                 "filter)"),
    "spampd": ("gh/mpaperno+spampd", "github:mpaperno/spampd @b023c3b (2025-02-27; Debian's tarball "
               "answered 404)"),
    "proton-bridge": ("gh/ProtonMail+proton-bridge", "github:ProtonMail/proton-bridge @dbef40c (2025-06-12; "
                      "its SMTP server)"),
    "mailslurper": ("gh/mailslurper+mailslurper", "github:mailslurper/mailslurper @95aa534 (2025-09-26; Go)"),
    "emailengine": ("gh/postalsys+emailengine", "github:postalsys/emailengine @aea4535 (2026-08-22; its SMTP "
                    "submission server)"),
    "msmtp": ("deb/msmtp-1.8.28", "Debian trixie source package msmtp 1.8.28-3 (msmtpd)"),
    "courier-filter-perl": ("deb/courier-filter-perl-0.200+ds.orig",
                            f"{_DEBIAN} courier-filter-perl 0.200+ds-6 (Courier::Filter)"),
    "net-smtp-server": ("deb/SMTP-Server-1.1", f"{_DEBIAN} libnet-smtp-server-perl 1.1-7"),
    "opensmtpd-extras": ("deb/opensmtpd-extras-6.7.1+ds0", "Debian trixie source package opensmtpd-extras "
                         "6.7.1+ds0-1"),
    "pymilter": ("pypi/pymilter-1.0.5", "PyPI: pymilter 1.0.5 (its sample milters)"),
    "indimail": ("gh/mbhangui+indimail-mta", "github:mbhangui/indimail-mta @364a442 (2021-07-15; qmail's "
                 "successor with SPF, virus and spam filters)"),
    "mireka": ("gh/hontvari+mireka", "github:hontvari/mireka @e4d4aab (2021-09-26; Java mail server)"),
    "papercut": ("gh/ChangemakerStudios+Papercut-SMTP", "github:ChangemakerStudios/Papercut-SMTP @3ec0a2f "
                 "(2026-03-22; .NET)"),
    "mailin": ("gh/Flolagale+mailin", "github:Flolagale/mailin @fac7dcf (2017-04-18; Node)"),
    "milter-manager": ("gh/milter-manager+milter-manager", "github:milter-manager/milter-manager @0f0e09f "
                       "(2026-06-29)"),
    "mtpolicyd": ("gh/benningm+mtpolicyd", "github:benningm/mtpolicyd @23a4c60 (2020-08-24; Postfix policy "
                  "daemon)"),
    "tumgreyspf": ("gh/linsomniac+tumgreyspf", "github:linsomniac/tumgreyspf @53731a1 (2015-03-31; Postfix "
                   "policy daemon)"),
    "smf-spf": ("gh/jcbf+smf-spf", "github:jcbf/smf-spf @f8a6736 (2026-01-18; SPF milter)"),
    "policyd-weight": ("gh/policyd-weight+policyd-weight", "github:policyd-weight/policyd-weight @18d2e97 "
                       "(2025-09-28; Debian's tarball answered 404)"),
    "greylistd": ("gh/eurovibes+greylistd", "github:eurovibes/greylistd @00cc5b0 (2024-10-29; Debian's "
                  "tarball answered 404)"),
    "mailcatcher": ("gh/sj26+mailcatcher", "github:sj26/mailcatcher @18a9cb7 (2026-08-19; Ruby)"),
    "inbox-py": ("gh/kennethreitz+inbox.py", "github:kennethreitz/inbox.py @493f8d9 (2016-07-11)"),
    "opensmtpd-filter-greylistd": ("gh/jdelic+opensmtpd-filter-greylistd",
                                   "github:jdelic/opensmtpd-filter-greylistd @4097404 (2026-08-12)"),
    "clamav-milter": ("gh/Cisco-Talos+clamav", "github:Cisco-Talos/clamav @67a02aa (2026-07-01; its "
                      "clamav-milter folder)"),
    "vestacp": ("gh/serghey-rodin+vesta", "github:serghey-rodin/vesta @bba7400 (2020-12-10; its Exim "
                "configurations' ACLs)"),
    "mailfront": ("gh/bruceg+mailfront", "github:bruceg/mailfront @07d683b (2018-09-28; Bruce Guenter's SMTP "
                  "front end)"),
    "cpython-smtpd": ("cpython", f"{_DEBIAN} python3.11 3.11.2-6+deb12u6: Lib/smtpd.py"),
    # round 6 (mined6, session 9): each split by tools/corpus_split.py on its source_id before evaluation
    "milter-regex": ("gh/milter-regex+milter-regex",
                     "github:milter-regex/milter-regex @80adf5d (2023-01-15)"),
    "smtp-gated": ("gh/vpithart+smtp-gated", "github:vpithart/smtp-gated @09a7c73 (2021-12-14; transparent "
                   "SMTP proxy)"),
    "mini-smtp-server": ("gh/aarongough+mini-smtp-server", "github:aarongough/mini-smtp-server @04a7540 "
                         "(2021-04-21; Ruby)"),
    "mailscanner": ("gh/MailScanner+v5", "github:MailScanner/v5 @76589ee (2024-11-06; its milter)"),
    "filter-reputation": ("gh/poolpOrg+filter-reputation", "github:poolpOrg/filter-reputation @11c4cf3 "
                          "(2024-06-26; OpenSMTPD filter)"),
    "dkimproxy": ("gh/andrewaylett+dkimproxy", "github:andrewaylett/dkimproxy @d21319a (2011-01-12; "
                  "DKIMproxy 1.4)"),
    "kopano": ("gh/Kopano-dev+kopano-core", "github:Kopano-dev/kopano-core @76cf85b (2021-11-17; its "
               "dagent's LMTP server)"),
    "dkim-milter": ("gh/chatmail+dkim-milter", "github:chatmail/dkim-milter @2a6e60a (2026-01-06; Rust)"),
    "proxsmtp": ("deb/proxsmtp-1.10", f"{_DEBIAN} proxsmtp 1.10-4"),
    "mail-milter": ("deb/Mail-Milter-0.07", f"{_DEBIAN} libmail-milter-perl 0.07-2 (Mail::Milter's "
                    "sample milters)"),
    "authentication-milter": ("gh/fastmail+authentication_milter", "github:fastmail/authentication_milter "
                              "@8118580 (2026-05-19)"),
    "spamass-milter": ("gh/andybalholm+spamass-milter", "github:andybalholm/spamass-milter @c45f851 "
                       "(2024-05-09; Debian's tarball answered 404)"),
    "zmailer": ("gh/rzachariassen+zmailer", "github:rzachariassen/zmailer @70d34a5 (2023-02-21; its "
                "smtpserver)"),
}
