"""API shapes of accounts: inputs are validated by the services, outputs are masked."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class CardOut(Schema):
    library: str | None
    number: str


class AccountOut(Schema):
    """A reader as every list and page shows them: personal data masked."""

    id: str
    username: str
    display_name: str
    home_library: str | None
    real_name: str
    id_number: str
    mobile: str
    real_name_method: str
    reader_cards: list[CardOut]
    date_joined: str
    is_active: bool


class WhoAmIOut(Schema):
    authenticated: bool
    account: AccountOut | None = None


class QuickIn(Schema):
    mobile: str
    password: str
    library: str | None = None


class RealNameIn(Schema):
    real_name: str
    id_number: str
    password: str
    mobile: str = ""
    library: str | None = None


class VerifyIn(Schema):
    real_name: str
    id_number: str


class LoginIn(Schema):
    identifier: str
    password: str
    library: str | None = None
    token_name: str = "api"
    otp: str = ""


class TokenInfoOut(Schema):
    """An API token as listed: never the token itself."""

    id: int
    name: str
    created_at: str
    expires_at: str | None


class TokenOut(TokenInfoOut):
    token: str


class PasswordIn(Schema):
    password: str


class CardTokenOut(Schema):
    token: str
    expires_at: str
    svg: str


class CardTokenIn(Schema):
    token: str


class CardIn(Schema):
    library: str
    number: str


class ClientIn(Schema):
    library: str
    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = []
    confidential: bool = True
    skip_consent: bool = False


class ClientOut(Schema):
    client_id: str
    name: str
    library: str
    redirect_uris: list[str]
    client_secret: str | None = None
    skip_consent: bool = False
    skip_consent_pending: bool = False


class GrantIn(Schema):
    username: str
    library: str
    reason: str


class CountOut(Schema):
    library: str
    name: str
    readers: int


class MessageOut(Schema):
    source: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


class InboxOut(Schema):
    unread: int
    messages: list[MessageOut]


class MarkedOut(Schema):
    marked: int
