"""Which value applies: the resolution rule, in one place for the server and the client.

A query names up to three scope values (env, service, tenant); a missing one is None.
A row *matches* when each of its non-NULL scope columns equals the query's value (a
NULL column matches anything; a query value of None matches only NULL columns). Of the
enabled matching rows, the most specific wins, ranked lexicographically by
(tenant set, service set, env set):

    tenant+service+env > tenant+service > tenant+env > tenant > service+env > service > env > global

So any tenant-scoped row beats any row without a tenant, then service beats env. Two
matching rows can never tie: equal rank means the same non-NULL columns holding the
query's values, i.e. the same scope, and (scope, key) is unique. Disabled rows are
skipped, so disabling an override falls back to the next most specific value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select

from shared.db.models_config import ConfigItem


@dataclass(frozen=True)
class Scope:
    env: str | None = None
    service: str | None = None
    tenant: str | None = None

    def cache_field(self) -> str:
        return "\x1f".join(part or "" for part in (self.env, self.service, self.tenant))


def rank(item: ConfigItem) -> tuple[bool, bool, bool]:
    return (item.scope_tenant is not None, item.scope_service is not None, item.scope_env is not None)


def _column_matches(column, wanted: str | None):
    return column.is_(None) if wanted is None else or_(column.is_(None), column == wanted)


def matching(scope: Scope, *, key: str | None = None, prefix: str | None = None) -> Select:
    """Enabled rows that match `scope`, for one key or every key starting with `prefix`."""
    query = select(ConfigItem).where(
        ConfigItem.enabled.is_(True),
        and_(_column_matches(ConfigItem.scope_env, scope.env),
             _column_matches(ConfigItem.scope_service, scope.service),
             _column_matches(ConfigItem.scope_tenant, scope.tenant)),
    )
    if key is not None:
        return query.where(ConfigItem.key == key)
    return query.where(ConfigItem.key.startswith(prefix or "", autoescape=True))


def most_specific(rows: Sequence[ConfigItem]) -> dict[str, ConfigItem]:
    """The winning row per key."""
    best: dict[str, ConfigItem] = {}
    for row in rows:
        if row.key not in best or rank(row) > rank(best[row.key]):
            best[row.key] = row
    return best
