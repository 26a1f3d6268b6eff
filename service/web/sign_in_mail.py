"""The sign-in mail, in the language of the page that asked for it."""

from __future__ import annotations

from service.signin.codes import display_code
from service.web.i18n import translator

__all__ = ["compose_sign_in_mail"]


def compose_sign_in_mail(language: str, code: str, link: str, minutes: int) -> tuple[str, str]:
    """``(subject, body)`` of the mail carrying ``code`` and the ``link`` that holds it."""
    _ = translator(language)
    subject = _("Your sign-in link for Plenary")
    body = "\n\n".join(
        [
            _("Someone asked to sign in to Plenary with this address. If it was you, open:"),
            link,
            _("Or type this code on the sign-in page: {code}", code=display_code(code)),
            _(
                "The link and the code work once, for {minutes} minutes. If you did not ask, "
                "ignore this mail: nobody can sign in without it.",
                minutes=minutes,
            ),
        ]
    )
    return subject, body + "\n"
