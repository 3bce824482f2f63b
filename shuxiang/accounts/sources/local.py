"""The node's own database as a library's identity source: card number + password."""

from __future__ import annotations

from shuxiang.accounts import person_ids, pii
from shuxiang.accounts.models import ReaderCard
from shuxiang.accounts.sources.base import IdentitySourceBackend, UpstreamIdentity


class LocalSource(IdentitySourceBackend):
    """Readers holding a card of this library, with the password stored on this node."""

    def authenticate(self, identifier: str, password: str) -> UpstreamIdentity | None:
        card = (
            ReaderCard.objects.select_related("user")
            .filter(
                library=self.library,
                number_hash=pii.lookup_hash(person_ids.compact(identifier).upper()),
                user__is_active=True,
            )
            .first()
        )
        if card is None or not card.user.check_password(password):
            return None
        return UpstreamIdentity(
            external_id=str(card.user.public_id),
            display_name=card.user.display_name,
            card_number=card.number,
        )
