"""Forms of the offline-copy admin pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import OfflineCopy


class CopyForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    county = forms.CharField(label=_("单位名称"), max_length=100, required=False,
                             help_text=_("印在光盘封面和U盘首页上，例如“某某县委组织部”。"))
    standard = forms.ChoiceField(label=_("电视制式"), choices=OfflineCopy.Standard.choices,
                                 initial=OfflineCopy.Standard.PAL, required=False)
    menu = forms.TypedChoiceField(
        label=_("播放方式"), coerce=lambda value: value == "menu", initial="autoplay", required=False,
        choices=[("autoplay", _("放入光盘后自动按顺序播放全部课程（推荐老年人使用）")),
                 ("menu", _("先显示课程菜单，用遥控器选择"))],
        widget=forms.RadioSelect)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != OfflineCopy.Kind.DISC:
            del self.fields["standard"]
            del self.fields["menu"]


class DeliveryForm(forms.Form):
    disc_number = forms.TypedChoiceField(label=_("光盘"), coerce=int)
    members = forms.ModelMultipleChoiceField(label=_("领取的党员"), queryset=None,
                                             widget=forms.CheckboxSelectMultiple)
    delivered_on = forms.DateField(label=_("发放日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, copy, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.fields["delivered_on"].initial = timezone.localdate()
        self.fields["disc_number"].choices = [
            (number, _("第 %(n)d 张") % {"n": number}) for number in copy.disc_numbers
        ]

    def clean_delivered_on(self):
        value = self.cleaned_data["delivered_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("发放日期不能晚于今天。"))
        return value
