"""Alerts through the ORM: suppression in maintenance, the notification queue,
the overdue sweep, reminders, alert_allowed, and the events a listener gets."""
import threading
from datetime import timedelta

import psycopg2
import psycopg2.errors
from django.db import DataError, InternalError, connection
from django.test import TransactionTestCase

from maintmode_django import maintenance
from maintmode_django.exceptions import InvalidOption, NotFound
from maintmode_django.models import Agent, Alert, CheckResult, Client, Site
from fleet.tests.base import FleetTestCase


def fail(check):
    """Turns a check failing the way an agent's report does: an UPDATE."""
    CheckResult.objects.filter(pk=check.pk).update(status="failing")


class AlertTests(FleetTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.hq1_disk = CheckResult.objects.create(
            agent=cls.hq1, name="disk", status="passing", alert_severity="error",
            email_alert=True, text_alert=True)
        cls.hq2_disk = CheckResult.objects.create(
            agent=cls.hq2, name="disk", status="passing", email_alert=True)
        cls.dc1_backup = CheckResult.objects.create(
            agent=cls.dc1, kind="task", name="backup", status="passing", email_alert=True)

    def test_failing_check_is_sent_once_on_each_channel(self):
        fail(self.hq1_disk)
        alert = Alert.objects.get()
        self.assertEqual((alert.agent, alert.kind, alert.check_result, alert.severity,
                          alert.email, alert.sms, alert.suppressed),
                         (self.hq1, "check", self.hq1_disk, "error", True, True, False))
        taken = maintenance.take_notifications("email", 10)
        self.assertEqual([a.pk for a in taken], [alert.pk])
        self.assertIsNotNone(taken[0].email_sent_at)
        self.assertEqual(maintenance.take_notifications("email", 10), [])
        self.assertEqual([a.pk for a in maintenance.take_notifications("sms", 10)], [alert.pk])

    def test_alert_of_an_agent_in_maintenance_is_recorded_suppressed_and_not_sent(self):
        fail(self.hq2_disk)  # hq2 is in maintenance
        alert = Alert.objects.get()
        self.assertEqual((alert.agent, alert.suppressed), (self.hq2, True))
        self.assertEqual(maintenance.take_notifications("email", 10), [])

    def test_alert_queued_before_server_maintenance_is_not_sent_after(self):
        fail(self.dc1_backup)
        maintenance.server_maint_mode("enable")
        self.assertEqual(maintenance.take_notifications("email", 10), [])
        alert = Alert.objects.get()
        self.assertEqual((alert.kind, alert.suppressed, alert.email_sent_at),
                         ("task", True, None))

    def test_take_notifications_takes_at_most_max_count_oldest_first(self):
        for check in (self.hq1_disk, self.dc1_backup):
            fail(check)
        oldest = Alert.objects.order_by("created_at", "id").first()
        first = maintenance.take_notifications("email", 1)
        self.assertEqual([a.pk for a in first], [oldest.pk])
        second = maintenance.take_notifications("email", 1)
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second[0].pk, oldest.pk)

    def test_alert_allowed_follows_maintenance(self):
        self.assertTrue(maintenance.alert_allowed(self.hq1))
        self.assertFalse(maintenance.alert_allowed(self.hq2))
        maintenance.server_maint_mode("enable")
        self.assertFalse(maintenance.alert_allowed(self.hq1.pk))
        maintenance.server_maint_mode("disable")
        self.assertTrue(maintenance.alert_allowed(self.hq1))

    def test_sweep_overdue_raises_suppresses_and_resolves(self):
        Agent.objects.filter(pk__in=[self.dc1.pk, self.hq2.pk]).update(overdue_email_alert=True)
        self.seen_ago(self.dc1, "2 hours")
        self.seen_ago(self.hq2, "2 hours")  # in maintenance
        self.assertEqual(maintenance.sweep_overdue()._asdict(),
                         {"raised": 1, "suppressed": 1, "resolved": 0})
        self.assertEqual(maintenance.sweep_overdue(), (0, 0, 0))  # once per outage
        [sent] = maintenance.take_notifications("email", 10)
        self.assertEqual((sent.agent, sent.kind), (self.dc1, "overdue"))

        self.seen_ago(self.dc1, "0 minutes")
        self.assertEqual(maintenance.sweep_overdue().resolved, 1)
        self.assertIsNotNone(Alert.objects.get(pk=sent.pk).resolved_at)

    def test_refused_alert_calls_surface_their_sqlstate(self):
        with self.assertRaises(InvalidOption) as raised:
            maintenance.take_notifications("pager", 1)
        self.assertIsInstance(raised.exception, DataError)  # Django's class too
        self.assertIsInstance(raised.exception.__cause__.__cause__,
                              psycopg2.errors.InvalidParameterValue)
        self.assertIn('"pager"', raised.exception.message)
        with self.assertRaises(InvalidOption) as raised:
            maintenance.take_notifications("email", 0)
        self.assertEqual(maintenance.sqlstate(raised.exception), "22023")
        with self.assertRaises(NotFound) as raised:
            maintenance.alert_allowed(987654)
        self.assertIsInstance(raised.exception, InternalError)
        self.assertIsInstance(raised.exception.__cause__.__cause__, psycopg2.errors.NoDataFound)
        self.assertEqual(str(raised.exception), "agent 987654 does not exist")


