#!/bin/sh
# Write real bounces for the bounce corpus with each Debian MTA in turn
# (tools/mining/mta_bounces.py): install one, run the cases, purge exactly the packages its
# installation added, restore /etc/hosts.  Run as root on Debian:  sh tools/mining/mta_bounces.sh STAGE
# (MTAS="sendmail:sendmail" and CASES="a,b" restrict the run; ARGS="--downgrade" is passed to l10n_bounces.py; Sendmail takes at most 25 cases at once;
# WAIT=45 for dma, which keeps deferred mail for days: only its refusals bounce)
set -eu
STAGE=${1:?usage: mta_bounces.sh STAGE}
PY=${PYTHON:-.venv/bin/python}
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
cp /etc/hosts /tmp/mta_bounces.hosts
# /etc/mailname (OpenSMTPD's set-up writes it) is put back as it was
if [ -e /etc/mailname ]; then cp /etc/mailname /tmp/mta_bounces.mailname; else rm -f /tmp/mta_bounces.mailname; fi
trap 'cp /tmp/mta_bounces.hosts /etc/hosts; userdel -r alice 2>/dev/null || true
      if [ -e /tmp/mta_bounces.mailname ]; then cp /tmp/mta_bounces.mailname /etc/mailname; else rm -f /etc/mailname; fi' EXIT INT TERM
sed -i '1i 127.0.1.1 mta.example.org '"$(hostname)" /etc/hosts
# (session 5: dma, nullmailer (nullmailer_bounces.py), and amavisd-new with SpamAssassin as a content filter: amavis_bounces.py;
#  session 6: Dovecot's delivery agent, MTAS=dovecot:dovecot-core,dovecot-sieve: dovecot_bounces.py;
#  Postfix on internationalised mail, MTAS=utf8:postfix: utf8_bounces.py;
#  session 9: Postfix with localised bounce templates, MTAS=l10n:postfix: l10n_bounces.py)
for pair in ${MTAS:-postfix:postfix exim:exim4-daemon-light opensmtpd:opensmtpd sendmail:sendmail courier:courier-mta dma:dma nullmailer:nullmailer amavis:amavisd-new,spamassassin}; do
    mta=${pair%%:*}; packages=$(echo "${pair#*:}" | tr ',' ' ')
    dpkg-query -W -f='${Package}\n' | sort > /tmp/mta_bounces.before
    opts=""; if [ "$mta" = amavis ]; then opts=--no-install-recommends; fi  # amavis: no AV scanners
    # shellcheck disable=SC2086
    apt-get install -y -qq $opts $packages >/dev/null
    if [ "$mta" = amavis ] || [ "$mta" = nullmailer ] || [ "$mta" = dovecot ] || [ "$mta" = utf8 ] || [ "$mta" = l10n ]; then
        "$PY" "tools/mining/${mta}_bounces.py" "$STAGE" ${ARGS:-} || echo "$mta failed" >&2
    elif [ "${mta#utf8-}" != "$mta" ]; then  # utf8-exim, utf8-courier: another MTA on internationalised mail
        "$PY" tools/mining/utf8_bounces.py "$STAGE" --mta "${mta#utf8-}" || echo "$mta failed" >&2
    else
        "$PY" tools/mining/mta_bounces.py "$mta" "$STAGE" --cases "${CASES:-}" --wait "${WAIT:-120}" || echo "$mta failed" >&2
    fi
    dpkg-query -W -f='${Package}\n' | sort | comm -13 /tmp/mta_bounces.before - | xargs -r apt-get purge -y -qq >/dev/null
done
