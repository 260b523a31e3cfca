"""Forms of the register's admin pages and the workbench: organisations, members, statuses,
transfers, roles, the lost-contact register. Scope is the view's: each form is given the
organisations and members the viewer may name (members.scoping)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import accounts
from members.forms import ISO_DATE
from members.models import ContactAttempt, Member, Organisation, Role

Status = Member.Status


class OrganisationChoiceField(forms.ModelChoiceField):
    """Organisations indented by depth, as the tree reads."""

    def label_from_instance(self, obj):
        return "　" * max(obj.depth - 1, 0) + obj.name


def _today():
    return timezone.localdate()


def _not_future(value):
    if value and value > _today():
        raise forms.ValidationError(_("日期不能晚于今天。"))
    return value


class OrganisationForm(forms.ModelForm):
    """Name, kind, code, contact phone and address; on creation also the organisation above."""

    parent = OrganisationChoiceField(label=_("上级组织"), queryset=Organisation.objects.none(),
                                     required=False)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "code", "contact_phone", "address"]

    def __init__(self, *args, parents=None, top_allowed=False, **kwargs):
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        self.top_allowed = top_allowed
        if parents is None:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = parents.filter(closed_on=None).order_by("path")
            self.fields["parent"].required = not top_allowed
            if top_allowed:
                self.fields["parent"].empty_label = _("（无，作为最上级组织）")


class MoveForm(forms.Form):
    parent = OrganisationChoiceField(label=_("移到哪个组织之下"), queryset=Organisation.objects.none(),
                                     required=False)

    def __init__(self, *args, organisation, parents, top_allowed=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        field.queryset = (
            parents.filter(closed_on=None).exclude(path__startswith=organisation.path).order_by("path")
        )
        field.required = not top_allowed
        if top_allowed:
            field.empty_label = _("（无，作为最上级组织）")


class CloseForm(forms.Form):
    on = forms.DateField(label=_("撤销日期"), widget=ISO_DATE, initial=_today,
                         validators=[_not_future])


# ---- members -------------------------------------------------------------------------------


class MemberForm(forms.ModelForm):
    """The profile a branch keeps. The branch is chosen when the member is added; afterwards it
    changes only by a transfer, and the status only on its own page (each has consequences)."""

    class Meta:
        model = Member
        fields = ["number", "name", "gender", "birth_date", "phone", "branch", "joined_on",
                  "full_member_on", "is_probationary", "is_housebound"]
        widgets = {"birth_date": ISO_DATE, "joined_on": ISO_DATE, "full_member_on": ISO_DATE}

    def __init__(self, *args, branches=None, **kwargs):
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["branch"] = OrganisationChoiceField(
                label=_("所在支部"), queryset=branches.filter(closed_on=None).order_by("path"),
            )
        else:
            del self.fields["branch"]
        self.fields["phone"].required = False

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        clash = Member.objects.filter(Q(number=number) | Q(phone=number)).exclude(pk=self.instance.pk)
        if clash.filter(number=number).exists():
            raise forms.ValidationError(_("该党员编号已存在。"))
        if clash.exists():
            raise forms.ValidationError(_("党员编号与其他党员的手机号相同，无法用于登录。"))
        return number

    def clean_phone(self):
        # A login names one account: no other member's phone nor member number.
        return accounts.check_phone(self.cleaned_data.get("phone"), member=self.instance)

    def clean(self):
        data = super().clean()
        for key in ("birth_date", "joined_on"):
            if data.get(key) and data[key] > _today():
                self.add_error(key, _("日期不能晚于今天。"))
        joined, full = data.get("joined_on"), data.get("full_member_on")
        if joined and full and full < joined:
            self.add_error("full_member_on", _("转正日期不能早于入党日期。"))
        if data.get("is_probationary") and full and full <= _today():
            self.add_error("is_probationary", _("已有转正日期，不再是预备党员。"))
        return data

    def save(self, commit=True):
        member = super().save(commit=False)
        if member.pk is None:
            # A new member has no password: the branch prints first sign-in codes for them.
            user = get_user_model()(username=f"m-{member.number}"[:150])
            user.set_unusable_password()
            user.save()
            member.user = user
        if commit:
            member.save()
        return member


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[(v, label) for v, label in Status.choices if v != Status.TRANSFERRED_OUT],
    )
    since = forms.DateField(label=_("起始日期"), widget=ISO_DATE, initial=_today,
                            validators=[_not_future])
    workplace = forms.CharField(label=_("外出务工地点/单位（流动党员）"), max_length=200, required=False)
    contact = forms.CharField(label=_("外出期间联系方式（流动党员）"), max_length=200, required=False)
    last_known_contact = forms.CharField(label=_("最后联系方式/去向（失联）"), max_length=200,
                                         required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False,
                           help_text=_("如出国（境）去向、停止党籍原因、恢复联系经过"))

    def clean(self):
        data = super().clean()
        if data.get("status") == Status.MIGRANT and not (data.get("workplace") or data.get("contact")):
            raise forms.ValidationError(_("流动党员请填写外出务工地点或联系方式。"))
        return data


class TransferForm(forms.Form):
    to = OrganisationChoiceField(label=_("转入组织"), queryset=Organisation.objects.none())
    date = forms.DateField(label=_("转接日期"), widget=ISO_DATE, initial=_today,
                           validators=[_not_future])
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        root = member.branch.path[: member.branch.steplen]
        self.fields["to"].queryset = (
            Organisation.objects.filter(path__startswith=root, closed_on=None)
            .exclude(pk=member.branch_id).order_by("path")
        )


class TransferOutForm(forms.Form):
    destination = forms.CharField(label=_("转往的党组织（县外）"), max_length=200)
    date = forms.DateField(label=_("转出日期"), widget=ISO_DATE, initial=_today,
                           validators=[_not_future])
    note = forms.CharField(label=_("备注"), max_length=300, required=False)
    confirm = forms.BooleanField(label=_("确认转出：转出后该党员的档案和学习记录只读，账号停用"))


class AttemptForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=ISO_DATE, initial=_today,
                           validators=[_not_future])
    method = forms.ChoiceField(label=_("方式"), choices=ContactAttempt.Method.choices)
    by_name = forms.CharField(label=_("联系人"), max_length=60, required=False,
                              help_text=_("不填则为登记人本人"))
    result = forms.CharField(label=_("结果"), max_length=300)
    reached = forms.BooleanField(label=_("已联系上（恢复联系）"), required=False)


# ---- roles ---------------------------------------------------------------------------------


class MemberLookupField(forms.CharField):
    """A member named by member number or phone, among `members` (the viewer's scope): a select
    of a whole county's members would be thousands long, on a phone too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.members = Member.objects.none()

    def clean(self, value):
        value = super().clean(value).strip()
        member = self.members.filter(Q(number=value) | Q(phone=value)).first()
        if member is None:
            raise forms.ValidationError(_("在您的管理范围内找不到党员编号或手机号为 %(v)s 的党员。")
                                        % {"v": value})
        return member


class AppointForm(forms.Form):
    member = MemberLookupField(label=_("党员（党员编号或手机号）"))
    organisation = OrganisationChoiceField(label=_("党组织"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(label=_("职务"), choices=Role.Kind.choices)
    started_on = forms.DateField(label=_("任职日期"), widget=ISO_DATE, initial=_today,
                                 validators=[_not_future])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, members, organisations, county_roles=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].members = members
        self.fields["organisation"].queryset = organisations.filter(closed_on=None).order_by("path")
        if not county_roles:
            self.fields["kind"].choices = [
                (v, label) for v, label in Role.Kind.choices if v != Role.Kind.COUNTY_OFFICER
            ]


class EndTermForm(forms.Form):
    ended_on = forms.DateField(label=_("离任日期"), widget=ISO_DATE, initial=_today,
                               validators=[_not_future])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class HandOverForm(forms.Form):
    successor = MemberLookupField(label=_("接任者（党员编号或手机号）"))
    on = forms.DateField(label=_("交接日期"), widget=ISO_DATE, initial=_today,
                         validators=[_not_future])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].members = members
