"""Signing in for real: email links and codes from the roll, the token hand-off, sessions.

``settings`` reads the ``PLENARY_SESSION_*``, ``PLENARY_SIGN_IN_*`` and ``PLENARY_SMTP_*``
variables; ``state`` issues and checks the ``state`` that the token hand-off must carry.
"""
