"""The unmanaged models map the extension's tables: relations, defaults, cascades."""
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from maintmode_django.models import Agent, CheckResult, Client, Site
from fleet.tests.base import FleetTestCase


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
