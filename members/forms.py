from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Reflection


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("党员编号或手机号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}),
    )
    error_messages = {
        "invalid_login": _("账号或密码不正确。请输入党员编号或手机号，以及密码。"),
        "inactive": _("该账号已停用。"),
    }


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("学习心得"),
        max_length=Reflection.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": Reflection.MAX_LENGTH}),
        help_text=_("100字以内"),
    )


class SelfReportForm(forms.Form):
    """A migrant member reports an item studied away from their branch."""

    date = forms.DateField(label=_("学习日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return date