class ReminderTests(FleetTestCase):
    def set_clock(self, at):
        """Moves the window clock (maintmode.test_now) for this test's transaction."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('maintmode.test_now', %s, true)", [at.isoformat()])

    def test_forgotten_maintenance_is_reminded_while_in_it_and_resolved_when_it_ends(self):
        now, user = self.now_and_user()
        maintenance.set_agent_maintenance(self.br1, True, reason="disk swap")
        self.set_clock(now + timedelta(days=8))
        # br1, and hq2, which the fixture's INSERT put in without saying since when
        self.assertEqual(maintenance.sweep_reminders(), 2)
        self.assertEqual(maintenance.sweep_reminders(), 0)  # once per period
        taken = maintenance.take_notifications("email", 10)
        self.assertEqual({(a.agent.hostname, a.kind, a.suppressed) for a in taken},
                         {("br1", "reminder", False), ("hq2", "reminder", False)})
        [br1] = [a for a in taken if a.agent == self.br1]
        self.assertTrue(br1.message.startswith(
            f"br1 has been in maintenance for 8 days, since "), br1.message)
        self.assertTrue(br1.message.endswith(f" by {user}, reason: disk swap"), br1.message)
        maintenance.set_agent_maintenance(self.br1, False)
        self.assertIsNotNone(Alert.objects.get(pk=br1.pk).resolved_at)
        self.assertIsNone(Alert.objects.get(kind="reminder", agent=self.hq2).resolved_at)

    def test_server_maintenance_is_no_agent_reminder_but_shows_in_its_status(self):
        now, _ = self.now_and_user()
        maintenance.server_maint_mode("enable")
        self.assertFalse(maintenance.server_maint_status().reminder_due)
        self.set_clock(now + timedelta(days=8))
        self.assertTrue(maintenance.server_maint_status().reminder_due)
        maintenance.sweep_reminders()
        self.assertEqual(set(Alert.objects.filter(kind="reminder")
                             .values_list("agent__hostname", flat=True)), {"hq2"})


class EventsTests(TransactionTestCase):
    """A listener gets the events of the transactions that commit."""

    def setUp(self):
        client = Client.objects.create(name="events")
        site = Site.objects.create(client=client, name="s")
        self.agents = [Agent.objects.create(site=site, hostname=f"e{n}") for n in range(3)]
        self.site = site

    def tearDown(self):
        Client.objects.filter(name="events").delete()

    def test_a_listener_gets_each_switch_once_it_commits(self):
        received = []
        listening = threading.Event()

        def listen():
            stream = maintenance.events(timeout=5)
            listening.set()
            for event in stream:
                received.append(event)
                if len(received) == 2:
                    break

        listener = threading.Thread(target=listen)
        listener.start()
        listening.wait()
        # The generator runs LISTEN when first iterated: wait until it did.
        with connection.cursor() as cursor:
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity"
                               " WHERE query = 'LISTEN maintmode_events'")
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.05)
        maintenance.set_site_maintenance(self.site, True, reason="rack move")
        maintenance.set_agent_maintenance(self.agents[0], False)
        listener.join(10)
        self.assertEqual(
            [(e["event"], e["path"], e["scope"], e["target"], e["reason"], e["agents"],
              e["agent_ids"]) for e in received],
            [("started", "site", "site", self.site.pk, "rack move", 3,
              sorted(a.pk for a in self.agents)),
             ("ended", "agent", "agent", self.agents[0].pk, "rack move", 1,
              [self.agents[0].pk])])


class ConcurrentSendersTests(TransactionTestCase):
    """Two senders at once, each in its own committed transaction."""

    def setUp(self):
        client = Client.objects.create(name="senders")
        site = Site.objects.create(client=client, name="s")
        agent = Agent.objects.create(site=site, hostname="busy")
        for n in range(4):
            CheckResult.objects.create(agent=agent, name=f"c{n}", status="passing",
                                       email_alert=True)
        CheckResult.objects.filter(agent=agent).update(status="failing")

    def tearDown(self):
        # Django does not flush unmanaged tables; the cascade removes the alerts.
        Client.objects.filter(name="senders").delete()

    def test_two_senders_never_take_the_same_alert(self):
        other = psycopg2.connect(**connection.get_connection_params())
        try:
            with other.cursor() as cursor, connection.cursor() as ours:
                cursor.execute("SELECT id FROM maintmode.take_notifications('email', 2)")
                first = {row[0] for row in cursor.fetchall()}
                # The other sender still holds its batch: ours must skip it, not wait
                # (the timeout only turns a wait into a failure instead of a hang).
                ours.execute("SET lock_timeout = '10s'")
                try:
                    second = {a.pk for a in maintenance.take_notifications("email", 10)}
                finally:
                    ours.execute("RESET lock_timeout")
                other.commit()
        finally:
            other.close()
        self.assertEqual(len(first), 2)
        self.assertEqual(len(second), 2)
        self.assertEqual(first & second, set())
        self.assertEqual(maintenance.take_notifications("email", 10), [])
