"""Plain forms of quizzes (work without JavaScript)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from quizzes.models import Question


class ContestForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label=_("举办组织"),
                                          help_text=_("面向这个组织及其下级组织的党员"))
    title = forms.CharField(label=_("竞赛名称"), max_length=120)
    starts_at = forms.DateTimeField(label=_("开始时间"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("结束时间"),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    question_count = forms.IntegerField(label=_("题数"), min_value=1, max_value=100, initial=10)
    time_limit_minutes = forms.IntegerField(label=_("每次答题限时（分钟）"), min_value=1, max_value=180,
                                            initial=15)
    topic = forms.ChoiceField(label=_("主题"), required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        topics = sorted(set(Question.objects.exclude(topic="").values_list("topic", flat=True)))
        self.fields["topic"].choices = [("", _("整个题库")), *[(t, t) for t in topics]]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("结束时间要晚于开始时间。"))
        return data
