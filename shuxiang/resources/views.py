"""Reader-facing pages and byte delivery: resource pages, chapters, files (access-checked)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from shuxiang.core.api import actor_of
from shuxiang.core.http import client_ip
from shuxiang.core.pagecache import public_page
from shuxiang.resources import delivery, permissions, usage
from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.storage import get_storage
from shuxiang.resources.types import FIELD_LABELS, SUBTYPE_LABELS, TYPES


def _reader(request):
    return actor_of(request)


def _visible_resource(request, pk: int) -> Resource:
    resource = get_object_or_404(
        Resource.objects.select_related("library", "collection"),
        pk=pk,
    )
    actor = _reader(request)
    published = resource.status == Resource.Status.PUBLISHED
    if not published and not permissions.is_staff_of(actor, resource.library):
        raise Http404("No such resource.")
    return resource


@public_page
def resource_list(request):
    """Published resources, newest first, filterable by type and library."""
    covers = ResourceFile.objects.filter(
        role__in=(ResourceFile.Role.THUMBNAIL, ResourceFile.Role.POSTER)
    ).order_by("order")
    queryset = (
        Resource.objects.filter(status=Resource.Status.PUBLISHED)
        .select_related("library")
        .prefetch_related(Prefetch("files", queryset=covers, to_attr="covers"))
    )
    type_code = request.GET.get("type", "")
    if type_code in TYPES:
        queryset = queryset.filter(type=type_code)
    if request.GET.get("library"):
        queryset = queryset.filter(library__code=request.GET["library"].upper())
    page = Paginator(queryset, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/list.html",
        {"page": page, "types": TYPES.values(), "type_code": type_code},
    )


@public_page
def resource_detail(request, pk: int):
    """A resource's page: metadata, player or reader, and whether this reader may open it."""
    resource = _visible_resource(request, pk)
    actor = _reader(request)
    denial = permissions.read_denial(actor, resource, client_ip(request))
    if denial:
        usage.record_denial(request, resource)
    else:
        usage.record_request(request, "item_view", resource)
    files = list(resource.files.all())
    by_role: dict[str, list[ResourceFile]] = {}
    for item in files:
        by_role.setdefault(item.role, []).append(item)
    response = render(
        request,
        "resources/detail.html",
        {
            "resource": resource,
            "type_label": TYPES[resource.type].label,
            "subtype_label": SUBTYPE_LABELS.get(resource.subtype, ""),
            "extra_items": [(FIELD_LABELS.get(k, k), v) for k, v in resource.extra.items()],
            "denial": denial,
            "files": by_role,
            "originals": by_role.get(ResourceFile.Role.ORIGINAL, []),
            "can_manage": permissions.is_staff_of(actor, resource.library),
            "reader_url": _reader_url(resource) if by_role.get(ResourceFile.Role.CHAPTER) else "",
        },
    )
    # Opening a network-only resource depends on the reader's address: not one page for all.
    response.public_page = resource.access != Resource.Access.NETWORK
    return response


def _reader_url(resource: Resource) -> str:
    """The portal reader's page of a published book with chapters (empty without a portal)."""
    if resource.status != Resource.Status.PUBLISHED:
        return ""
    try:
        return reverse("portal:read", kwargs={"item_key": f"resource:{resource.pk}"})
    except NoReverseMatch:
        return ""


def chapter(request, pk: int, order: int):
    """One EPUB chapter (already sanitised when it was derived) inside the reading page."""
    resource = _visible_resource(request, pk)
    denial = permissions.read_denial(_reader(request), resource, client_ip(request))
    if denial:
        usage.record_denial(request, resource)
        return HttpResponseForbidden(escape(denial))
    chapters = list(resource.files.filter(role=ResourceFile.Role.CHAPTER))
    current = next((c for c in chapters if c.order == order), None)
    if current is None:
        raise Http404("No such chapter.")
    body = b"".join(get_storage().read_range(current.key)).decode("utf-8", errors="replace")
    return render(
        request,
        "resources/chapter.html",
        {"resource": resource, "chapters": chapters, "current": current, "body": body},
    )


def _link_actor(request, item: ResourceFile):
    """The reader a signed link was issued to, or a refusal."""
    user_id, reason = delivery.read_link(request.GET["link"], item)
    if reason:
        return None, reason
    if user_id is None:
        return AnonymousUser(), None
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return (person, None) if person else (None, "This download link is not valid.")


def file_view(request, pk: int, file_id: int):
    """The bytes of one file, after the access policy, the signed link and the quota agree."""
    item = get_object_or_404(
        ResourceFile.objects.select_related("resource__library"), pk=file_id, resource_id=pk
    )
    resource = item.resource
    if "link" in request.GET:
        actor, reason = _link_actor(request, item)
        if reason:
            return HttpResponseForbidden(escape(reason), content_type="text/plain; charset=utf-8")
    else:
        actor = _reader(request)
    denial = permissions.read_denial(actor, resource, client_ip(request))
    if denial:
        usage.record_denial(request, resource)
        return HttpResponse(denial, status=403, content_type="text/plain; charset=utf-8")
    limited = delivery.charge(request, item, _quota_holder(request, actor, item))
    if limited is not None:
        usage.record_denial(request, resource, limit=True)
        return limited
    if item.role == ResourceFile.Role.ORIGINAL and usage.starts_reading(request):
        kind = "play" if resource.type in ("video", "audio") else "download"
        usage.record_request(request, kind, resource)
    return delivery.serve(request, item, download="download" in request.GET)


def _quota_holder(request, actor, item: ResourceFile) -> str:
    """Whose daily quota an original counts against ("" for staff and derivatives)."""
    if item.role != ResourceFile.Role.ORIGINAL or permissions.is_staff_of(
        actor, item.resource.library
    ):
        return ""
    pk = getattr(actor, "pk", None)
    return f"user:{pk}" if pk else f"ip:{client_ip(request)}"
