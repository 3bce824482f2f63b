"""The vendor definition's edit form: it collects input, the service validates it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shuxiang.core.errors import ServiceError


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class VendorForm(forms.Form):
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    egress_address = forms.CharField(
        label=_("Egress address"),
        required=False,
        help_text=_("The source address the vendor licenses (empty: the machine's default)."),
    )
    pdf_limit_per_hour = forms.IntegerField(
        label=_("PDFs per reader and hour"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Empty: the node's default."),
    )
    search_patterns = forms.CharField(
        label=_("Search URL patterns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Regular expressions over path?query, one a line: counted as searches."),
    )
    item_patterns = forms.CharField(
        label=_("Item URL patterns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line: pages counted as item investigations (PDFs always count)."),
    )
    handoff_url = forms.CharField(
        label=_("Signed hand-off URL"),
        required=False,
        help_text=_("Where the vendor accepts the node's signed token (preferred when set)."),
    )
    handoff_secret = forms.CharField(
        label=_("Shared hand-off key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 32 characters; leave empty to keep the current key."),
    )

    @classmethod
    def for_vendor(cls, vendor, data=None) -> VendorForm:
        initial = {
            name: getattr(vendor, name)
            for name in ("description", "enabled", "egress_address", "pdf_limit_per_hour")
        }
        initial["search_patterns"] = "\n".join(vendor.search_patterns)
        initial["item_patterns"] = "\n".join(vendor.item_patterns)
        initial["handoff_url"] = vendor.handoff_url
        return cls(data, initial=initial)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["search_patterns"] = _lines(data["search_patterns"])
        data["item_patterns"] = _lines(data["item_patterns"])
        data["egress_address"] = data["egress_address"].strip() or None
        if not data["handoff_secret"]:
            data.pop("handoff_secret")
        return data

    def show_service_error(self, error: ServiceError) -> None:
        for item in error.errors:
            name = item.field.split(".")[0]
            self.add_error(name if name in self.fields else None, item.reason)
        if not error.errors:
            self.add_error(None, error.message)
