"""Forms of the upload page: a direct (through the server) upload, and the completion of a
browser-to-S3 upload, which carries a signed ticket naming the object key."""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection

from .models import validate_upload_name_and_size

TICKET_SALT = "media_pipeline.s3-upload"
TICKET_MAX_AGE = 24 * 3600


class UploadForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=255)
    file = forms.FileField(label=_("文件"))
    collection = forms.ModelChoiceField(
        label=_("文件夹"), queryset=Collection.objects.all(), required=False, empty_label=None
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload_name_and_size(upload.name, upload.size)
        return upload


class PresignForm(forms.Form):
    filename = forms.CharField(max_length=255)
    size = forms.IntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        if "filename" in data and "size" in data:
            validate_upload_name_and_size(data["filename"], data["size"])
        return data


class CompleteS3UploadForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=255)
    ticket = forms.CharField(widget=forms.HiddenInput)
    collection = forms.ModelChoiceField(
        queryset=Collection.objects.all(), required=False, empty_label=None
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_ticket(self):
        try:
            ticket = signing.loads(self.cleaned_data["ticket"], salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
        except signing.BadSignature as error:
            raise forms.ValidationError(_("上传凭证无效或已过期，请重新上传。")) from error
        if self.user is None or ticket.get("user") != self.user.pk:
            raise forms.ValidationError(_("上传凭证无效或已过期，请重新上传。"))
        return ticket


def make_ticket(*, key_name, filename, user):
    return signing.dumps({"name": key_name, "filename": filename, "user": user.pk}, salt=TICKET_SALT)
