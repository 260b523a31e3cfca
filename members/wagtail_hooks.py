"""Wagtail admin: the secretaries' learning-record pages under /admin/learning/, the register
(组织管理: organisations, members, roles, lost-contact members, sign-in codes, the audit log) and
the audit log's actions."""

from wagtail import hooks

from members import log_actions
from members.viewsets import LearningViewSet, RegisterGroup


@hooks.register("register_admin_viewset")
def register_learning_viewset():
    return LearningViewSet()


@hooks.register("register_admin_viewset")
def register_register_group():
    return RegisterGroup()


@hooks.register("register_log_actions")
def register_members_log_actions(actions):
    log_actions.register(actions)
