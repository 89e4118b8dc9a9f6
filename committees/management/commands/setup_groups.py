from django.core.management.base import BaseCommand

from committees.roles import ensure_groups


class Command(BaseCommand):
    help = (
        "Create or update the permission groups 'Sekreterare', 'Tjänsteperson' and "
        "'Identitetsadministratör' with their model permissions. "
        "Safe to run again; run it after migrations that add models."
    )

    def handle(self, *args, **options):
        for name, group in ensure_groups().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
