"""manage.py server_maint_mode: its output, NOTICEs and exit codes, through
call_command and as a real process."""
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase

from maintmode_django import maintenance
from maintmode_django.models import Agent, Client, MaintenanceHistory, Site
from fleet.tests.base import FleetTestCase

MANAGE_PY = Path(__file__).resolve().parents[2] / "manage.py"


def status_lines(in_maintenance, since, enabled_by, saved, agents, agents_in):
    return (f"server in maintenance: {in_maintenance}\nsince: {since}\n"
            f"enabled by: {enabled_by}\nsaved states: {saved}\nagents: {agents}\n"
            f"agents in maintenance: {agents_in}\n")


class CallCommandTests(FleetTestCase):
    def command(self, *args, **options):
        """Runs the command; returns its standard output and standard error."""
        out, err = StringIO(), StringIO()
        call_command("server_maint_mode", *args, stdout=out, stderr=err, **options)
        return out.getvalue(), err.getvalue()

    def test_enable_and_disable_print_the_result(self):
        self.assertEqual(self.command("--enable"), (
            "enable: 4 agents changed, 5 states saved, 0 restored; "
            "server in maintenance: yes\n", ""))
        self.assertEqual(self.in_maintenance(), {"hq1", "hq2", "br1", "dc1", "dc2"})
        self.assertEqual(self.command(disable=True), (  # the keyword spelling
            "disable: 4 agents changed, 0 states saved, 5 restored; "
            "server in maintenance: no\n", ""))
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_force_enable_and_force_disable_print_the_result(self):
        out, _ = self.command("--force-enable")
        self.assertEqual(out, "force-enable: 4 agents changed, 0 states saved, 0 restored; "
                              "server in maintenance: yes\n")
        out, _ = self.command("--force-disable")
        self.assertEqual(out, "force-disable: 5 agents changed, 0 states saved, 0 restored; "
                              "server in maintenance: no\n")

    def test_status_prints_every_field(self):
        self.assertEqual(self.command("--status"), (status_lines("no", "-", "-", 0, 5, 1), ""))
        self.command("--enable")
        now, user = self.now_and_user()
        self.assertEqual(self.command("--status"),
                         (status_lines("yes", now, user, 5, 5, 5), ""))

    def test_notices_go_to_standard_error(self):
        self.command("--enable")
        out, err = self.command("--enable")  # again: keeps the first saved states
        self.assertIn("server in maintenance: yes", out)
        self.assertRegex(err, r"^NOTICE:  .*\n$")
        _, err = self.command("--force-disable")
        self.assertIn("NOTICE:  ", err)

    def test_exactly_one_option(self):
        for args in [(), ("--enable", "--disable"), ("--status", "--force-enable")]:
            with self.subTest(args=args), self.assertRaises(CommandError):
                self.command(*args)
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_the_change_is_recorded_with_actor_and_reason(self):
        self.command("--enable", "--actor", "dba-on-call", "--reason", "upgrade")
        row = MaintenanceHistory.objects.get(agent=self.dc1)
        self.assertEqual((row.path, row.in_maintenance, row.actor), ("server", True, "dba-on-call"))

    def test_refusal_is_a_command_error_and_changes_nothing(self):
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE maintmode_test_cmd NOLOGIN;"
                           " GRANT USAGE ON SCHEMA maintmode TO maintmode_test_cmd;"
                           " SET LOCAL ROLE maintmode_test_cmd")
            with self.assertRaisesMessage(
                    CommandError,
                    "permission denied for function server_maint_mode (SQLSTATE 42501)"):
                self.command("--enable")
            cursor.execute("RESET ROLE")
        self.assertEqual(self.in_maintenance(), {"hq2"})


class ProcessTests(TransactionTestCase):
    """manage.py run as a process against the test database: its exit codes.  Not in a
    test's transaction, which would hold locks the command waits for."""

    def setUp(self):
        client = Client.objects.create(name="command")
        site = Site.objects.create(client=client, name="s")
        Agent.objects.bulk_create([Agent(site=site, hostname=f"c{n}") for n in range(3)])

    def tearDown(self):
        # Django does not flush unmanaged tables: remove the fleet, put the server back.
        Client.objects.filter(name="command").delete()
        maintenance.server_maint_mode("force-disable")

    def manage(self, *args, env=None):
        return subprocess.run(
            [sys.executable, str(MANAGE_PY), "server_maint_mode", *args],
            cwd=MANAGE_PY.parent, capture_output=True, text=True, timeout=120,
            env={**os.environ, "MAINTMODE_APP_DB": connection.settings_dict["NAME"],
                 **(env or {})})

    def assert_run(self, args, returncode, stdout="", stderr=None, env=None):
        """Runs manage.py server_maint_mode ARGS; checks its exit code, its standard
        output (unless None) and that its standard error matches (unless None)."""
        result = self.manage(*args, env=env)
        self.assertEqual(result.returncode, returncode, result.stderr)
        if stdout is not None:
            self.assertEqual(result.stdout, stdout)
        if stderr is not None:
            self.assertRegex(result.stderr, stderr)
        return result

    def test_success_exits_zero(self):
        self.assert_run(["--enable"], 0, "enable: 3 agents changed, 3 states saved, 0 restored; "
                                         "server in maintenance: yes\n", stderr="^$")
        self.assert_run(["--enable"], 0, "enable: 0 agents changed, 0 states saved, 0 restored; "
                                         "server in maintenance: yes\n", stderr="^NOTICE:  ")
        status = self.assert_run(["--status"], 0, stdout=None, stderr="^$").stdout
        self.assertRegex(status, "^server in maintenance: yes\n")
        self.assert_run(["--disable"], 0, "disable: 3 agents changed, 0 states saved, 3 restored; "
                                          "server in maintenance: no\n")

    def test_usage_errors_exit_two(self):
        for args in [[], ["--enable", "--disable"], ["--enabel"]]:
            with self.subTest(args=args):
                self.assert_run(args, 2, stderr=r"usage: .*server_maint_mode")
        self.assertFalse(Agent.objects.filter(maintenance_mode=True).exists())

    def test_refusal_exits_one(self):
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE maintmode_test_cmd LOGIN;"
                           " GRANT USAGE ON SCHEMA maintmode TO maintmode_test_cmd")
        try:
            self.assert_run(["--enable"], 1, env={"PGUSER": "maintmode_test_cmd"},
                            stderr="CommandError: permission denied for function "
                                   r"server_maint_mode \(SQLSTATE 42501\)")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP OWNED BY maintmode_test_cmd; DROP ROLE maintmode_test_cmd")
        self.assertFalse(Agent.objects.filter(maintenance_mode=True).exists())
