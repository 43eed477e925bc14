"""The embedded default's e-mail: each message in a file of its own under ``var/mail/``.

Django's file backend writes every message sent through one connection into one file, named
to the second: a crisis broadcast's 200 messages land in one file, and two connections opened
in the same second share one. Here each message gets its own file, ``<time to the
microsecond>-<random>.eml``, holding the message as it would go over SMTP, so that a person
trying Vigil can open the mail of one recipient (a check-in link, a reset link) by itself."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    _fname: str | None

    def _get_filename(self) -> str:
        if self._fname is None:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
            self._fname = os.path.join(self.file_path, f"{stamp}-{secrets.token_hex(4)}.eml")
        return str(self._fname)

    def close(self) -> None:
        """Closes the current file; one opened for nothing (a connection opened before its
        messages, each of which gets a file of its own) is removed."""
        name, had_file = self._fname, self.stream is not None
        super().close()
        if had_file and name and os.path.exists(name) and os.path.getsize(name) == 0:
            os.remove(name)

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        sent = 0
        for message in email_messages:
            if self.stream is not None:  # a connection the caller opened: close this file
                self.close()
            self._fname = None
            sent += super().send_messages([message])
        return sent
