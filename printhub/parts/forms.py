"""The upload form: one model file, checked by its content."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from printhub.parts import services


class UploadForm(forms.Form):
    """A model file (STL, OBJ, PLY or 3MF); size and content are checked on validation."""

    file = forms.FileField(
        label=_("Model file"),
        help_text=_("STL, OBJ, PLY or 3MF. The content decides, not the name."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(services.ACCEPTED_EXTENSIONS)}),
        error_messages={
            "required": _("Choose a model file to upload."),
            "empty": _("The file is empty (0 bytes)."),
        },
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        name = services.clean_name(uploaded.name)
        services.sniff_upload(uploaded, name)  # raises UploadRejected with the message
        return uploaded
