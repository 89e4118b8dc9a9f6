from django.core.management.base import BaseCommand, CommandError

from committees.models import Organisation, Person
from meetings import signing


class Command(BaseCommand):
    help = (
        "Create the organisation's signing CA (once) and its e-sigill certificate. People need no "
        "certificate of their own: each signature gets one, issued for it alone from how the "
        "signer authenticated (docs/signing.md), so the server keeps no personal keys. --person "
        "ID issues a long-lived personal certificate bound to the person's login, only for those "
        "named (for a signer backend that signs without an assurance). Each is recorded in the "
        "certificate registry; keys are kept in PARAGRAF_SIGNING_DIR, encrypted with "
        "PARAGRAF_SIGNING_PASSPHRASE. Safe to run again: valid certificates are kept unless "
        "--replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation", help="diarium prefix of the organisation (default: the only one)"
        )
        parser.add_argument("--person", type=int, action="append", help="issue only for this person id")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="create a new CA and new certificates (earlier signatures stay valid only for "
            "validators that still trust the old CA)",
        )

    def handle(self, *args, **options):
        organisations = Organisation.objects.all()
        if options["organisation"]:
            organisations = organisations.filter(diarium_prefix=options["organisation"])
        if organisations.count() != 1:
            raise CommandError(
                f"Name the organisation with --organisation PREFIX (found {organisations.count()})."
            )
        organisation = organisations.get()
        existed = signing.signing_ca_exists()
        signing.signing_ca_create(organisation_name=organisation.name, replace=options["replace"])
        state = "kept" if existed and not options["replace"] else "created"
        self.stdout.write(f"Signing CA for {organisation.name}: {state} in {signing.signing_dir()}")
        people = Person.objects.filter(pk__in=options["person"] or [])
        signing.seal_certificate_issue(organisation=organisation, replace=options["replace"])
        self.stdout.write(f"  e-sigill: {signing.seal_name(organisation.name)}")
        for person in people.order_by("pk"):
            if person.user_id is None:
                self.stdout.write(f"  no certificate: {person.full_name} has no login")
                continue
            signing.person_certificate_issue(person=person, replace=options["replace"])
            self.stdout.write(f"  certificate: {person.full_name}")
