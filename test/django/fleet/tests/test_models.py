"""The unmanaged models map the extension's tables and views: every column,
relations, defaults, cascades, and the values the database decides on INSERT."""
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from maintmode_django import maintenance
from maintmode_django.models import (Agent, AgentInMaintenance, Alert, CheckResult, Client,
                                     EventLog, MaintenanceWindow, SavedState, ServerMode, Site,
                                     UpcomingWindow)
from fleet.tests.base import FleetTestCase

# Relations of schema maintmode that are the extension's own workings, not modelled:
# the dashboard's counters and what verify_counters() compares them with, and the
# overdue lookup behind the dashboard views.
INTERNAL = {"agent_counter", "site_counter", "client_counter", "agent_counter_recomputed",
            "site_counter_recomputed", "client_counter_recomputed", "overdue_alerting_agent"}


class ModelTests(FleetTestCase):
    def test_relations_follow_the_foreign_keys(self):
        self.assertEqual(sorted(a.hostname for a in self.acme.sites.get(name="hq").agents.all()),
                         ["hq1", "hq2"])
        self.assertEqual(Agent.objects.filter(site__client=self.globex).count(), 2)
        self.assertEqual(str(Agent.objects.select_related("site__client").get(hostname="br1").site),
                         "acme/branch")

    def assert_defaults_match(self, model, insert_sql, params, **required):
        """A row inserted with the database's defaults, read through the ORM, equals
        an unsaved instance built with the model's defaults."""
        with connection.cursor() as cursor:
            cursor.execute(insert_sql, params)
            pk = cursor.fetchone()[0]
        from_database = model.objects.get(pk=pk)
        from_model = model(pk=pk, **required)
        for field in model._meta.concrete_fields:
            with self.subTest(model=model.__name__, field=field.name):
                self.assertEqual(field.value_from_object(from_database),
                                 field.value_from_object(from_model))

    def test_model_defaults_are_the_extensions_defaults(self):
        self.assert_defaults_match(
            Agent, "INSERT INTO maintmode.agent (site_id, hostname) VALUES (%s, 'raw')"
            " RETURNING id", [self.hq.pk], site=self.hq, hostname="raw")
        self.assert_defaults_match(
            CheckResult, "INSERT INTO maintmode.check_result (agent_id, name) VALUES (%s, 'raw')"
            " RETURNING id", [self.hq1.pk], agent=self.hq1, name="raw")

    def test_the_databases_constraints_apply(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Site.objects.create(client=self.acme, name="hq")  # unique within its client
        with self.assertRaises(IntegrityError), transaction.atomic():
            CheckResult.objects.create(agent=self.hq1, name="x", status="broken")

    def test_deleting_a_client_cascades_in_the_database(self):
        CheckResult.objects.create(agent=self.dc1, name="ping", kind="task")
        self.globex.delete()
        self.assertEqual(set(Client.objects.values_list("name", flat=True)), {"acme"})
        self.assertFalse(Site.objects.filter(name="dc").exists())
        self.assertFalse(Agent.objects.filter(hostname__startswith="dc").exists())
        self.assertFalse(CheckResult.objects.filter(name="ping").exists())

    def test_migrations_record_every_model(self):
        # exits non-zero (SystemExit) when a model changed without a migration
        call_command("makemigrations", "maintmode_django", check=True, dry_run=True, verbosity=0)

    def test_every_table_and_view_has_a_model_with_every_column(self):
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum)
                  FROM pg_class c
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
                                     AND NOT a.attisdropped
                 WHERE c.relnamespace = 'maintmode'::regnamespace AND c.relkind IN ('r', 'v')
                 GROUP BY c.relname""")
            relations = {name: set(columns) for name, columns in cursor.fetchall()}
        models = {model._meta.db_table.split('"."')[1]: model
                  for model in apps.get_app_config("maintmode_django").get_models()}
        self.assertEqual(set(relations) - INTERNAL - set(models), set(), "not modelled")
        for name, model in models.items():
            with self.subTest(relation=name):
                self.assertIn(name, relations)
                self.assertEqual({field.column for field in model._meta.concrete_fields},
                                 relations[name])
                list(model.objects.all()[:1])  # and the ORM reads it

    def test_agent_created_in_maintenance_returns_its_hand_details(self):
        # For an application's role, the extension's BEFORE INSERT trigger sets since
        # when and by whom, whatever the INSERT said (a superuser's are kept as
        # written); create() reads them back from INSERT ... RETURNING, with no second
        # query.
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE maintmode_test_app NOLOGIN;"
                           " GRANT USAGE ON SCHEMA maintmode TO maintmode_test_app;"
                           " GRANT SELECT, INSERT ON maintmode.agent TO maintmode_test_app;"
                           " SET LOCAL ROLE maintmode_test_app")
            with self.assertNumQueries(1):
                new = Agent.objects.create(site=self.dc, hostname="dc3", maintenance_mode=True,
                                           hand_reason="new rack")
            cursor.execute("RESET ROLE")
        now, _ = self.now_and_user()
        self.assertEqual((new.maintenance_mode, new.hand_maintenance, new.window_maintenance,
                          new.hand_since, new.hand_set_by, new.hand_reason),
                         (True, True, False, now, "maintmode_test_app", "new rack"))
        stored = Agent.objects.get(pk=new.pk)
        for field in Agent._meta.concrete_fields:
            with self.subTest(field=field.name):
                self.assertEqual(field.value_from_object(new), field.value_from_object(stored))

    def test_alert_created_for_an_agent_in_maintenance_returns_it_suppressed(self):
        # Needs 1.3's alert trigger, which decides before the row is written.
        disk = CheckResult.objects.create(agent=self.hq2, name="disk")
        with self.assertNumQueries(1):
            alert = Alert.objects.create(agent=self.hq2, kind="check", check_result=disk,
                                         severity="error", message="disk full", email=True)
        stored = Alert.objects.get(pk=alert.pk)
        self.assertTrue(stored.suppressed)
        self.assertEqual((alert.suppressed, alert.suppressed_reason),
                         (stored.suppressed, stored.suppressed_reason))
        live = Alert.objects.create(agent=self.hq1, kind="overdue", severity="error",
                                    message="hq1 overdue")
        self.assertEqual((live.suppressed, live.suppressed_reason), (False, None))
        [bulk] = Alert.objects.bulk_create([Alert(agent=self.hq2, kind="overdue",
                                                  severity="warning", message="hq2 overdue")])
        self.assertTrue(bulk.suppressed)

    def test_hand_switch_with_expiry_and_reason_reads_back_through_the_models(self):
        until = timezone.now() + timedelta(hours=2)
        self.assertEqual(maintenance.set_agent_maintenance(self.hq1, True, until=until,
                                                           reason="disk swap"), 1)
        self.hq1.refresh_from_db()
        self.assertEqual((self.hq1.maintenance_mode, self.hq1.hand_maintenance,
                          self.hq1.hand_reason, self.hq1.hand_until),
                         (True, True, "disk swap", until))
        [row] = AgentInMaintenance.objects.filter(agent=self.hq1)
        self.assertEqual((row.hostname, row.site, row.client, row.source, row.window,
                          row.reason, row.until),
                         ("hq1", self.hq, self.acme, "hand", None, "disk swap", until))
        log = EventLog.objects.latest("id")
        self.assertEqual((log.scope, log.target_id, log.agents_changed),
                         ("agent", self.hq1.pk, 1))

        # an ORM save that writes back what it read changes nothing
        self.hq1.hostname = "hq1-renamed"
        self.hq1.save()
        self.hq1.refresh_from_db()
        self.assertEqual((self.hq1.hand_reason, self.hq1.hand_until), ("disk swap", until))

    def test_windows_through_the_helpers_and_the_models(self):
        now = timezone.now()
        window_id = maintenance.create_window("site", self.dc, now - timedelta(minutes=1),
                                              duration=timedelta(hours=1), reason="rack move")
        window = MaintenanceWindow.objects.get(pk=window_id)
        self.assertEqual((window.scope, window.site, window.reason, window.ended_at),
                         ("site", self.dc, "rack move", None))
        self.assertEqual(window.ends_at - window.starts_at, timedelta(hours=1))
        self.assertEqual(set(self.dc.maintenance_windows.all()), {window})
        rows = AgentInMaintenance.objects.filter(source="window")
        self.assertEqual({(row.hostname, row.window_id) for row in rows},
                         {("dc1", window_id), ("dc2", window_id)})
        dc1 = Agent.objects.get(pk=self.dc1.pk)
        self.assertEqual((dc1.maintenance_mode, dc1.hand_maintenance, dc1.window_maintenance),
                         (True, False, True))

        later = window.ends_at + timedelta(hours=1)
        self.assertEqual(maintenance.extend_window(window, later), later)
        self.assertEqual(maintenance.sweep_windows()._asdict(),
                         {"hand_expired": 0, "window_entered": 0, "window_left": 0})
        self.assertEqual(maintenance.end_window(window_id), 2)
        self.assertIsNotNone(MaintenanceWindow.objects.get(pk=window_id).ended_at)
        self.assertEqual(self.in_maintenance(), {"hq2"})

    def test_a_monthly_rule_through_the_helpers_and_the_models(self):
        # Patch night, the Wednesday after the second Tuesday: in July 2031, which
        # begins on a Tuesday, the 9th; in October 2031 the 15th.
        window_id = maintenance.create_window(
            "client", self.dc.client, datetime(2031, 7, 1, 20, tzinfo=dt_timezone.utc),
            duration=timedelta(hours=4), time_zone="Europe/Berlin",
            repeat="freq=monthly;byday=we;bymonthday=9,10,11,12,13,14,15", reason="patch night")
        window = MaintenanceWindow.objects.get(pk=window_id)
        self.assertEqual(window.repeat, "FREQ=MONTHLY;BYDAY=WE;BYMONTHDAY=9,10,11,12,13,14,15")
        occurrences = maintenance.window_occurrences(
            window, datetime(2031, 7, 1, tzinfo=dt_timezone.utc),
            datetime(2031, 11, 1, tzinfo=dt_timezone.utc))
        self.assertEqual([o.starts.astimezone(dt_timezone.utc).date().isoformat()
                          for o in occurrences],
                         ["2031-07-09", "2031-08-13", "2031-09-10", "2031-10-15"])
        self.assertEqual(occurrences[0].ends - occurrences[0].starts, timedelta(hours=4))
        upcoming = UpcomingWindow.objects.get(window=window_id)
        self.assertEqual((upcoming.scope, upcoming.target, upcoming.in_force, upcoming.starts),
                         ("client", self.dc.client_id, False, occurrences[0].starts))

    def test_server_mode_and_saved_states_through_the_models(self):
        self.assertFalse(ServerMode.objects.filter(in_maintenance=True).exists())
        maintenance.set_agent_maintenance(self.hq1, True, reason="disk swap")
        maintenance.server_maint_mode("enable")
        mode = ServerMode.objects.get()
        now, user = self.now_and_user()
        self.assertEqual((mode.in_maintenance, mode.since, mode.enabled_by), (True, now, user))
        saved = dict(SavedState.objects.values_list("agent__hostname", "maintenance_mode"))
        self.assertEqual(saved, {"hq1": True, "hq2": True, "br1": False, "dc1": False,
                                 "dc2": False})
        hq1 = self.hq1.saved_state
        self.assertEqual((hq1.maintenance_mode, hq1.hand_reason, hq1.hand_set_by, hq1.hand_since,
                          hq1.hand_until), (True, "disk swap", user, now, None))
        self.assertEqual(EventLog.objects.latest("id").states_saved, 5)
        maintenance.server_maint_mode("disable")
        self.assertFalse(SavedState.objects.exists())
        self.hq1.refresh_from_db()
        self.assertEqual(self.hq1.hand_reason, "disk swap")  # given back
