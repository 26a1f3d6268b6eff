"""The outbox over STARTTLS against a real SMTP server (aiosmtpd) that requires it, with a
self-signed certificate made here: mail goes when the certificate is trusted
(``PLENARY_SMTP_CA_FILE``), and waits, never sent in the clear, when it is not."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from service.database import session_for
from service.signin.mailer import Outbox
from service.signin.settings import SignInSettings
from service.signin.store import enqueue_mail, mail_outbox
from tests.sessions import MovableClock
from tests.signin_mail import MailServer, free_port


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plenary test mail")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "mail.crt", folder / "mail.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsMailServer(MailServer):
    """Keeps each message and whether its session was encrypted."""

    encrypted: list[bool]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.encrypted.append(session.ssl is not None)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return _self_signed(tmp_path)


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[TlsMailServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = TlsMailServer(port=free_port())
    server.encrypted = []
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=server.port,
        tls_context=context,
        require_starttls=True,  # no mail without STARTTLS
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


async def _send_one(database_url: str, settings: SignInSettings) -> list[Any]:
    clock = MovableClock()
    async with session_for(database_url) as db:
        await enqueue_mail(db, to_address="m@x.example", subject="Hi", body="code", now=clock())
        await db.commit()
    engine = create_async_engine(database_url)
    try:
        assert await Outbox(engine, settings, clock).send_due() == 1
        async with engine.connect() as conn:
            return list((await conn.execute(select(mail_outbox))).all())
    finally:
        await engine.dispose()


async def test_mail_goes_over_starttls_to_a_server_whose_certificate_is_trusted(
    database_url: str, tls_server: TlsMailServer, certificate: tuple[Path, Path]
) -> None:
    settings = SignInSettings.from_env(
        {
            "PLENARY_SMTP_HOST": "127.0.0.1",
            "PLENARY_SMTP_PORT": str(tls_server.port),
            "PLENARY_SMTP_SECURITY": "starttls",
            "PLENARY_SMTP_CA_FILE": str(certificate[0]),
        }
    )
    (row,) = await _send_one(database_url, settings)
    (mail,) = await tls_server.wait_for(1)
    assert mail["To"] == "m@x.example"
    assert tls_server.encrypted == [True]
    assert row.sent_at is not None


async def test_an_untrusted_certificate_keeps_the_mail_waiting_not_sent_in_the_clear(
    database_url: str, tls_server: TlsMailServer
) -> None:
    settings = SignInSettings(
        smtp_host="127.0.0.1", smtp_port=tls_server.port, smtp_security="starttls"
    )
    (row,) = await _send_one(database_url, settings)
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.body == "code"
    assert tls_server.received == []
