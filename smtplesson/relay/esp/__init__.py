"""The sending service on the mail network (``MailNetwork(esp=True)``): what an ESP adds.

* :mod:`.suppressions` -- who is not mailed again, why and on what evidence; reactivation;
* :mod:`.events` -- webhook-shaped events (processed, delivered, deferred, bounce, blocked,
  dropped, spamreport, unsubscribe);
* :mod:`.maillog` -- Postfix-format log lines for every hop's work;
* :mod:`.folders` -- the receiving MX's spam filter: Inbox, Junk or Quarantine, reasons in headers;
* :mod:`.unsubscribe` -- RFC 8058 one-click unsubscribe, a loopback HTTPS endpoint;
* :mod:`.complaints` -- RFC 5965 feedback reports and the receivers' feedback loops;
* :mod:`.service` -- :class:`~.service.Esp`, the layer the network calls.

Policies are data: ``smtplesson/relay/data/esp.json``.
"""
