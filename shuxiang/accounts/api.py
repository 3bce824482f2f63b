"""JSON API of accounts: registration, tokens, my data, virtual card, staff, OIDC clients."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from shuxiang.accounts import cards, inbox, login, oidc, privacy, registration, services, staff
from shuxiang.accounts.keys import card_public_key_pem
from shuxiang.accounts.models import ApiToken, User
from shuxiang.accounts.schemas import (
    AccountOut,
    CardIn,
    CardTokenIn,
    CardTokenOut,
    ClientIn,
    ClientOut,
    CountOut,
    GrantIn,
    InboxOut,
    LoginIn,
    MarkedOut,
    PasswordIn,
    QuickIn,
    RealNameIn,
    TokenInfoOut,
    TokenOut,
    VerifyIn,
    WhoAmIOut,
)
from shuxiang.accounts.services import issue_api_token
from shuxiang.core.api import AUTH, ErrorOut, Paging, actor_of, paginate
from shuxiang.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuxiang.core.http import client_ip
from shuxiang.network import scopes
from shuxiang.network.models import Library

router = Router(tags=["accounts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


def _library(code: str | None) -> Library | None:
    if not code:
        return None
    library = Library.objects.filter(code=code).first()
    if library is None:
        raise NotFound(f"No library has the code {code}.")
    return library


def _required_library(code: str) -> Library:
    """The library a request must name (an empty code is a field error, not a missing library)."""
    if not code.strip():
        raise ValidationFailed.single("library", _("Name a library by its code."), "required")
    return _library(code.strip())


@router.get("/accounts/whoami", response=WhoAmIOut, summary="Who is calling (masked)")
def whoami(request):
    actor = actor_of(request)
    if not getattr(actor, "is_authenticated", False):
        return {"authenticated": False, "account": None}
    return {"authenticated": True, "account": staff.masked(actor)}


@router.post("/accounts/register/quick", response={201: AccountOut, **ERRORS})
def register_quick(request, payload: QuickIn):
    user = registration.register_quick(
        payload.mobile, payload.password, library=_library(payload.library)
    )
    return Status(201, staff.masked(user))


@router.post("/accounts/register/real-name", response={201: AccountOut, **ERRORS})
def register_real_name(request, payload: RealNameIn):
    user = registration.register_real_name(
        payload.real_name,
        payload.id_number,
        payload.password,
        mobile=payload.mobile,
        library=_library(payload.library),
    )
    return Status(201, staff.masked(user))


@router.post(
    "/accounts/tokens",
    response={201: TokenOut, **ERRORS, 503: ErrorOut},
    summary="Log in for a token",
)
def create_token(request, payload: LoginIn):
    user = login.log_in(
        payload.identifier,
        payload.password,
        code=payload.otp,
        library=_library(payload.library),
        source=client_ip(request),
    )
    raw = issue_api_token(user, payload.token_name)
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    return Status(201, {**_token_out(token), "token": raw})


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


@router.get("/accounts/tokens", response={200: list[TokenInfoOut], **ERRORS}, auth=AUTH)
def list_tokens(request, user: str | None = None):
    """Your valid tokens, or (``user`` = public id) those of a person you administer."""
    owner = request.auth
    if user:
        owner = User.objects.filter(public_id=_uuid(user)).first()
        if owner is None:
            raise NotFound(_("No such account among the people you manage."))
    return [_token_out(token) for token in services.tokens_of(owner, by=request.auth)]


@router.delete("/accounts/tokens/{token_id}", response={204: None, **ERRORS}, auth=AUTH)
def revoke_token(request, token_id: int):
    services.revoke_api_token(token_id, by=request.auth)
    return Status(204, None)


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed.single("user", _("Not an account id."), "invalid") from None


@router.get("/accounts/me", response={200: AccountOut, **ERRORS}, auth=AUTH)
def me(request):
    return staff.masked(request.auth)


@router.post("/accounts/me/real-name", response={200: AccountOut, **ERRORS}, auth=AUTH)
def verify_real_name(request, payload: VerifyIn):
    user = registration.verify_real_name(
        request.auth, payload.real_name, payload.id_number, by=request.auth
    )
    return staff.masked(user)


@router.get("/accounts/me/export", response={200: dict, **ERRORS}, auth=AUTH)
def export(request):
    return privacy.export_data(request.auth, by=request.auth)


@router.post("/accounts/me/erase", response={204: None, **ERRORS}, auth=AUTH)
def erase(request, payload: PasswordIn):
    privacy.erase_account(request.auth, payload.password, by=request.auth)
    return Status(204, None)


def _message(m) -> dict:
    return {"source": m.source, "title": m.title, "body": m.body, "link": m.link,
            "created_at": m.created_at, "read": m.read_at is not None}  # fmt: skip


@router.get("/accounts/me/inbox", response={200: InboxOut, **ERRORS}, auth=AUTH,
            summary="My in-site messages (站内信), newest first")  # fmt: skip
def my_inbox(request, source: str = ""):
    rows = inbox.messages_of(request.auth, source=source[:32] or None)
    return {"unread": inbox.unread_count(request.auth), "messages": [_message(m) for m in rows]}


@router.post("/accounts/me/inbox/read", response={200: MarkedOut, **ERRORS}, auth=AUTH,
             summary="Mark my messages read (those of one source when given)")  # fmt: skip
def mark_inbox_read(request, source: str = ""):
    return {"marked": inbox.mark_read(request.auth, source=source[:32] or None)}


@router.post("/accounts/me/card-token", response={201: CardTokenOut, **ERRORS}, auth=AUTH)
def card_token(request):
    token = cards.issue_card_token(request.auth, by=request.auth)
    return Status(
        201,
        {
            "token": token.value,
            "expires_at": token.expires_at.isoformat(),
            "svg": cards.qr_svg(token.value),
        },
    )


@router.get("/accounts/card-key", summary="Public key terminals use to check card codes")
def card_key(request):
    return {"algorithm": "Ed25519", "public_key_pem": card_public_key_pem()}


@router.post("/accounts/card-tokens/verify", response={200: dict, **ERRORS}, auth=AUTH)
def verify_card(request, payload: CardTokenIn):
    if not staff.staff_libraries(request.auth) and not request.auth.is_superuser:
        raise PermissionDenied("Only library staff terminals verify reader cards.")
    reader = cards.verify_card_token(payload.token, by=request.auth)
    return {"reader": str(reader.public_id), "real_name_verified": reader.is_real_name}


@router.get("/accounts/readers", auth=AUTH, response={200: dict, **ERRORS})
def readers(request, paging: Query[Paging], library: str | None = None):
    queryset = staff.readers_visible_to(request.auth).order_by("-date_joined", "-id")
    if library:
        queryset = queryset.filter(scopes.in_subtree("home_library", _library(library)))
    result = paginate(queryset, paging.page, paging.page_size)
    result["results"] = [staff.masked(user) for user in result["results"]]
    return result


@router.get("/accounts/readers/{public_id}", auth=AUTH, response={200: AccountOut, **ERRORS})
def reader(request, public_id: str):
    return staff.masked(staff.reader_for(request.auth, public_id))


@router.get(
    "/accounts/readers/{public_id}/personal-data", auth=AUTH, response={200: dict, **ERRORS}
)
def personal_data(request, public_id: str, purpose: str = ""):
    return staff.view_personal_data(request.auth, public_id, purpose=purpose)


@router.post("/accounts/readers/{public_id}/cards", auth=AUTH, response={201: AccountOut, **ERRORS})
def issue_card(request, public_id: str, payload: CardIn):
    user = staff.reader_for(request.auth, public_id)
    staff.issue_card(user, _required_library(payload.library), payload.number, by=request.auth)
    return Status(201, staff.masked(staff.reader_for(request.auth, public_id)))


@router.post(
    "/accounts/readers/{public_id}/real-name", auth=AUTH, response={200: AccountOut, **ERRORS}
)
def verify_in_person(request, public_id: str, payload: VerifyIn):
    reader = staff.verify_in_person(request.auth, public_id, payload.real_name, payload.id_number)
    return staff.masked(reader)


@router.get("/accounts/personal-data-export", auth=AUTH, response={200: list[dict], **ERRORS})
def export_personal_data(request, library: str, purpose: str = ""):
    return staff.export_personal_data(request.auth, _required_library(library), purpose=purpose)


@router.get("/accounts/reader-stats", auth=AUTH, response={200: list[CountOut], **ERRORS})
def reader_stats(request):
    return staff.reader_counts(request.auth)


@router.post("/accounts/personal-data-grants", auth=AUTH, response={201: dict, **ERRORS})
def grant(request, payload: GrantIn):
    user = get_object_or_404(User, username=payload.username)
    grant = staff.grant_personal_data(
        user, _required_library(payload.library), payload.reason, by=request.auth
    )
    return Status(201, {"id": grant.pk, "library": payload.library, "user": user.username})


def _client_out(registration_row, secret: str | None = None) -> dict:
    app = registration_row.application
    return {
        "client_id": app.client_id,
        "name": app.name,
        "library": registration_row.library.code,
        "redirect_uris": app.redirect_uris.split(),
        "client_secret": secret,
        "skip_consent": app.skip_authorization,
        "skip_consent_pending": registration_row.skip_consent_pending,
    }


@router.post("/accounts/clients", auth=AUTH, response={201: ClientOut, **ERRORS})
def register_client(request, payload: ClientIn):
    app, secret = oidc.register_client(
        _required_library(payload.library),
        payload.name,
        payload.redirect_uris,
        post_logout_redirect_uris=payload.post_logout_redirect_uris,
        confidential=payload.confidential,
        skip_consent=payload.skip_consent,
        by=request.auth,
    )
    return Status(201, _client_out(app.registration, secret))


@router.get("/accounts/clients", auth=AUTH, response=list[ClientOut])
def list_clients(request):
    return [_client_out(row) for row in oidc.clients_of(request.auth)]


@router.post(
    "/accounts/clients/{client_id}/skip-consent", auth=AUTH, response={200: ClientOut, **ERRORS}
)
def approve_skip_consent(request, client_id: str):
    """A national or provincial center lets the client sign readers in without consent."""
    return _client_out(oidc.approve_skip_consent(client_id, by=request.auth))
