"""The seam for upstream identity sources: a small base class every kind implements.

A kind is registered by dotted path in ``settings.IDENTITY_SOURCE_KINDS``. Built here: the
node's own database (``local``) and LDAP (``ldap``). A SIP2 source (ILS self-check protocol:
patron status request 23 / response 24 with the patron password) or an upstream OIDC provider
(authorization-code redirect instead of a password) plugs in the same way: subclass
``IdentitySourceBackend``, implement ``authenticate`` (or, for redirect-based sources,
``begin_login``/``finish_login``), and add its dotted path to the setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UpstreamIdentity:
    """What an upstream source vouches for after checking a reader's credentials."""

    external_id: str
    display_name: str = ""
    card_number: str = ""
    real_name: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


class SourceUnavailable(Exception):
    """The upstream system could not be reached or answered nonsense."""


class IdentitySourceBackend:
    """Checks credentials against one library's upstream system.

    ``config`` is the ``IdentitySource.config`` JSON; ``library`` the library it serves.
    """

    #: Whether a successful check also vouches for the reader's real name.
    vouches_real_name = False

    def __init__(self, config: dict[str, Any], library) -> None:
        self.config = config
        self.library = library

    def authenticate(self, identifier: str, password: str) -> UpstreamIdentity | None:
        """Return the identity when the credentials are right, None when they are wrong.

        Raise SourceUnavailable when the upstream system cannot answer.
        """
        raise NotImplementedError

    def begin_login(self, request, return_to: str):  # pragma: no cover - seam for OIDC
        """Redirect-based sources (upstream OIDC) start their flow here."""
        raise NotImplementedError(f"{type(self).__name__} checks passwords; no redirect flow")
