"""Forms of branch life's pages (phone-first, no JavaScript needed)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branch_life.models import Event, RemoteReport


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("签到码"), max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "pattern": "[0-9]*", "class": "bl-code-input",
                                      "autofocus": True}),
    )


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("请假原因"), max_length=200)


class RemoteForm(forms.Form):
    text = forms.CharField(label=_("学习汇报"), max_length=RemoteReport.MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("学了什么、有什么体会，几句话即可。"))
    photo = forms.ImageField(label=_("照片（可选）"), required=False)


class MoveForm(forms.Form):
    date = forms.DateField(label=_("新日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reason = forms.CharField(label=_("调整原因"), max_length=200)

    def starts_at(self):
        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=180)


class MinutesForm(forms.Form):
    host = forms.CharField(label=_("主持人"), max_length=60, required=False)
    recorder = forms.CharField(label=_("记录人"), max_length=60, required=False)
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    minutes = forms.CharField(label=_("会议内容"), required=False, max_length=20_000,
                              widget=forms.Textarea(attrs={"rows": 12}))


class PhotoForm(forms.Form):
    photo = forms.ImageField(label=_("照片"))
    caption = forms.CharField(label=_("说明"), max_length=120, required=False)


class NewActionForm(forms.Form):
    title = forms.CharField(label=_("自选动作"), max_length=80)


class ActionForm(forms.Form):
    """The evidence of an action; the one-tap button sends only `done`."""

    done = forms.BooleanField(required=False)
    note = forms.CharField(label=_("记录"), max_length=300, required=False)
    amount = forms.DecimalField(label=_("收缴党费（元）"), max_digits=10, decimal_places=2,
                                min_value=0, required=False)
    payers = forms.TypedMultipleChoiceField(label=_("缴纳人"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    lesson = forms.TypedChoiceField(label=_("学习的课程"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, payers=(), lessons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payers"].choices = list(payers)
        self.fields["lesson"].choices = [("", "—")] + list(lessons)


class EventForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("党组织"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("主题"), max_length=120)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=_("开始时间"), initial=dt.time(9, 0),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("结束时间"), initial=dt.time(11, 0),
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("地点"), max_length=120, required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]

    def times(self):
        data = self.cleaned_data
        return (timezone.make_aware(dt.datetime.combine(data["date"], data["start"])),
                timezone.make_aware(dt.datetime.combine(data["date"], data["end"])))
