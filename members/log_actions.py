"""The audit log's actions for organisations, members, roles, accounts and records (Wagtail's
`register_log_actions` hook, in members/wagtail_hooks.py): each a label and a message made from
the entry's data. Codes and passwords are never in the data."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_
from wagtail.log_actions import LogFormatter


def _formatter(label, message):
    def format_message(self, log_entry):
        data = {key: ("" if value is None else value) for key, value in (log_entry.data or {}).items()}
        try:
            return _(message) % data
        except (KeyError, TypeError, ValueError):
            return str(label)

    return type("MembersLogFormatter", (LogFormatter,), {"label": label,
                                                         "format_message": format_message})


ACTIONS = {
    "members.transfer": (
        gettext_lazy("组织关系转接"), N_("%(member)s 从 %(from)s 转接到 %(to)s（%(date)s）")),
    "members.transfer_out": (
        gettext_lazy("转出本县"), N_("%(member)s 从 %(from)s 转出到 %(to)s（%(date)s）")),
    "members.status": (
        gettext_lazy("党员状态变更"), N_("%(member)s：%(from)s → %(to)s（%(since)s 起）")),
    "members.contact_attempt": (
        gettext_lazy("联系失联党员"), N_("%(date)s %(by)s 通过%(method)s联系 %(member)s：%(result)s")),
    "members.password_reset": (
        gettext_lazy("重置密码"), N_("为 %(member)s（%(number)s）生成一次性登录码")),
    "members.first_codes": (
        gettext_lazy("生成初次登录码"), N_("为 %(organisation)s 的 %(count)s 名党员生成初次登录码")),
    "members.password_changed": (gettext_lazy("修改密码"), N_("本人设置了新密码")),
    "members.phone_changed": (gettext_lazy("修改手机号"), N_("手机号 %(old)s → %(new)s")),
    "members.role_appoint": (
        gettext_lazy("任职"), N_("%(member)s 任 %(organisation)s %(kind)s（%(started_on)s 起）")),
    "members.role_end": (
        gettext_lazy("离任"), N_("%(member)s 的 %(organisation)s %(kind)s 任期结束（%(ended_on)s）")),
    "members.role_hand_over": (
        gettext_lazy("职务交接"), N_("%(organisation)s %(kind)s 由 %(from_member)s 交接给 %(member)s")),
    "members.org_move": (gettext_lazy("移动党组织"), N_("%(name)s 从 %(from)s 移到 %(to)s 之下")),
    "members.org_close": (gettext_lazy("撤销党组织"), N_("%(name)s 于 %(closed_on)s 撤销")),
    "members.import": (gettext_lazy("导入党员"), N_("表格导入 %(organisation)s 的 %(count)s 名党员")),
    "members.record": (
        gettext_lazy("登记学习记录"), N_("为 %(member)s 登记完成“%(item)s”（%(how)s，%(date)s）")),
}


def register(actions):
    for action, (label, message) in ACTIONS.items():
        actions.register_action(action)(_formatter(label, message))
