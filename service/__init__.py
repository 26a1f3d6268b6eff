"""Wiring: the Litestar app, settings, database, auth, CLI, migrations and web pages."""
