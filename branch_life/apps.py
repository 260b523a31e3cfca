from django.apps import AppConfig


class BranchLifeConfig(AppConfig):
    """The monthly activity day and 三会一课 as recorded events."""

    name = "branch_life"
    verbose_name = "组织生活"

    def ready(self):
        # Models are loaded only now (Django's documented place for these imports).
        from django.db.models.signals import post_migrate

        from branch_life import figures, tasks
        from members import activity, workbench

        # The contracts members states for the apps above it (docs/architecture.md): attendance is
        # activity, and the branch workbench (/branch/) shows this app's panels.
        activity.register_source("attendance", figures.attendance_activity,
                                 since=figures.attendance_since)
        workbench.register_panel("activity_day", figures.next_activity_panel)
        workbench.register_panel("leave_requests", figures.pending_leave_panel)
        workbench.register_panel("absences", figures.over_limit_panel)

        def schedule(sender, **kwargs):
            # Every deployment migrates: the periodic planning of next month is then queued.
            tasks.ensure_scheduled()

        post_migrate.connect(schedule, sender=self, weak=False, dispatch_uid="branch-life-schedule")
