"""The mail outbox runner: sends what ``mail_outbox`` holds over SMTP, retrying with back-off.

Each service process runs one :class:`Outbox` in the app's lifespan. A round claims up to
:data:`BATCH` due mails ``FOR UPDATE SKIP LOCKED`` (so processes never send one mail twice),
sends them over one SMTP connection with ``aiosmtplib`` (``PLENARY_SMTP_*``: host, port,
STARTTLS or implicit TLS, login) and, in the same transaction, marks each sent (its body,
which holds a sign-in code, is cleared) or failed (tried again after 5 s, doubling to 15
minutes). A mail queued by this process wakes the runner at once; otherwise it looks once a
second, so mail queued elsewhere or left by a crash goes out too. With
``PLENARY_MAIL_COPY_DIR`` (the demo) each mail is also written there as ``.eml`` and printed
on the console, and with no SMTP host that copy counts as delivery. With neither, mail waits
in the outbox and the runner says so once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from email.header import Header
from email.mime.text import MIMEText
from typing import Final

import aiosmtplib
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.database import engine_options
from service.sessions.rules import Clock
from service.signin.settings import SignInSettings
from service.signin.store import OutgoingMail, claim_due_mail, mail_failed, mail_sent

__all__ = ["BATCH", "POLL_SECONDS", "Outbox", "mail_outbox_lifespan", "retry_delay"]

BATCH: Final = 200
POLL_SECONDS: Final = 1.0
_STOP_SECONDS: Final = 5.0
_SMTP_TIMEOUT: Final = 30.0

_MIME: Final = {"content-type", "content-transfer-encoding", "mime-version"}

_log = logging.getLogger("plenary.mail")


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: 5 s, doubling, at most 15 min."""
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts, 0), 900))


def _message(mail: OutgoingMail, sender: str) -> MIMEText:
    """The mail as sent. The compat32 classes, not ``MIMEText``: its header registry
    costs milliseconds a mail, which a conference morning's thousands of mails notice."""
    message = MIMEText(mail.body, "plain", "utf-8")
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = (
        mail.subject if mail.subject.isascii() else Header(mail.subject, "utf-8").encode()
    )
    message["Date"] = email.utils.format_datetime(mail.created_at)
    message["Message-ID"] = email.utils.make_msgid(domain="plenary")
    message["Auto-Submitted"] = "auto-generated"
    return message


class Outbox:
    """Sends the outbox. ``wake()`` after queueing mail; ``run(stop)`` until ``stop`` is set."""

    def __init__(self, engine: AsyncEngine, settings: SignInSettings, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self._wake = asyncio.Event()
        self._said_waiting = False

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    def _copy(self, mail: OutgoingMail, message: MIMEText) -> None:
        folder = self.settings.mail_copy_dir
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        # Written readable (no quoted-printable), so the link can be copied straight out.
        readable = "".join(
            f"{k}: {mail.subject if k == 'Subject' else v}\n"
            for k, v in message.items()
            if k.lower() not in _MIME
        )
        (folder / f"{mail.id:08d}.eml").write_text(f"{readable}\n{mail.body}", encoding="utf-8")
        # The demo's console copy: a newcomer with no mail server reads the link here.
        print(f"\n--- mail {mail.id} to {mail.to_address}: {mail.subject}\n{mail.body}", flush=True)

    async def _deliver(
        self, mails: list[tuple[OutgoingMail, MIMEText]]
    ) -> tuple[list[int], list[tuple[OutgoingMail, str]]]:
        s = self.settings
        if s.smtp_host is None:  # the demo: the copy in the folder is the delivery
            return [m.id for m, _ in mails], []
        sent: list[int] = []
        failed: list[tuple[OutgoingMail, str]] = []
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
            username=s.smtp_user,
            password=s.smtp_password,
            timeout=_SMTP_TIMEOUT,
        )
        try:
            async with smtp:
                for mail, message in mails:
                    try:
                        await smtp.send_message(message)
                        sent.append(mail.id)
                    except aiosmtplib.SMTPResponseException as exc:
                        failed.append((mail, f"{exc.code} {exc.message}"))
        except (OSError, aiosmtplib.SMTPException, TimeoutError) as exc:
            done = set(sent)
            failed += [(m, type(exc).__name__) for m, _ in mails if m.id not in done]
        return sent, failed

    async def send_due(self) -> int:
        """One round: send what is due; how many mails were claimed."""
        if self.settings.smtp_host is None and self.settings.mail_copy_dir is None:
            if not self._said_waiting:
                _log.warning("mail waits in the outbox: set PLENARY_SMTP_HOST to send it")
                self._said_waiting = True
            return 0
        now = self.clock()
        async with self.engine.begin() as conn:
            due = await claim_due_mail(conn, now=now, limit=BATCH)
            if not due:
                return 0
            mails = [(m, _message(m, self.settings.mail_from)) for m in due]
            for mail, message in mails:
                self._copy(mail, message)
            sent, failed = await self._deliver(mails)
            await mail_sent(conn, sent, now=self.clock())
            for mail, error in failed:
                wait = retry_delay(mail.attempts)
                await mail_failed(conn, mail.id, retry_at=self.clock() + wait, error=error)
                _log.warning(
                    "mail %s not sent (attempt %s, %s); trying again in %s s",
                    mail.id,
                    mail.attempts + 1,
                    error,
                    int(wait.total_seconds()),
                )
        return len(due)

    async def run(self, stop: asyncio.Event) -> None:
        """Send due mail until ``stop`` is set; errors are logged and the loop goes on."""
        while not stop.is_set():
            claimed = 0
            try:
                claimed = await self.send_due()
            except Exception as exc:
                _log.warning("mail outbox round failed (retrying): %r", exc)
            if claimed >= BATCH:
                continue
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            _, pending = await asyncio.wait(
                {waiter, stopper}, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()


@asynccontextmanager
async def mail_outbox_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the outbox while the app runs; ``app.state.mail_outbox`` is the :class:`Outbox`."""
    from service.web.session import clock_of

    settings = app.state.settings
    database_url = settings.database
    engine = create_async_engine(
        database_url, pool_size=2, max_overflow=0, **engine_options(settings)
    )
    outbox = Outbox(engine, SignInSettings.for_service(settings), lambda: clock_of(app.state)())
    app.state.mail_outbox = outbox
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(stop), name="mail-outbox")
    try:
        yield
    finally:
        stop.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=_STOP_SECONDS)
        await engine.dispose()
