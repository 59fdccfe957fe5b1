"""Outgoing mail: messages with a plain-text and an HTML body from templates (``compose``), sent
through the operator's SMTP server (``smtp``). Requests never send mail themselves: the worker does,
as jobs (retried when the server is briefly unavailable)."""
