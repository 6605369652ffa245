"""python manage.py server_maint_mode --enable | --disable | --force-enable |
--force-disable | --status

Puts the whole server into maintenance and out of it (maintmode.server_maint_mode),
or shows its status (maintmode.server_maint_status).  Prints the result on standard
output, the server's NOTICEs on standard error, and exits 1 when the server refuses
(2 on a usage error).  The change is recorded with --actor (default: your login name)
and --reason in the maintenance history.
"""
import getpass
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from maintmode_django import maintenance
from maintmode_django.audit import actor
from maintmode_django.exceptions import MaintmodeError, translated_errors

ACTIONS = {
    "enable": "save every agent's state, then put every agent in maintenance",
    "disable": "restore every agent's saved state",
    "force-enable": "put every agent in maintenance, saving nothing",
    "force-disable": "take every agent out of maintenance, dropping the saved states "
                     "and ending server-wide windows",
}


def _login_name():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the passwd file
        return None


def _yes_no(value):
    return "yes" if value else "no"


@contextmanager
def _notices_to(connection, write):
    """Passes the server's NOTICEs during the block to write(), one line each."""
    connection.ensure_connection()
    raw = connection.connection
    saved, raw.notices = raw.notices, []
    try:
        yield
    finally:
        collected, raw.notices = raw.notices, saved
        for notice in collected:
            write(notice.rstrip("\n"))


class Command(BaseCommand):
    help = ("Puts the whole server into maintenance and out of it, or shows whether it "
            "is (maintmode's server_maint_mode and server_maint_status).")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        for action, help_text in ACTIONS.items():
            group.add_argument(f"--{action}", action="store_true", help=help_text)
        group.add_argument("--status", action="store_true",
                           help="show whether the server is in maintenance, since when, "
                                "by whom, and how many agents are")
        parser.add_argument("--actor", default=_login_name(),
                            help="who is recorded in the maintenance history as having "
                                 "done it (default: your login name)")
        parser.add_argument("--reason", help="why, recorded in the maintenance history")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help='the database alias (default: "default")')

    def handle(self, *args, **options):
        using = options["database"]
        write_notice = self.stderr.write
        try:
            with translated_errors(), _notices_to(connections[using], write_notice):
                if options["status"]:
                    self._status(using)
                else:
                    [action] = [a for a in ACTIONS if options[a.replace("-", "_")]]
                    with actor(options["actor"], options["reason"], using=using):
                        self._switch(action, using)
        except MaintmodeError as e:
            message = f"{e} (SQLSTATE {e.sqlstate})"
            if e.hint:
                message += f"\nHINT: {e.hint}"
            raise CommandError(message) from e

    def _switch(self, action, using):
        result = maintenance.server_maint_mode(action, using=using)
        self.stdout.write(
            f"{result.action}: {result.agents_changed} agents changed, "
            f"{result.states_saved} states saved, {result.states_restored} restored; "
            f"server in maintenance: {_yes_no(result.server_in_maintenance)}")

    def _status(self, using):
        status = maintenance.server_maint_status(using=using)
        for label, value in [
            ("server in maintenance", _yes_no(status.in_maintenance)),
            ("since", status.since),
            ("enabled by", status.enabled_by),
            ("saved states", status.saved_states),
            ("agents", status.agents),
            ("agents in maintenance", status.agents_in_maintenance),
        ]:
            self.stdout.write(f"{label}: {'-' if value is None else value}")
