"""Re-queue media jobs whose worker was killed (no heartbeat for a while); run it from cron or
a systemd timer every few minutes. The same check also runs when a job starts and when an editor
watches a job's progress, so a busy site recovers without it."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from media_pipeline.services import recover_stale_jobs, stale_after


class Command(BaseCommand):
    help = "Re-queue (a bounded number of times) media jobs whose worker stopped reporting."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=float, default=None, metavar="MINUTES",
            help="heartbeat age that counts as dead (default: DIANKE_MEDIA_STALE_MINUTES, 15)",
        )

    def handle(self, *, older_than, **options):
        age = timedelta(minutes=older_than) if older_than is not None else stale_after()
        requeued = recover_stale_jobs(older_than=age)
        self.stdout.write(f"re-queued {len(requeued)} job(s): {requeued}")
