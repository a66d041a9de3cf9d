"""`manage.py sync_spoolman CENTER [--url URL]`: import a Spoolman server's spools."""

from django.core.management.base import BaseCommand, CommandError

from printhub.inventory import services
from printhub.inventory.spoolman import SpoolmanError, sync_from_spoolman
from printhub.network.models import Center


class Command(BaseCommand):
    help = "Import the vendors, filaments and spools of a Spoolman server into a center's stock."

    def add_arguments(self, parser):
        parser.add_argument("center", help="the center's slug, e.g. jeonju")
        parser.add_argument("--url", help="Spoolman's address (default: PRINTHUB_SPOOLMAN_URL)")

    def handle(self, *args, center, url=None, **options):
        url = url or services.spoolman_url()
        if not url:
            raise CommandError("give --url or set PRINTHUB_SPOOLMAN_URL")
        found = Center.objects.filter(slug=center).first()
        if found is None:
            raise CommandError(f"there is no center {center!r}")
        try:
            report = sync_from_spoolman(url, found)
        except SpoolmanError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(
            f"vendors: {report.vendors}; filaments: {report.filaments}; spools: "
            f"{report.spools_created} new, {report.spools_updated} updated"
        )
        for skipped in report.skipped or []:
            self.stdout.write(f"skipped {skipped}: its material is not in the catalog")
