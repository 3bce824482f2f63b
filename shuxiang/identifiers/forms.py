"""The application form: plain fields mapped onto ``workflow.apply``'s arguments."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shuxiang.core.errors import ServiceError

FIELD_OF_ERROR = {"metadata.title": "title", "metadata.creator": "creator", "metadata.date": "date"}


class ApplyForm(forms.Form):
    library = forms.ChoiceField(label=_("Library"))
    location = forms.CharField(label=_("Served URL"), max_length=1000)
    title = forms.CharField(label=_("Title"), max_length=2000)
    creator = forms.CharField(label=_("Creator"), max_length=2000, required=False)
    date = forms.CharField(label=_("Date"), max_length=40, required=False)
    resource_type = forms.CharField(label=_("Resource type code"), max_length=40, required=False)
    rights = forms.CharField(label=_("Rights statement"), max_length=500)
    fingerprint = forms.CharField(label=_("SHA-256 of the object"), max_length=80, required=False)
    suffix = forms.CharField(label=_("Suffix (empty: mint one)"), max_length=128, required=False)
    self_built = forms.BooleanField(label=_("Built by the library itself"), required=False)
    own_copyright = forms.BooleanField(label=_("The library holds the copyright"), required=False)

    def __init__(self, *args, libraries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.libraries = {lib.code: lib for lib in libraries}
        self.fields["library"].choices = [(lib.code, lib.name) for lib in libraries]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        metadata = {k: data[k] for k in ("title", "creator", "date") if data.get(k)}
        return {
            "library": self.libraries[data["library"]],
            "location": data["location"],
            "metadata": metadata,
            "rights": data["rights"],
            "fingerprint": data.get("fingerprint") or None,
            "suffix": data.get("suffix") or None,
            "resource_type": data.get("resource_type") or "",
            "self_built": data["self_built"],
            "own_copyright": data["own_copyright"],
        }

    def add_service_error(self, exc: ServiceError) -> None:
        """Show each field error beside its field (others above the form)."""
        if not exc.errors:
            self.add_error(None, exc.message)
        for error in exc.errors:
            name = FIELD_OF_ERROR.get(error.field, error.field)
            self.add_error(name if name in self.fields else None, error.reason)
