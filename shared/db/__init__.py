"""Postgres access: models, sessions, migrations."""
