from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.models import Deed, Inspection, InspectionAnswer


class InspectionForm(forms.Form):
    """An inspection: the checklist's questions become fields answer_<id> and note_<id>."""

    date = forms.DateField(label=_("督查日期"), initial=timezone.localdate,
                           widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("方式"), choices=Inspection.Kind.choices)
    inspectors = forms.CharField(label=_("督查人员"), max_length=200)
    findings = forms.CharField(label=_("发现问题（每行一条）"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.CharField(label=_("整改责任人"), max_length=60, required=False)
    deadline = forms.DateField(label=_("整改期限"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("不填则为督查日期后30天。"))
    photo = forms.ImageField(label=_("照片"), required=False)

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        for item in self.checklist:
            self.fields[f"answer_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=InspectionAnswer.Answer.choices,
                initial=InspectionAnswer.Answer.YES)
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("说明"), max_length=300, required=False)

    def answers(self):
        return {item.pk: (self.cleaned_data[f"answer_{item.pk}"],
                          self.cleaned_data[f"note_{item.pk}"]) for item in self.checklist}

    def checklist_fields(self):
        return [(self[f"answer_{item.pk}"], self[f"note_{item.pk}"]) for item in self.checklist]


class CloseForm(forms.Form):
    evidence = forms.CharField(label=_("整改情况"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.ImageField(label=_("佐证照片"), required=False)


class DeedForm(forms.ModelForm):
    class Meta:
        model = Deed
        fields = ["date", "kind", "what", "points"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class AppraisalForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    opens_at = forms.DateTimeField(label=_("开始时间"),
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("截止时间"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
