"""The pure rules of emailed sign-in: codes, what people type, and the settings."""

from __future__ import annotations

import pytest

from service.settings import SettingsError
from service.signin.codes import (
    CODE_LENGTH,
    code_digest,
    display_code,
    new_code,
    normalise_code,
    normalise_target,
)
from service.signin.settings import SignInSettings


def test_codes_are_random_and_typing_them_is_forgiving() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert len(code) == CODE_LENGTH
    shown = display_code(code)
    assert normalise_code(shown) == code
    assert normalise_code(f" {shown.lower()} ") == code
    assert normalise_code("O1IL0-00000") == "0111000000"
    assert normalise_code("short") is None
    assert normalise_code("UUUUU-UUUUU") is None  # U is not in Crockford's alphabet
    assert code_digest(code) != code_digest(new_code())


def test_what_a_member_types_is_an_email_or_a_membership_number() -> None:
    assert normalise_target(" Ann@Party.Example ") == ("email", "ann@party.example")
    assert normalise_target("M00001") == ("number", "M00001")
    assert normalise_target("") is None
    assert normalise_target("two words") is None
    assert normalise_target("x" * 400) is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PLENARY_SESSION_IDLE", "soon"),
        ("PLENARY_SESSION_MAX", "0"),
        ("PLENARY_SIGN_IN_LINK_TTL", "-5"),
        ("PLENARY_SMTP_SECURITY", "ssl3"),
    ],
)
def test_a_sign_in_setting_the_service_cannot_use_is_refused_naming_it(
    variable: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        SignInSettings.from_env({variable: value})


def test_implicit_tls_defaults_to_port_465() -> None:
    assert SignInSettings.from_env({"PLENARY_SMTP_SECURITY": "tls"}).smtp_port == 465
    assert SignInSettings.from_env({}).smtp_port == 587
