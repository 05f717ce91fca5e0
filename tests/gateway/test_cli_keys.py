"""`mcpcloud keys`: keys belong to principals, a second key of a person is the same principal,
revoked keys stop authenticating."""

from __future__ import annotations

import uuid

from typer.testing import CliRunner

from shared.db.session import session_scope

from services.gateway.auth import resolve_principal
from services.gateway.cli import app


def test_keys_create_for_a_principal_then_revoke(database):
    cli = CliRunner()
    person = f"frank-{uuid.uuid4().hex[:6]}"
    first = cli.invoke(app, ["keys", "create", f"{person}-laptop", "--role", "approver", "--principal", person])
    assert first.exit_code == 0, first.output
    second = cli.invoke(app, ["keys", "create", f"{person}-ci", "--role", "requester", "--principal", person])
    assert second.exit_code == 0, second.output
    wider = cli.invoke(app, ["keys", "create", f"{person}-root", "--role", "admin", "--principal", person])
    assert wider.exit_code == 2 and "more than its principal's role" in wider.output

    with session_scope() as session:
        laptop, ci = resolve_principal(session, first.output.strip()), resolve_principal(session, second.output.strip())
    assert laptop.id == ci.id and laptop.name == person
    assert (laptop.role.value, ci.role.value, ci.key_name) == ("approver", "requester", f"{person}-ci")

    revoked = cli.invoke(app, ["keys", "revoke", f"{person}-ci"])
    assert revoked.exit_code == 0, revoked.output
    with session_scope() as session:
        assert resolve_principal(session, second.output.strip()) is None
        assert resolve_principal(session, first.output.strip()) is not None
