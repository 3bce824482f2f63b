"""HTML forms for editing a library and applying for admission.

Forms only collect text; the services validate. Service errors are mapped back onto the form
field they name, so the page shows each reason beside its field.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shuxiang.core.errors import ServiceError
from shuxiang.network.models import Library

FIELD_ALIASES = {"branding.primary_color": "primary_color", "branding.logo": "logo"}


class LibraryForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    contact_email = forms.CharField(label=_("contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=40, required=False)
    primary_color = forms.CharField(
        label=_("Main colour"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#8b1a1a"}),
    )
    ip_ranges = forms.CharField(
        label=_("IP ranges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One CIDR block per line, optionally followed by a label."),
    )
    domains = forms.CharField(
        label=_("Domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One host name per line."),
    )

    @classmethod
    def for_library(cls, library: Library, data=None) -> LibraryForm:
        initial = {
            "name": library.name,
            "name_en": library.name_en,
            "address": library.address,
            "contact_email": library.contact_email,
            "contact_phone": library.contact_phone,
            "primary_color": library.branding.get("primary_color", ""),
            "ip_ranges": "\n".join(f"{r.cidr} {r.label}".strip() for r in library.ip_ranges.all()),
            "domains": "\n".join(d.host for d in library.domains.all()),
        }
        return cls(data=data, initial=initial)

    def service_data(self, branding: dict) -> dict:
        """The cleaned text as the service's input mapping."""
        data = {
            k: self.cleaned_data[k]
            for k in ("name", "name_en", "address", "contact_email", "contact_phone")
        }
        colour = self.cleaned_data["primary_color"].strip()
        data["branding"] = (
            {**branding, "primary_color": colour}
            if colour
            else {k: v for k, v in branding.items() if k != "primary_color"}
        )
        data["ip_ranges"] = [_range_line(line) for line in _lines(self.cleaned_data["ip_ranges"])]
        data["domains"] = _lines(self.cleaned_data["domains"])
        return data

    def show_service_error(self, error: ServiceError) -> None:
        """Attach each field error of ``error`` to the form field it names."""
        for item in error.errors:
            name = FIELD_ALIASES.get(item.field, item.field.split("[")[0].split(".")[0])
            self.add_error(name if name in self.fields else None, item.reason)
        if not error.errors:
            self.add_error(None, error.message)


class ApplicationForm(LibraryForm):
    code = forms.CharField(label=_("code"), max_length=32)
    level = forms.ChoiceField(label=_("level"), choices=Library.Level.choices[1:])
    parent = forms.CharField(label=_("Parent library code"), max_length=32)
    division = forms.CharField(label=_("Division"), max_length=6, required=False)

    field_order = ["code", "name", "name_en", "level", "parent", "division"]

    def service_data(self, branding: dict) -> dict:
        data = super().service_data(branding)
        data.update({k: self.cleaned_data[k] for k in ("code", "level", "parent")})
        if self.cleaned_data["division"]:
            data["division"] = self.cleaned_data["division"]
        return data


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _range_line(line: str) -> dict:
    cidr, _, label = line.partition(" ")
    return {"cidr": cidr, "label": label.strip()}
