"""Hierarchical administration of readers (数据分层管理).

Staff see readers whose home library lies in their subtree. National-center roles see
aggregates only, unless a :class:`PersonalDataGrant` opens a subtree explicitly. A reader
outside the actor's scope is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shuxiang.accounts import person_ids, pii
from shuxiang.accounts.models import PersonalDataGrant, ReaderCard, User
from shuxiang.accounts.registration import record_real_name
from shuxiang.core import audit
from shuxiang.core.actors import is_system
from shuxiang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuxiang.network.models import PATH_SEPARATOR, Library


def _unrestricted(actor) -> bool:
    return is_system(actor) or bool(getattr(actor, "is_superuser", False))


def staff_libraries(actor) -> list[Library]:
    """Libraries where ``actor`` holds any staff role (admin or librarian)."""
    if not getattr(actor, "is_authenticated", False) or is_system(actor):
        return []
    return list(Library.objects.filter(staff_roles__user=actor).distinct())


def personal_data_scopes(actor) -> list[Library]:
    """Subtrees whose readers' personal data ``actor`` may see."""
    scopes = [lib for lib in staff_libraries(actor) if lib.level != Library.Level.NATIONAL]
    if getattr(actor, "pk", None):
        scopes += [g.library for g in PersonalDataGrant.objects.filter(user=actor)]
    return scopes


def readers_visible_to(actor) -> QuerySet[User]:
    """Readers ``actor`` may list (masked) and open; PermissionDenied when none."""
    readers = (
        User.objects.filter(erased_at__isnull=True)
        .select_related("home_library")
        .prefetch_related("reader_cards__library")
    )
    if _unrestricted(actor):
        return readers
    scopes = personal_data_scopes(actor)
    if not scopes:
        if staff_libraries(actor):
            raise PermissionDenied(
                _("National-center roles see reader aggregates only; personal data needs a grant.")
            )
        raise PermissionDenied(_("Only library staff can see readers."))
    condition = Q(pk__in=[])
    for scope in scopes:
        condition |= Q(home_library__path__startswith=scope.path)
    return readers.filter(condition)


def reader_for(actor, public_id) -> User:
    """One reader in ``actor``'s scope (NotFound otherwise, whether or not it exists)."""
    reader = readers_visible_to(actor).filter(public_id=public_id).first()
    if reader is None:
        raise NotFound(_("No such reader in the libraries you manage."))
    return reader


def masked(user: User) -> dict:
    """What lists, pages and API responses show about a reader: masks only."""
    cards = [
        {"library": c.library.code, "number": pii.mask_card(c.number)}
        for c in user.reader_cards.all()
    ]
    return {
        "id": str(user.public_id),
        "username": user.username,
        "display_name": user.display_name,
        "home_library": user.home_library.code if user.home_library_id else None,
        "real_name": pii.mask_name(pii.decrypt(user.real_name_enc)),
        "id_number": pii.mask_id_number(pii.decrypt(user.id_number_enc)),
        "mobile": pii.mask_mobile(pii.decrypt(user.mobile_enc)),
        "real_name_method": user.real_name_method,
        "real_name_status": str(user.get_real_name_method_display()),
        "reader_cards": cards,
        "date_joined": user.date_joined.isoformat(),
        "is_active": user.is_active,
    }


def unmasked(user: User) -> dict:
    """The reader's personal data in clear (callers audit every use)."""
    data = masked(user)
    data.update(
        real_name=pii.decrypt(user.real_name_enc),
        id_number=pii.decrypt(user.id_number_enc),
        mobile=pii.decrypt(user.mobile_enc),
        reader_cards=[
            {"library": c.library.code, "number": c.number} for c in user.reader_cards.all()
        ],
    )
    return data


@transaction.atomic
def view_personal_data(actor, public_id, *, purpose: str = "") -> dict:
    """A reader's personal data for staff in scope; writes an audit row first."""
    reader = reader_for(actor, public_id)
    audit.record(actor, "accounts.view_personal_data", reader, purpose=purpose)
    return unmasked(reader)


