"""LDAP as a library's identity source (ldap3): find the reader's entry, bind as it.

Config keys: ``uri`` (ldap://host:port), ``base_dn``, ``login_attribute`` (e.g. ``uid`` or
the card-number attribute), optional ``bind_dn``/``bind_password`` for the search,
``id_attribute`` (default ``uid``), ``name_attribute`` (``cn``), ``card_attribute``,
``timeout`` seconds (default 5), ``vouches_real_name`` (bool).
"""

from __future__ import annotations

import ldap3
from ldap3.core.exceptions import LDAPBindError, LDAPException
from ldap3.utils.conv import escape_filter_chars

from shuxiang.accounts.sources.base import (
    IdentitySourceBackend,
    SourceUnavailable,
    UpstreamIdentity,
)


def _first(entry: dict, name: str | None) -> str:
    if not name:
        return ""
    value = entry.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


class LdapSource(IdentitySourceBackend):
    """Search with a service account (or anonymously), then bind as the reader's DN."""

    def __init__(self, config, library) -> None:
        super().__init__(config, library)
        self.vouches_real_name = bool(config.get("vouches_real_name", False))

    def _server(self) -> ldap3.Server:
        return ldap3.Server(self.config["uri"], connect_timeout=self.config.get("timeout", 5))

    def _find(self, identifier: str) -> tuple[str, dict] | None:
        cfg = self.config
        attributes = [
            a
            for a in (cfg.get("id_attribute", "uid"), cfg.get("name_attribute", "cn"))
            + (cfg.get("card_attribute"),)
            if a
        ]
        search = f"({cfg.get('login_attribute', 'uid')}={escape_filter_chars(identifier)})"
        with ldap3.Connection(
            self._server(),
            user=cfg.get("bind_dn"),
            password=cfg.get("bind_password"),
            auto_bind=True,
            receive_timeout=cfg.get("timeout", 5),
        ) as conn:
            conn.search(cfg["base_dn"], search, attributes=attributes, size_limit=2)
            if len(conn.entries) != 1:
                return None
            entry = conn.entries[0]
            return entry.entry_dn, entry.entry_attributes_as_dict

    def _bind_as(self, dn: str, password: str) -> bool:
        try:
            with ldap3.Connection(self._server(), user=dn, password=password, auto_bind=True):
                return True
        except LDAPBindError:
            return False

    def authenticate(self, identifier: str, password: str) -> UpstreamIdentity | None:
        if not identifier or not password:  # an empty password would be an anonymous bind
            return None
        try:
            found = self._find(identifier)
            if found is None or not self._bind_as(found[0], password):
                return None
        except LDAPException as exc:
            raise SourceUnavailable(f"LDAP {self.config.get('uri')}: {exc}") from exc
        dn, entry = found
        cfg = self.config
        return UpstreamIdentity(
            external_id=_first(entry, cfg.get("id_attribute", "uid")) or dn,
            display_name=_first(entry, cfg.get("name_attribute", "cn")),
            card_number=_first(entry, cfg.get("card_attribute")),
            attributes={"dn": dn},
        )
