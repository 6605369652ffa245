"""Alerts through the ORM: suppression in maintenance, the notification queue,
the overdue sweep and alert_allowed."""
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
