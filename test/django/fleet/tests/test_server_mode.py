"""server_maint_mode and server_maint_status through the ORM helpers."""
import psycopg2.errors
from django.db import DataError

from maintmode_django import maintenance
from maintmode_django.exceptions import InvalidOption
from maintmode_django.models import Agent
from fleet.tests.base import FleetTestCase

EVERY_AGENT = {"hq1", "hq2", "br1", "dc1", "dc2"}


class ServerModeTests(FleetTestCase):
    def test_enable_then_disable_restores_every_agent(self):
        maintenance.set_agent_maintenance(self.dc1, True)  # by hand before the window
        result = maintenance.server_maint_mode("enable")
        self.assertEqual(result, ("enable", 3, 5, 0, True))
        self.assertEqual(result.agents_changed, 3)
        self.assertEqual(self.in_maintenance(), EVERY_AGENT)

        maintenance.set_agent_maintenance(self.dc1, False)  # by hand during the window
        result = maintenance.server_maint_mode("disable")
        # hq1, br1, dc2 leave; dc1 gets its saved state (in) back; hq2 stays in
        self.assertEqual(result._asdict(), {
            "action": "disable", "agents_changed": 4, "states_saved": 0,
            "states_restored": 5, "server_in_maintenance": False})
        self.assertEqual(self.in_maintenance(), {"hq2", "dc1"})

    def test_status_during_and_after_the_window(self):
        before = maintenance.server_maint_status()
        self.assertEqual(
            (before.in_maintenance, before.since, before.enabled_by, before.saved_states,
             before.agents, before.agents_in_maintenance),
            (False, None, None, 0, 5, 1))

        maintenance.server_maint_mode("--enable")  # the command-line spelling
        during = maintenance.server_maint_status()
        now, user = self.now_and_user()
        self.assertEqual(during._asdict(), {
            "in_maintenance": True, "since": now, "enabled_by": user,
            "saved_states": 5, "agents": 5, "agents_in_maintenance": 5,
            "reminder_due": False})

        maintenance.server_maint_mode("DISABLE")
        self.assertEqual(maintenance.server_maint_status(), before)

    def test_agent_created_during_the_window_starts_in_maintenance(self):
        maintenance.server_maint_mode("enable")
        # The INSERT says false; the extension's trigger puts it in after the INSERT,
        # so the instance only shows it once read back.
        dc3 = Agent.objects.create(site=self.dc, hostname="dc3")
        self.assertFalse(dc3.maintenance_mode)
        dc3.refresh_from_db()
        self.assertTrue(dc3.maintenance_mode)
        self.assertEqual(maintenance.server_maint_mode("disable").states_restored, 5)
        dc3.refresh_from_db()
        self.assertFalse(dc3.maintenance_mode)
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_force_enable_and_force_disable(self):
        self.assertEqual(maintenance.server_maint_mode("force-enable"),
                         ("force-enable", 4, 0, 0, True))
        self.assertEqual(maintenance.server_maint_status().saved_states, 0)
        self.assertEqual(self.in_maintenance(), EVERY_AGENT)
        self.assertEqual(maintenance.server_maint_mode("force-disable"),
                         ("force-disable", 5, 0, 0, False))
        self.assertEqual(self.in_maintenance(), set())

    def test_invalid_option_is_invalid_parameter_value_and_changes_nothing(self):
        before = maintenance.server_maint_status()
        with self.assertRaises(InvalidOption) as raised:
            maintenance.server_maint_mode("enabel")
        error = raised.exception
        self.assertEqual((error.sqlstate, error.message),
                         ("22023", 'invalid server_maint_mode option "enabel"'))
        self.assertIn("enable, disable, force-enable and force-disable", error.hint)
        # the Django exception, then psycopg2's, are kept as causes
        self.assertIsInstance(error.__cause__, DataError)
        cause = error.__cause__.__cause__
        self.assertIsInstance(cause, psycopg2.errors.InvalidParameterValue)
        self.assertEqual(cause.pgcode, "22023")
        self.assertEqual(cause.diag.message_hint, error.hint)

        with self.assertRaises(DataError) as raised:  # still Django's class
            maintenance.server_maint_mode(None)
        self.assertEqual(maintenance.sqlstate(raised.exception), "22023")
        self.assertEqual(str(raised.exception), "server_maint_mode option must not be null")

        self.assertEqual(maintenance.server_maint_status(), before)
        self.assertEqual(self.in_maintenance(), {"hq2"})
