from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """The county's and the township's oversight: the month at a glance, inspections and
    rectification, the monthly bulletin, branch ranking and the vanguard index."""

    name = "supervision"
    verbose_name = "督查考核"

    def ready(self):
        # Models are loaded only now (Django's documented place for these imports).
        from members import mepage, workbench
        from supervision import panels

        # members.mepage's contract (docs/architecture.md): the member's 先锋指数 and an open
        # democratic appraisal on /me/.
        mepage.register_panel("vanguard_index", panels.vanguard_panel)
        mepage.register_panel("appraisal", panels.appraisal_panel)
        # members.workbench's: the branch's open rectification items at /branch/.
        workbench.register_panel("rectifications", panels.rectification_panel)