def reader_counts(actor) -> list[dict]:
    """Readers per provincial subtree within what ``actor`` administers (no personal data)."""
    scopes = [] if _unrestricted(actor) else staff_libraries(actor)
    if not _unrestricted(actor) and not scopes:
        raise PermissionDenied(_("Only library staff can see reader statistics."))
    rows = (
        User.objects.filter(erased_at__isnull=True, home_library__isnull=False)
        .values("home_library__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[str, int] = {}
    for row in rows:
        path = row["home_library__path"]
        if scopes and not any(path.startswith(s.path) for s in scopes):
            continue
        segments = [s for s in path.split(PATH_SEPARATOR) if s]
        key = segments[1] if len(segments) > 1 else segments[0]
        totals[key] = totals.get(key, 0) + row["n"]
    names = dict(Library.objects.filter(code__in=totals).values_list("code", "name"))
    return [
        {"library": c, "name": names.get(c, c), "readers": n} for c, n in sorted(totals.items())
    ]


@transaction.atomic
def grant_personal_data(user: User, library: Library, reason: str, *, by) -> PersonalDataGrant:
    """Open ``library``'s readers' personal data to ``user`` (node superusers only)."""
    if not _unrestricted(by):
        raise PermissionDenied(_("Only a node superuser can grant access to personal data."))
    if not (reason or "").strip():
        raise ValidationFailed.single("reason", _("Say why access is needed."), "required")
    grant = PersonalDataGrant.objects.create(
        user=user, library=library, reason=reason.strip(), granted_by=by if by.pk else None
    )
    audit.record(by, "accounts.grant_personal_data", user, library=library.code, reason=reason)
    return grant


def _is_staff_of(actor, library: Library) -> bool:
    return _unrestricted(actor) or any(
        library.in_subtree_of(scope) for scope in staff_libraries(actor)
    )


@transaction.atomic
def issue_card(reader: User, library: Library, number: str, *, by) -> ReaderCard:
    """Give ``reader`` a card of ``library`` (staff of that library's subtree)."""
    if not _is_staff_of(by, library):
        raise PermissionDenied(_("You are not staff of %(library)s.") % {"library": library.name})
    number = person_ids.card_number(number)
    try:
        with transaction.atomic():
            card = ReaderCard.objects.create(user=reader, library=library, number=number)
    except IntegrityError:
        raise Conflict.single(
            "number", _("This library already issued that card number."), "duplicate"
        ) from None
    audit.record(by, "accounts.issue_card", reader, library=library.code)
    return card


@transaction.atomic
def verify_in_person(actor, public_id, real_name: str, id_number: str) -> User:
    """Staff saw the reader's ID card at the desk: record the real name as checked in person."""
    reader = reader_for(actor, public_id)
    record_real_name(reader, real_name, id_number, User.RealName.IN_PERSON)
    audit.record(actor, "accounts.verify_in_person", reader)
    return reader


def _granted(actor, library: Library) -> bool:
    grants = PersonalDataGrant.objects.filter(user=actor).select_related("library")
    return any(library.in_subtree_of(grant.library) for grant in grants)


@transaction.atomic
def export_personal_data(actor, library: Library, *, purpose: str) -> list[dict]:
    """Readers of ``library``'s subtree in clear: needs an explicit grant, always audited."""
    if not (purpose or "").strip():
        raise ValidationFailed.single("purpose", _("Say why the data is exported."), "required")
    if not _unrestricted(actor) and not _granted(actor, library):
        raise PermissionDenied(
            _("Exporting readers' personal data needs an explicit grant for %(library)s.")
            % {"library": library.name}
        )
    readers = (
        User.objects.filter(erased_at__isnull=True, home_library__path__startswith=library.path)
        .select_related("home_library")
        .prefetch_related("reader_cards__library")
        .order_by("id")
    )
    rows = [unmasked(reader) for reader in readers]
    audit.record(
        actor, "accounts.export_personal_data", library, purpose=purpose.strip(), count=len(rows)
    )
    return rows
