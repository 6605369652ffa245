"""set_agent/site/client_maintenance through the ORM helpers, and how refusals
surface in Django."""
import psycopg2.errors
from django.db import DataError, InternalError, ProgrammingError, connection, transaction

from maintmode_django import maintenance
from maintmode_django.exceptions import NotFound, NullArgument, PermissionDenied
from maintmode_django.models import Agent, AgentDashboard, Alert, CheckResult, SiteDashboard
from fleet.tests.base import FleetTestCase


class SwitchTests(FleetTestCase):
    def test_agent_switch_returns_agents_changed(self):
        self.assertEqual(maintenance.set_agent_maintenance(self.hq1, True), 1)
        self.assertEqual(maintenance.set_agent_maintenance(self.hq1, True), 0)
        self.hq1.refresh_from_db()
        self.assertTrue(self.hq1.maintenance_mode)
        self.assertEqual(self.in_maintenance(), {"hq1", "hq2"})

    def test_switches_take_ids_as_well_as_instances(self):
        self.assertEqual(maintenance.set_agent_maintenance(self.dc1.pk, True), 1)
        self.assertEqual(maintenance.set_site_maintenance(self.dc.pk, False), 1)
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_site_switch_changes_only_that_site(self):
        self.assertEqual(maintenance.set_site_maintenance(self.hq, True), 1)  # hq2 was in
        self.assertEqual(self.in_maintenance(), {"hq1", "hq2"})
        self.assertEqual(maintenance.set_site_maintenance(self.hq, False), 2)
        self.assertEqual(self.in_maintenance(), set())

    def test_client_switch_changes_every_site_of_the_client(self):
        self.assertEqual(maintenance.set_client_maintenance(self.acme, True), 2)
        self.assertEqual(self.in_maintenance(), {"hq1", "hq2", "br1"})
        self.assertEqual(maintenance.set_client_maintenance(self.globex, True), 2)
        self.assertEqual(maintenance.set_client_maintenance(self.acme, False), 3)
        self.assertEqual(self.in_maintenance(), {"dc1", "dc2"})

    def test_unknown_id_is_no_data_found_and_changes_nothing(self):
        with self.assertRaises(NotFound) as raised:
            maintenance.set_site_maintenance(987654, True)
        self.assertIsInstance(raised.exception, InternalError)
        self.assertIsInstance(raised.exception.__cause__.__cause__, psycopg2.errors.NoDataFound)
        self.assertEqual(maintenance.sqlstate(raised.exception), "P0002")
        self.assertEqual(raised.exception.message, "site 987654 does not exist")
        # the helper's savepoint keeps the test's transaction usable
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_null_argument_is_null_value_not_allowed(self):
        with self.assertRaises(NullArgument) as raised:
            maintenance.set_agent_maintenance(self.hq1, None)
        self.assertIsInstance(raised.exception, DataError)
        self.assertIsInstance(raised.exception.__cause__.__cause__,
                              psycopg2.errors.NullValueNotAllowed)
        self.assertEqual(maintenance.sqlstate(raised.exception), "22004")
        self.assertEqual(raised.exception.message, "enabled must not be null")
        self.assertIn("Pass true", raised.exception.hint)
        with self.assertRaises(NullArgument) as raised:
            maintenance.set_client_maintenance(None, True)
        self.assertEqual(raised.exception.message, "client must not be null")
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_role_without_execute_is_insufficient_privilege(self):
        # The switches are REVOKEd from PUBLIC: an application role needs a GRANT.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE ROLE maintmode_test_app NOLOGIN")
            cursor.execute("GRANT USAGE ON SCHEMA maintmode TO maintmode_test_app")
            cursor.execute("SET LOCAL ROLE maintmode_test_app")
            with self.assertRaises(PermissionDenied) as raised:
                maintenance.set_agent_maintenance(self.hq1, True)
            self.assertIsInstance(raised.exception, ProgrammingError)
            self.assertIsInstance(raised.exception.__cause__.__cause__,
                                  psycopg2.errors.InsufficientPrivilege)
            self.assertEqual(raised.exception.message,
                             "permission denied for function set_agent_maintenance")

            cursor.execute("RESET ROLE")
            cursor.execute("GRANT EXECUTE ON FUNCTION maintmode.set_agent_maintenance"
                           "(bigint, boolean, timestamptz, text) TO maintmode_test_app")
            cursor.execute("SET LOCAL ROLE maintmode_test_app")
            self.assertEqual(maintenance.set_agent_maintenance(self.hq1, True), 1)
            cursor.execute("RESET ROLE")
        self.assertEqual(self.in_maintenance(), {"hq1", "hq2"})


