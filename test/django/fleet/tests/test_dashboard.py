"""Dashboard colours read back through the ORM after switching maintenance with
the helpers (spec "Dashboard colour")."""
from django.db import connection

from maintmode_django import maintenance
from maintmode_django.models import Agent, AgentDashboard, CheckResult, Client, ClientDashboard, Site, SiteDashboard
from fleet.tests.base import FleetTestCase


class DashboardTests(FleetTestCase):
    """On top of the fleet: hq1 has a failing error check, br1 a failing warning task
    and a pending error check, dc1 a failing info check; globex/empty has no agents."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.empty = Site.objects.create(client=cls.globex, name="empty")
        CheckResult.objects.bulk_create([
            CheckResult(agent=cls.hq1, name="raid", status="failing", alert_severity="error"),
            CheckResult(agent=cls.hq2, name="raid", status="failing", alert_severity="error"),
            CheckResult(agent=cls.br1, kind="task", name="backup", status="failing"),
            CheckResult(agent=cls.br1, name="ups", status="pending", alert_severity="error"),
            CheckResult(agent=cls.dc1, name="updates", status="failing", alert_severity="info"),
            CheckResult(agent=cls.dc2, name="ping", status="passing", alert_severity="error"),
        ])

    @staticmethod
    def colours():
        return {
            "agents": dict(AgentDashboard.objects.values_list("hostname", "colour")),
            "sites": dict(SiteDashboard.objects.values_list("name", "colour")),
            "clients": dict(ClientDashboard.objects.values_list("name", "colour")),
        }

    def assert_counters_agree(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM maintmode.verify_counters()")
            self.assertEqual(cursor.fetchall(), [])

    BEFORE = {
        "agents": {"hq1": "error", "hq2": "maintenance", "br1": "warning",
                   "dc1": "info", "dc2": "passing"},
        "sites": {"hq": "error", "branch": "warning", "dc": "ok", "empty": "ok"},
        "clients": {"acme": "error", "globex": "ok"},
    }

    def test_colours_of_the_fleet(self):
        self.assertEqual(self.colours(), self.BEFORE)
        board = self.hq1.dashboard
        self.assertEqual((board.status, board.maintenance_mode, board.failing_error,
                          board.failing_warning, board.failing_info, board.site, board.client),
                         ("offline", False, 1, 0, 0, self.hq, self.acme))
        self.assertEqual((self.hq.dashboard.agents, self.hq.dashboard.agents_in_maintenance),
                         (2, 1))
        self.assertEqual(list(Site.objects.filter(dashboard__colour="error")), [self.hq])
        self.assert_counters_agree()

    def test_a_site_in_maintenance_does_not_hide_the_rest_of_its_client(self):
        self.assertEqual(maintenance.set_site_maintenance(self.hq, True), 1)
        colours = self.colours()
        self.assertEqual(colours["sites"]["hq"], "maintenance")
        self.assertEqual(colours["clients"]["acme"], "warning")  # br1 still counts
        self.assertEqual(maintenance.set_agent_maintenance(self.br1, True), 1)
        self.assertEqual(self.colours()["clients"]["acme"], "maintenance")
        self.assertEqual(ClientDashboard.objects.get(client=self.acme).agents_in_maintenance, 3)
        self.assert_counters_agree()

    def test_some_agents_in_maintenance_never_make_the_site_maintenance(self):
        maintenance.set_agent_maintenance(self.dc2, True)
        self.assertEqual(self.colours()["sites"]["dc"], "ok")
        maintenance.set_agent_maintenance(self.hq2, False)  # its failing error shows
        self.assertEqual(self.colours()["agents"]["hq2"], "error")
        maintenance.set_agent_maintenance(self.hq1, True)
        self.assertEqual(self.colours()["sites"]["hq"], "error")
        self.assert_counters_agree()

    def test_server_maintenance_turns_everything_maintenance_and_back(self):
        maintenance.server_maint_mode("enable")
        colours = self.colours()
        self.assertEqual(set(colours["agents"].values()), {"maintenance"})
        self.assertEqual(colours["sites"], {"hq": "maintenance", "branch": "maintenance",
                                            "dc": "maintenance", "empty": "ok"})
        self.assertEqual(colours["clients"], {"acme": "maintenance", "globex": "maintenance"})
        maintenance.server_maint_mode("disable")
        self.assertEqual(self.colours(), self.BEFORE)
        self.assert_counters_agree()

    def test_overdue_is_error_only_with_an_overdue_alert_flag(self):
        self.seen_ago(self.dc2, "2 hours")
        self.assertEqual(AgentDashboard.objects.get(agent=self.dc2).colour, "passing")
        Agent.objects.filter(pk=self.dc2.pk).update(overdue_dashboard_alert=True)
        board = AgentDashboard.objects.get(agent=self.dc2)
        self.assertEqual((board.status, board.colour), ("overdue", "error"))
        self.assertEqual(self.colours()["clients"]["globex"], "error")
        maintenance.set_agent_maintenance(self.dc2, True)
        self.assertEqual(self.colours()["clients"]["globex"], "ok")

    def test_orm_writes_keep_the_counters_current(self):
        CheckResult.objects.filter(agent__site=self.dc).update(status="failing")
        self.assertEqual(self.colours()["sites"]["dc"], "error")  # dc2's error check
        Agent.objects.bulk_create([Agent(site=self.empty, hostname=f"e{n}") for n in range(3)])
        self.assertEqual(SiteDashboard.objects.get(site=self.empty).agents, 3)
        Agent.objects.filter(site=self.empty).update(maintenance_mode=True)
        self.assertEqual(self.colours()["sites"]["empty"], "maintenance")
        self.assert_counters_agree()
        Client.objects.filter(pk=self.globex.pk).delete()
        self.assertEqual(set(ClientDashboard.objects.values_list("name", flat=True)), {"acme"})
        self.assertFalse(SiteDashboard.objects.filter(client=self.globex.pk).exists())
        self.assert_counters_agree()
