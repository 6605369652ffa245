"""A small fleet, created through the ORM for every test case:

    acme    hq      hq1, hq2 (in maintenance by hand)
            branch  br1
    globex  dc      dc1, dc2
"""
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test import TestCase

from maintmode_django.models import Agent, Client, Site


class FleetTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.acme = Client.objects.create(name="acme")
        cls.globex = Client.objects.create(name="globex")
        cls.hq = Site.objects.create(client=cls.acme, name="hq")
        cls.branch = Site.objects.create(client=cls.acme, name="branch")
        cls.dc = Site.objects.create(client=cls.globex, name="dc")
        cls.hq1 = Agent.objects.create(site=cls.hq, hostname="hq1")
        cls.hq2 = Agent.objects.create(site=cls.hq, hostname="hq2", maintenance_mode=True)
        cls.br1 = Agent.objects.create(site=cls.branch, hostname="br1")
        cls.dc1 = Agent.objects.create(site=cls.dc, hostname="dc1")
        cls.dc2 = Agent.objects.create(site=cls.dc, hostname="dc2")

    @staticmethod
    def in_maintenance():
        """Hostnames of the agents in maintenance, read back through the ORM."""
        return set(Agent.objects.filter(maintenance_mode=True)
                   .values_list("hostname", flat=True))

    @staticmethod
    def now_and_user():
        """The database's now() (fixed for the whole test) and current_user."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT now(), current_user")
            return cursor.fetchone()

    @staticmethod
    def seen_ago(agent, interval):
        """Sets the agent's last_seen to interval (e.g. '31 minutes') before the
        database's now(), which status is computed against and which is fixed for
        the whole test (one transaction)."""
        Agent.objects.filter(pk=agent.pk).update(
            last_seen=RawSQL("now() - %s::interval", [interval]))
