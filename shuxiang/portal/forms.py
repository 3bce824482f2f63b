"""HTML forms of the curation pages. Forms collect input; the services validate it.

Service errors are put back on the field they name, so each reason shows beside its field.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuxiang.core.errors import ServiceError

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=LOCAL_MINUTE)


def _moment(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=MomentInput(),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Leave empty for no limit."),
    )


class ServiceForm(forms.Form):
    """A form whose ``service_data`` feeds a service and which shows the service's errors."""

    def service_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items()}

    def show_service_error(self, error: ServiceError) -> None:
        for item in error.errors:
            name = item.field.split(".")[0]
            self.add_error(name if name in self.fields else None, item.reason)
        if not error.errors:
            self.add_error(None, error.message)


class ShelfForm(ServiceForm):
    title = forms.CharField(label=_("Title"), required=False)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    distributed = forms.BooleanField(
        label=_("Also show on the sites of the libraries below"), required=False
    )
    publish_from = _moment(_("Publish from"))
    publish_until = _moment(_("Publish until"))
    embed = forms.CharField(
        label=_("Page shown inside"),
        required=False,
        help_text=_("A page of this node shown in a frame under the list, e.g. /courses/embed/…/"),
    )

    @classmethod
    def for_shelf(cls, shelf, data=None) -> ShelfForm:
        initial = {
            "title": shelf.title,
            "summary": shelf.summary,
            "distributed": shelf.distributed,
            "embed": shelf.embed,
            "publish_from": _local(shelf.publish_from),
            "publish_until": _local(shelf.publish_until),
        }
        return cls(data=data, initial=initial)


class EntryForm(ServiceForm):
    title = forms.CharField(label=_("Title"), required=False)
    url = forms.CharField(
        label=_("Link"),
        required=False,
        help_text=_("A path on this site such as /read/demo:lunyu/ or an http(s) address."),
    )
    reference = forms.CharField(
        label=_("Resource or identifier"),
        required=False,
        help_text=_("Optional, e.g. resource:42 or an identifier."),
    )
    note = forms.CharField(label=_("Note"), required=False)
    publish_from = _moment(_("Publish from"))
    publish_until = _moment(_("Publish until"))

    @classmethod
    def for_entry(cls, entry, data=None, prefix=None) -> EntryForm:
        initial = {name: getattr(entry, name) for name in ("title", "url", "reference", "note")} | {
            "publish_from": _local(entry.publish_from),
            "publish_until": _local(entry.publish_until),
        }
        return cls(data=data, initial=initial, prefix=prefix)


def _local(moment):
    return timezone.localtime(moment) if moment else None
