"""Forms of the member pages (sign-in, 心得, self-report) and of the secretaries' admin pages."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from members import plans
from members.models import Completion, Member, Organisation, Reflection, StudyPlan, StudyPlanItem


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


# ---- the secretaries' admin pages (members.admin_views) -------------------------------------
# Scope is the view's: each form is given the organisations and members the viewer may name.

# A date input takes and shows only ISO dates; the locale's format (2026/03/01) would leave it
# empty, and a plan saved from such a form would lose its meeting date.
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.number}，{obj.branch.name}）"


class RecordForm(forms.Form):
    """A group study (支部活动日) or a disc watched at home, recorded for chosen members."""

    # Several lessons at once: an activity day often studies two or three (the field keeps its
    # name: one `item` posted is still a valid record).
    item = ItemChoiceField(label=_("学习内容（可多选）"), queryset=Page.objects.none(),
                           widget=forms.CheckboxSelectMultiple)
    # Works without JavaScript: ticked, every member listed below is recorded.
    everyone = forms.BooleanField(label=_("全选：下面列出的全体党员"), required=False)
    members = MemberChoiceField(
        label=_("党员"), queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    how = forms.ChoiceField(
        label=_("方式"),
        choices=[(Completion.How.GROUP, _("集中学习（支部活动日）")),
                 (Completion.How.RECORDED, _("在家观看光盘等，书记补录"))],
    )
    date = forms.DateField(label=_("日期"), widget=ISO_DATE)
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = plans.learning_items()
        self.fields["members"].queryset = members.select_related("branch").order_by("branch__path", "number")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return date

    def clean(self):
        data = super().clean()
        if data.get("everyone"):
            data["members"] = self.fields["members"].queryset
        elif not data.get("members"):
            self.add_error("members", _("请选择党员，或勾选“全选”。"))
        return data


class StudyPlanForm(forms.ModelForm):
    """A month's plan: the plan's own fields, its required and optional items (StudyPlanItem
    rows, written by save()) and the members it is for (none chosen: everyone below)."""

    organisation = forms.ModelChoiceField(label=_("党组织"), queryset=Organisation.objects.none())
    month = forms.CharField(label=_("月份（YYYY-MM）"), max_length=7)
    title = forms.CharField(label=_("主题"), max_length=120)
    meeting_date = forms.DateField(
        label=_("主题党日日期"), required=False, widget=ISO_DATE
    )
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    required_items = forms.ModelMultipleChoiceField(
        label=_("必学内容"), queryset=Page.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    optional_items = forms.ModelMultipleChoiceField(
        label=_("选学内容"), queryset=Page.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = MemberChoiceField(
        label=_("指定党员（不选则为全体党员）"), queryset=Member.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = StudyPlan
        fields = ["organisation", "month", "title", "meeting_date", "place", "note",
                  "required_items", "optional_items", "members"]

    def __init__(self, *args, organisations, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("path")
        items = plans.learning_items()
        self.fields["required_items"].queryset = items
        self.fields["optional_items"].queryset = items
        self.fields["members"].queryset = members.select_related("branch")
        plan = self.instance
        if plan.pk is None:
            self.initial.setdefault("month", f"{plans.month_start():%Y-%m}")
        else:
            chosen = list(plan.items.all())
            self.initial.update(
                month=f"{plan.month:%Y-%m}",
                required_items=[i.page_id for i in chosen if i.required],
                optional_items=[i.page_id for i in chosen if not i.required],
            )

    def clean_month(self):
        try:
            return plans.parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 2026-03。")) from None

    def clean(self):
        data = super().clean()
        both = set(data.get("required_items") or []) & set(data.get("optional_items") or [])
        if both:
            raise forms.ValidationError(_("同一内容不能既是必学又是选学。"))
        org, chosen = data.get("organisation"), data.get("members") or []
        if org is not None:
            outside = [m for m in chosen if not m.branch.path.startswith(org.path)]
            if outside:
                raise forms.ValidationError(_("指定的党员必须属于该党组织。"))
        return data

    def save(self, commit=True):
        plan = super().save(commit=commit)
        if commit:
            # The items are rewritten in the order chosen: required first, then optional.
            plan.items.all().delete()
            StudyPlanItem.objects.bulk_create(
                StudyPlanItem(plan=plan, page=page, required=required, sort_order=order)
                for order, (required, page) in enumerate(
                    [(True, p) for p in self.cleaned_data["required_items"]]
                    + [(False, p) for p in self.cleaned_data["optional_items"]]
                )
            )
        return plan


class ImportForm(forms.Form):
    file = forms.FileField(label=_("表格文件（CSV 或 XLSX）"))
    dry_run = forms.BooleanField(label=_("仅检查，不导入"), required=False, initial=True)
