from django.core.management.base import BaseCommand

from lms.people.demo import seed_people, seed_users


class Command(BaseCommand):
    help = (
        "Load the demo township 东沟乡 (16 villages, branches, households, a few hundred people)"
        " and one login per role. Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        result = seed_people()
        logins = seed_users(result["township"], result["villages"])
        self.stdout.write(
            f"{result['township'].name}: {len(result['villages'])} villages; "
            f"{result['created']} people added this run."
        )
        self.stdout.write("Demo logins (password shuangyu-demo):")
        for role, login, password in logins:
            self.stdout.write(f"  {role:32} {login:14} {password}")
