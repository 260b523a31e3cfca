"""`manage.py import_members FILE [--commit] [--as USERNAME]`: dry run by default."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from members import importer


class Command(BaseCommand):
    help = (
        "Import members and their organisations from a CSV or XLSX sheet. Checks every row and "
        "lists errors by row; writes nothing unless --commit is given and there are no errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")
        parser.add_argument(
            "--as", dest="username", help="import within this user's scope (default: a superuser)"
        )

    def handle(self, *args, **options):
        User = get_user_model()
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
        else:
            user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("no such user (create a superuser or pass --as)")
        with open(options["file"], "rb") as stream:
            result = importer.import_file(
                stream, options["file"], user=user, dry_run=not options["commit"]
            )
        for row, message in result.errors:
            self.stdout.write(f"row {row}: {message}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s); nothing imported")
        if result.dry_run:
            self.stdout.write(
                f"dry run: {result.valid_rows} rows valid, {result.organisations_created} "
                "organisations would be created; run again with --commit"
            )
        else:
            self.stdout.write(
                f"imported: {result.created} created, {result.updated} updated, "
                f"{result.organisations_created} organisations created"
            )
