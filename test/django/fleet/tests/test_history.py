"""The maintenance history (1.3) through the models, with the application's user as
actor: set by maintmode_django.actor() and by ActorMiddleware for a request's user."""
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.db import ProgrammingError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory, TransactionTestCase

from maintmode_django import actor, maintenance
from maintmode_django.exceptions import sqlstate
from maintmode_django.middleware import ActorMiddleware
from maintmode_django.models import Agent, Client, MaintenanceHistory, Site
from fleet.tests.base import FleetTestCase


def actor_settings():
    """maintmode.actor and maintmode.reason as the transaction sees them now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('maintmode.actor', true),"
                       " current_setting('maintmode.reason', true)")
        return tuple(value or None for value in cursor.fetchone())


def history_of(*agents):
    """(hostname, in_maintenance, path, actor, reason) of the agents' history rows,
    oldest first."""
    rows = MaintenanceHistory.objects.filter(agent__in=agents).order_by("id")
    return [(row.agent.hostname, row.in_maintenance, row.path, row.actor, row.reason)
            for row in rows]


class EmailActorMiddleware(ActorMiddleware):
    def get_actor(self, request):
        return request.user.email if request.user.is_authenticated else None


class ActorTests(FleetTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.alice = User.objects.create_user("alice", "alice@example.com")

    def test_orm_save_in_actor_block_is_recorded_with_actor_and_reason(self):
        with actor("alice", reason="disk swap"):
            self.assertEqual(actor_settings(), ("alice", "disk swap"))
            self.hq1.maintenance_mode = True
            self.hq1.save(update_fields=["maintenance_mode"])
        self.assertEqual(history_of(self.hq1), [("hq1", True, "sql", "alice", "disk swap")])
        row = MaintenanceHistory.objects.get(agent=self.hq1)
        now, user = self.now_and_user()
        self.assertEqual((row.changed_at, row.session_role, row.acting_role, row.window),
                         (now, user, user, None))
        self.assertEqual(list(self.hq1.maintenance_history.all()), [row])

    def test_helpers_in_actor_block_record_the_actor_for_every_agent_changed(self):
        with actor(self.alice):  # a user instance: its username
            # hq2 was in by hand: its new reason counts as a change, but its effective
            # maintenance did not change, so it has no history row
            self.assertEqual(maintenance.set_site_maintenance(self.hq, True, reason="patching"), 2)
            maintenance.server_maint_mode("enable")
        site_row, server_row = history_of(self.hq1, self.br1)
        self.assertEqual(site_row, ("hq1", True, "site", "alice", "patching"))
        self.assertEqual(server_row[:4], ("br1", True, "server", "alice"))

    def test_nested_actor_blocks_restore_the_outer_actor(self):
        self.assertEqual(actor_settings(), (None, None))
        with actor("alice", reason="outer"):
            with actor("bob"):
                self.assertEqual(actor_settings(), ("bob", None))
                maintenance.set_agent_maintenance(self.dc1, True)
            self.assertEqual(actor_settings(), ("alice", "outer"))
            maintenance.set_agent_maintenance(self.dc2, True)
        self.assertEqual([(host, who) for host, _, _, who, _ in history_of(self.dc1, self.dc2)],
                         [("dc1", "bob"), ("dc2", "alice")])

    def test_a_failed_actor_block_rolls_back_its_changes_and_its_actor(self):
        with self.assertRaises(ZeroDivisionError):
            with actor("alice"):
                maintenance.set_agent_maintenance(self.dc1, True)
                1 / 0
        self.assertEqual(actor_settings(), (None, None))
        self.assertEqual(self.in_maintenance(), {"hq2"})
        self.assertEqual(history_of(self.dc1), [])

    def test_anonymous_or_no_user_sets_no_actor(self):
        with actor(AnonymousUser()):
            self.assertEqual(actor_settings(), (None, None))
        with actor(None, reason="cron"):
            self.assertEqual(actor_settings(), (None, "cron"))

    def test_request_through_the_middleware_records_the_user(self):
        self.client.force_login(self.alice)
        response = self.client.post(f"/agents/{self.dc1.pk}/maintenance", {"on": "1"})
        self.assertEqual(response.content, b"dc1: in\n")
        self.client.logout()
        response = self.client.post(f"/agents/{self.dc1.pk}/maintenance", {"on": "0"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(history_of(self.dc1), [("dc1", True, "sql", "alice", None),
                                               ("dc1", False, "sql", None, None)])

    def test_middleware_needs_the_authentication_middleware(self):
        middleware = ActorMiddleware(lambda request: HttpResponse())
        with self.assertRaisesMessage(ImproperlyConfigured, "AuthenticationMiddleware"):
            middleware(RequestFactory().get("/"))

    def test_middleware_get_actor_can_be_overridden(self):
        def view(request):
            maintenance.set_agent_maintenance(self.br1, True)
            return HttpResponse()

        request = RequestFactory().post("/")
        request.user = self.alice
        EmailActorMiddleware(view)(request)
        self.assertEqual(history_of(self.br1), [("br1", True, "agent", "alice@example.com", None)])

    def test_history_is_append_only(self):
        maintenance.set_agent_maintenance(self.dc1, True)
        rows = MaintenanceHistory.objects.filter(agent=self.dc1)
        for change in (lambda: rows.update(reason="rewritten"), rows.delete):
            with self.subTest(change=change), self.assertRaises(ProgrammingError) as raised, \
                    transaction.atomic():
                change()
            self.assertEqual(sqlstate(raised.exception), "42501")
        self.assertEqual(history_of(self.dc1), [("dc1", True, "agent", None, None)])

    def test_purge_history_deletes_rows_older_than_before(self):
        maintenance.set_agent_maintenance(self.dc1, True)
        changed_at = MaintenanceHistory.objects.get(agent=self.dc1).changed_at
        self.assertEqual(maintenance.purge_history(changed_at - timedelta(seconds=1)), 0)
        self.assertGreaterEqual(maintenance.purge_history(changed_at + timedelta(seconds=1)), 1)
        self.assertEqual(history_of(self.dc1), [])


class MiddlewareTransactionTests(TransactionTestCase):
    """The middleware opens the transaction itself: its actor reaches the view's
    writes even outside a test's transaction and without ATOMIC_REQUESTS."""

    def setUp(self):
        client = Client.objects.create(name="middleware")
        site = Site.objects.create(client=client, name="s")
        self.agent = Agent.objects.create(site=site, hostname="mw1")
        self.user = User.objects.create_user("carol")

    def tearDown(self):
        # Django does not flush unmanaged tables; the history stays (append-only).
        Client.objects.filter(name="middleware").delete()

    def test_view_writes_commit_with_the_requests_actor(self):
        def view(request):
            self.assertTrue(connection.in_atomic_block)
            Agent.objects.filter(pk=self.agent.pk).update(maintenance_mode=True)
            return HttpResponse()

        request = RequestFactory().post("/")
        request.user = self.user
        self.assertFalse(connection.in_atomic_block)
        ActorMiddleware(view)(request)
        self.assertFalse(connection.in_atomic_block)
        self.assertEqual(history_of(self.agent), [("mw1", True, "sql", "carol", None)])
        self.assertEqual(actor_settings(), (None, None))  # SET LOCAL: gone with the transaction
