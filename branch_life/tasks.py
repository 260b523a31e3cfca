"""The periodic planning of next month's activity days, without cron.

django-tasks has no schedule of its own. As media_pipeline's recovery check does, the task
re-queues itself: `plan_next_month` runs once a day (at RUN_AT, local time) with `run_after`,
plans next month by the rule (idempotent: a branch or a rule added since is planned, nothing
else changes), closes the events that ended with check-ins but no roll call, and queues its
next run. `ensure_scheduled` queues the first run when none is waiting: after every `migrate`
(a post_migrate receiver in BranchLifeConfig.ready) and from `manage.py plan_activity_days`. Any
worker takes it (`manage.py db_worker --queue-name '*'`, as `make run` and compose start it).
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from branch_life import rules, services

logger = logging.getLogger(__name__)

RUN_AT = dt.time(2, 0)


@task(queue_name="default")
def plan_next_month() -> int:
    """Plan next month, close finished events, queue tomorrow's run; returns the events planned."""
    try:
        month = rules.next_month(timezone.localdate().replace(day=1))
        planned = services.plan_month(month)
        services.close_finished()
    finally:
        transaction.on_commit(lambda: schedule())
    return len(planned)


def next_run(now=None):
    now = timezone.localtime(now or timezone.now())
    at = timezone.make_aware(dt.datetime.combine(now.date(), RUN_AT))
    return at if at > now else at + dt.timedelta(days=1)


def _uses_database_backend():
    return isinstance(plan_next_month.get_backend(), DatabaseBackend)


def ensure_scheduled():
    """Queue the daily run unless one is waiting (database backend only: the one with delayed
    tasks and real workers)."""
    try:
        return schedule()
    except Exception:  # a missing task table (an early migrate) must not fail the migration
        logger.exception("could not queue the planning of next month")
        return None


def schedule():
    if not _uses_database_backend():
        return None
    backend = plan_next_month.get_backend()
    waiting = DBTaskResult.objects.filter(
        task_path=plan_next_month.module_path, status=TaskResultStatus.READY,
        backend_name=backend.alias,
    )
    if waiting.exists():
        return None
    return plan_next_month.using(run_after=next_run()).enqueue()
