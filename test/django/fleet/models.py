"""Unmanaged models over the tables and views of the maintmode extension.

The extension owns schema maintmode and everything in it: Django never creates,
alters or drops these (managed = False).  db_table 'maintmode"."agent' is quoted by
Django as "maintmode"."agent", so the models work whatever the connection's
search_path is.  Foreign keys are DO_NOTHING because the database itself cascades
(deleting a client deletes its sites, agents, checks and alerts).
"""
from django.db import models
from django.db.models import F, Func


def maintmode_table(name):
    """The db_table of maintmode.NAME."""
    return f'maintmode"."{name}'


class Client(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.TextField(unique=True)

    class Meta:
        managed = False
        db_table = maintmode_table("client")

    def __str__(self):
        return self.name


class Site(models.Model):
    id = models.BigAutoField(primary_key=True)
    client = models.ForeignKey(Client, models.DO_NOTHING, related_name="sites")
    name = models.TextField()

    class Meta:
        managed = False
        db_table = maintmode_table("site")

    def __str__(self):
        return f"{self.client}/{self.name}"


class AgentQuerySet(models.QuerySet):
    def with_status(self):
        """Annotates each agent with status (online / offline / overdue) as the
        extension computes it, at the time of the query."""
        return self.annotate(status=Func(
            F("last_seen"), F("offline_time"), F("overdue_time"),
            function="maintmode.agent_status", output_field=models.TextField()))


class Agent(models.Model):
    """An agent.  One created while the server is in maintenance is put into
    maintenance by a trigger after the INSERT: refresh_from_db() to see it."""
    id = models.BigAutoField(primary_key=True)
    site = models.ForeignKey(Site, models.DO_NOTHING, related_name="agents")
    hostname = models.TextField()
    maintenance_mode = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    offline_time = models.IntegerField(default=4)
    overdue_time = models.IntegerField(default=30)
    overdue_email_alert = models.BooleanField(default=False)
    overdue_text_alert = models.BooleanField(default=False)
    overdue_dashboard_alert = models.BooleanField(default=False)

    objects = AgentQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = maintmode_table("agent")

    def __str__(self):
        return self.hostname


class CheckResult(models.Model):
    KINDS = [("check", "check"), ("task", "task")]
    STATUSES = [("passing", "passing"), ("failing", "failing"), ("pending", "pending")]
    SEVERITIES = [("info", "info"), ("warning", "warning"), ("error", "error")]

    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, models.DO_NOTHING, related_name="checks")
    kind = models.TextField(choices=KINDS, default="check")
    name = models.TextField()
    status = models.TextField(choices=STATUSES, default="pending")
    alert_severity = models.TextField(choices=SEVERITIES, default="warning")
    email_alert = models.BooleanField(default=False)
    text_alert = models.BooleanField(default=False)

    class Meta:
        managed = False
        db_table = maintmode_table("check_result")

    def __str__(self):
        return f"{self.agent}: {self.kind} {self.name}"


# The dashboard views: read-only, one row per agent, site and client.  colour is
# computed by the extension (spec "Dashboard colour"); agent.dashboard.colour,
# Site.objects.filter(dashboard__colour="error") and so on work like any relation.

class AgentDashboard(models.Model):
    agent = models.OneToOneField(Agent, models.DO_NOTHING, primary_key=True,
                                 related_name="dashboard")
    site = models.ForeignKey(Site, models.DO_NOTHING, related_name="+")
    client = models.ForeignKey(Client, models.DO_NOTHING, related_name="+")
    hostname = models.TextField()
    status = models.TextField()
    maintenance_mode = models.BooleanField()
    failing_error = models.IntegerField()
    failing_warning = models.IntegerField()
    failing_info = models.IntegerField()
    colour = models.TextField()

    class Meta:
        managed = False
        db_table = maintmode_table("agent_dashboard")


class SiteDashboard(models.Model):
    site = models.OneToOneField(Site, models.DO_NOTHING, primary_key=True,
                                related_name="dashboard")
    client = models.ForeignKey(Client, models.DO_NOTHING, related_name="+")
    name = models.TextField()
    agents = models.BigIntegerField()
    agents_in_maintenance = models.BigIntegerField()
    colour = models.TextField()

    class Meta:
        managed = False
        db_table = maintmode_table("site_dashboard")


class ClientDashboard(models.Model):
    client = models.OneToOneField(Client, models.DO_NOTHING, primary_key=True,
                                  related_name="dashboard")
    name = models.TextField()
    agents = models.BigIntegerField()
    agents_in_maintenance = models.BigIntegerField()
    colour = models.TextField()

    class Meta:
        managed = False
        db_table = maintmode_table("client_dashboard")


class Alert(models.Model):
    """An overdue, check or task alert.  The extension raises, suppresses and
    resolves them; senders take them with maintenance.take_notifications()."""
    KINDS = [("overdue", "overdue"), ("check", "check"), ("task", "task")]

    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, models.DO_NOTHING, related_name="alerts")
    kind = models.TextField(choices=KINDS)
    # null for overdue alerts; not named "check", which would hide Model.check()
    check_result = models.ForeignKey(CheckResult, models.DO_NOTHING, null=True,
                                     db_column="check_id", related_name="alerts")
    severity = models.TextField(choices=CheckResult.SEVERITIES)
    message = models.TextField()
    created_at = models.DateTimeField()
    email = models.BooleanField(default=False)
    sms = models.BooleanField(default=False)
    suppressed = models.BooleanField(default=False)
    suppressed_reason = models.TextField(null=True)
    email_sent_at = models.DateTimeField(null=True)
    sms_sent_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    last_seen = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("alert")

    def __str__(self):
        return self.message
