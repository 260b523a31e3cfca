"""Re-queue media jobs whose worker was killed (no heartbeat for a while), at once. Nothing needs
to run it on a timer: the workers check by themselves (a check waits in the queue while jobs are
active, and every job starts with one; see media_pipeline/tasks.py), as does an editor's page
watching a job. It is for an operator who wants it done now, e.g. with `--older-than 0` after
stopping every worker."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from media_pipeline.jobs import stale_after
from media_pipeline.tasks import recover_stale_jobs


class Command(BaseCommand):
    help = "Re-queue (a bounded number of times) media jobs whose worker stopped reporting."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=float, default=None, metavar="MINUTES",
            help="heartbeat age that counts as dead (default: DIANKE_MEDIA_STALE_MINUTES, 5)",
        )

    def handle(self, *, older_than, **options):
        age = timedelta(minutes=older_than) if older_than is not None else stale_after()
        requeued = recover_stale_jobs(older_than=age)
        self.stdout.write(f"re-queued {len(requeued)} job(s): {requeued}")