class AgentStatusTests(FleetTestCase):
    def test_with_status_annotates_the_extensions_status(self):
        self.seen_ago(self.hq1, "1 minute")
        self.seen_ago(self.br1, "10 minutes")
        self.seen_ago(self.dc1, "31 minutes")
        statuses = dict(Agent.objects.with_status().values_list("hostname", "status"))
        self.assertEqual(statuses, {"hq1": "online", "hq2": "offline", "br1": "offline",
                                    "dc1": "overdue", "dc2": "offline"})
        self.assertEqual(Agent.objects.with_status().filter(status="overdue").get(), self.dc1)


class ApplicationRoleTests(FleetTestCase):
    def test_the_readmes_grants_are_enough_for_an_application(self):
        """The grants "Using maintmode from psql" gives rmm_app, and nothing more."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("""
                CREATE ROLE rmm_app LOGIN;
                GRANT USAGE ON SCHEMA maintmode TO rmm_app;
                GRANT SELECT, INSERT, UPDATE, DELETE
                   ON maintmode.client, maintmode.site, maintmode.agent,
                      maintmode.check_result TO rmm_app;
                GRANT SELECT ON maintmode.agent_dashboard, maintmode.site_dashboard,
                                maintmode.client_dashboard, maintmode.alert TO rmm_app;
                GRANT SELECT ON maintmode.agent_counter, maintmode.site_counter,
                                maintmode.client_counter TO rmm_app;
                GRANT EXECUTE ON FUNCTION maintmode.set_agent_maintenance(bigint, boolean, timestamptz, text),
                                          maintmode.set_site_maintenance(bigint, boolean, timestamptz, text),
                                          maintmode.set_client_maintenance(bigint, boolean, timestamptz, text),
                                          maintmode.take_notifications(text, integer)
                   TO rmm_app;
                GRANT EXECUTE ON FUNCTION maintmode.site_overdue_alerting(bigint),
                                          maintmode.client_overdue_alerting(bigint) TO rmm_app;
                GRANT SELECT ON maintmode.server_mode, maintmode.saved_state,
                                maintmode.maintenance_window TO rmm_app;
                SET LOCAL ROLE rmm_app;
            """)
            new = Agent.objects.create(site=self.dc, hostname="dc3")
            check = CheckResult.objects.create(agent=new, name="disk", status="passing",
                                               email_alert=True)
            CheckResult.objects.filter(pk=check.pk).update(status="failing")
            self.assertEqual(maintenance.set_site_maintenance(self.dc, True), 3)
            self.assertEqual(AgentDashboard.objects.get(agent=new).colour, "maintenance")
            self.assertEqual(SiteDashboard.objects.get(site=self.dc).colour, "maintenance")
            self.assertEqual(maintenance.server_maint_status().agents_in_maintenance, 4)
            self.assertFalse(maintenance.alert_allowed(new))
            self.assertEqual(maintenance.take_notifications("email", 10), [])
            self.assertTrue(Alert.objects.get(agent=new).suppressed)
            with self.assertRaises(PermissionDenied):
                maintenance.server_maint_mode("enable")  # the DBA's, not the application's
            cursor.execute("RESET ROLE")
