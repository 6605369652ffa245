"""Unmanaged models over the tables and views of the maintmode extension.

The extension owns schema maintmode and everything in it: Django never creates,
alters or drops these (managed = False).  db_table 'maintmode"."agent' is quoted by
Django as "maintmode"."agent", so the models work whatever the connection's
search_path is.  Foreign keys are DO_NOTHING because the database itself cascades
(deleting a client deletes its sites, agents, checks, windows and alerts).  Keys to
rows that may be gone (of the history and the saved states) have db_constraint=False:
reading .agent of such a row raises Agent.DoesNotExist, .agent_id is always there.

Fields that the database decides on INSERT (an alert's suppressed flag, an agent's
hand details) are read back from INSERT ... RETURNING: see fields.py.
"""
from django.db import models
from django.db.models import F, Func
from django.utils import timezone

from maintmode_django.fields import ReturningBooleanField, ReturningDateTimeField, ReturningTextField

SEVERITIES = [("info", "info"), ("warning", "warning"), ("error", "error")]


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
    """An agent.  maintenance_mode is the effective state (hand_maintenance OR
    window_maintenance); writing it is a change by hand, and writing back the value
    read changes nothing.  The hand_* details and window_maintenance are the
    extension's: not editable in forms, read back on INSERT.  One created while the
    server or a window holds its site is put into maintenance by a trigger after the
    INSERT: refresh_from_db() to see it."""
    id = models.BigAutoField(primary_key=True)
    site = models.ForeignKey(Site, models.DO_NOTHING, related_name="agents")
    hostname = models.TextField()
    maintenance_mode = ReturningBooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    offline_time = models.IntegerField(default=4)
    overdue_time = models.IntegerField(default=30)
    overdue_email_alert = models.BooleanField(default=False)
    overdue_text_alert = models.BooleanField(default=False)
    overdue_dashboard_alert = models.BooleanField(default=False)
    hand_maintenance = ReturningBooleanField(default=False, editable=False)
    hand_since = ReturningDateTimeField(null=True, blank=True, editable=False)
    hand_set_by = ReturningTextField(null=True, blank=True, editable=False)
    hand_reason = ReturningTextField(null=True, blank=True, editable=False)
    hand_until = ReturningDateTimeField(null=True, blank=True, editable=False)
    window_maintenance = ReturningBooleanField(default=False, editable=False)

    objects = AgentQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = maintmode_table("agent")

    def __str__(self):
        return self.hostname


class CheckResult(models.Model):
    KINDS = [("check", "check"), ("task", "task")]
    STATUSES = [("passing", "passing"), ("failing", "failing"), ("pending", "pending")]
    SEVERITIES = SEVERITIES

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


class Alert(models.Model):
    """An overdue, check or task alert, or a reminder of maintenance set by hand and
    forgotten.  The extension raises, suppresses and resolves them; senders take
    them with maintenance.take_notifications().  An alert inserted for an agent in
    maintenance is stored suppressed, and create() returns it so; a reminder is
    never suppressed."""
    KINDS = [("overdue", "overdue"), ("check", "check"), ("task", "task"),
             ("reminder", "reminder")]

    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, models.DO_NOTHING, related_name="alerts")
    kind = models.TextField(choices=KINDS)
    # null for overdue alerts and reminders; not named "check", which would hide
    # Model.check()
    check_result = models.ForeignKey(CheckResult, models.DO_NOTHING, null=True,
                                     db_column="check_id", related_name="alerts")
    severity = models.TextField(choices=SEVERITIES)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    email = models.BooleanField(default=False)
    sms = models.BooleanField(default=False)
    suppressed = ReturningBooleanField(default=False)
    suppressed_reason = ReturningTextField(null=True)
    email_sent_at = models.DateTimeField(null=True)
    sms_sent_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    last_seen = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("alert")

    def __str__(self):
        return self.message


class MaintenanceWindow(models.Model):
    """A maintenance window of an agent, a site, a client, or the whole server (all
    three null).  Written by maintenance.create_window(), end_window() and
    extend_window(); kept after it ends.  repeat: 'daily', 'weekly', 'monthly' or an
    RFC 5545 rule in upper case ('FREQ=MONTHLY;BYDAY=2TU'); None for a one-off."""

    id = models.BigAutoField(primary_key=True)
    agent = models.ForeignKey(Agent, models.DO_NOTHING, null=True,
                              related_name="maintenance_windows")
    site = models.ForeignKey(Site, models.DO_NOTHING, null=True,
                             related_name="maintenance_windows")
    client = models.ForeignKey(Client, models.DO_NOTHING, null=True,
                               related_name="maintenance_windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True)
    repeat = models.TextField(null=True)
    time_zone = models.TextField(null=True)
    duration = models.DurationField(null=True)
    reason = models.TextField()
    created_by = models.TextField()
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("maintenance_window")

    @property
    def scope(self):
        """agent, site, client or server."""
        for scope in ("agent", "site", "client"):
            if getattr(self, f"{scope}_id") is not None:
                return scope
        return "server"

    def __str__(self):
        return f"window {self.pk} ({self.scope}): {self.reason}"


class ServerMode(models.Model):
    """Server maintenance: at most one row, created by the first server_maint_mode()
    call.  maintenance.server_maint_status() also counts server-wide windows."""
    singleton = models.BooleanField(primary_key=True, default=True)
    in_maintenance = models.BooleanField(default=False)
    since = models.DateTimeField(null=True)
    enabled_by = models.TextField(null=True)
    states_saved_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("server_mode")


class SavedState(models.Model):
    """An agent's hand flag (maintenance_mode) and its details, saved by
    server_maint_mode('enable'), given back and removed by 'disable'.  The agent may
    have been deleted since."""
    agent = models.OneToOneField(Agent, models.DO_NOTHING, primary_key=True,
                                 db_constraint=False, related_name="saved_state")
    maintenance_mode = models.BooleanField()
    hand_reason = models.TextField(null=True)
    hand_set_by = models.TextField(null=True)
    hand_since = models.DateTimeField(null=True)
    hand_until = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("saved_state")


class EventLog(models.Model):
    """One row per call of a switch, of server_maint_mode and of the window calls.
    target_id is the agent, site or client id (null for scope server)."""
    SCOPES = [("agent", "agent"), ("site", "site"), ("client", "client"), ("server", "server")]

    id = models.BigAutoField(primary_key=True)
    logged_at = models.DateTimeField()
    role_name = models.TextField()
    action = models.TextField()
    scope = models.TextField(choices=SCOPES)
    target_id = models.BigIntegerField(null=True)
    agents_changed = models.BigIntegerField()
    states_saved = models.BigIntegerField(default=0)
    states_restored = models.BigIntegerField(default=0)

    class Meta:
        managed = False
        db_table = maintmode_table("event_log")


class OperatorScope(models.Model):
    """A role limited to a client or a site, with its members (1.3).  Written by the
    database functions grant_scope() and revoke_scope() only, so read-only here.  role
    is the role's name.  A role has one row per scope, all with the same primary key
    (the role): filter(role=...) them, don't get() one.  target is the client's or the
    site's id, which may have been deleted since (the role stays limited)."""
    SCOPES = [("client", "client"), ("site", "site")]

    role = models.TextField(primary_key=True)
    scope = models.TextField(choices=SCOPES)
    target = models.BigIntegerField()
    granted_by = models.TextField()
    granted_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = maintmode_table("operator_scope")


class MaintenanceHistory(models.Model):
    """One row per agent whose effective maintenance changed, by which path, who
    (session_role: the login; acting_role: after SET ROLE; actor: the application's
    user, from maintmode.actor), and why.  Append-only: the database refuses UPDATE
    and DELETE.  The agent or window may have been deleted since."""
    PATHS = [(path, path) for path in
             ("agent", "site", "client", "server", "window", "expiry", "sql")]

    id = models.BigAutoField(primary_key=True)
    changed_at = models.DateTimeField()
    agent = models.ForeignKey(Agent, models.DO_NOTHING, db_constraint=False,
                              related_name="maintenance_history")
    in_maintenance = models.BooleanField()
    path = models.TextField(choices=PATHS)
    window = models.ForeignKey(MaintenanceWindow, models.DO_NOTHING, null=True,
                               db_constraint=False, related_name="history")
    reason = models.TextField(null=True)
    session_role = models.TextField()
    acting_role = models.TextField()
    actor = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("maintenance_history")

    def __str__(self):
        return (f"{self.changed_at}: agent {self.agent_id} "
                f"{'in' if self.in_maintenance else 'out'} ({self.path})")


# The views: read-only.  The dashboard views have one row per agent, site and client;
# colour is computed by the extension (spec "Dashboard colour"); agent.dashboard.colour,
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


class GroupDashboard(models.Model):
    """The columns the site and client views share."""
    name = models.TextField()
    agents = models.BigIntegerField()
    agents_in_maintenance = models.BigIntegerField()
    colour = models.TextField()

    class Meta:
        abstract = True
        managed = False


class SiteDashboard(GroupDashboard):
    site = models.OneToOneField(Site, models.DO_NOTHING, primary_key=True,
                                related_name="dashboard")
    client = models.ForeignKey(Client, models.DO_NOTHING, related_name="+")

    class Meta(GroupDashboard.Meta):
        db_table = maintmode_table("site_dashboard")


class ClientDashboard(GroupDashboard):
    client = models.OneToOneField(Client, models.DO_NOTHING, primary_key=True,
                                  related_name="dashboard")

    class Meta(GroupDashboard.Meta):
        db_table = maintmode_table("client_dashboard")


class AgentInMaintenance(models.Model):
    """View agents_in_maintenance: one row per agent in maintenance and per reason it
    is in it, source 'hand' (set_by, reason, since, until) or 'window' (window, its
    creator and reason, the current occurrence's start and end).  An agent held by
    its hand flag and a window has two rows with the same primary key (the agent):
    filter(agent=...) them, don't get() one."""
    SOURCES = [("hand", "hand"), ("window", "window")]

    agent = models.OneToOneField(Agent, models.DO_NOTHING, primary_key=True, related_name="+")
    hostname = models.TextField()
    site = models.ForeignKey(Site, models.DO_NOTHING, related_name="+")
    client = models.ForeignKey(Client, models.DO_NOTHING, related_name="+")
    source = models.TextField(choices=SOURCES)
    window = models.ForeignKey(MaintenanceWindow, models.DO_NOTHING, null=True,
                               related_name="+")
    since = models.DateTimeField(null=True)
    until = models.DateTimeField(null=True)
    set_by = models.TextField(null=True)
    reason = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = maintmode_table("agents_in_maintenance")
        # the view's own order: longest in maintenance first
        ordering = [F("since").asc(nulls_first=True), "agent_id",
                    F("window").asc(nulls_first=True)]


class UpcomingWindow(models.Model):
    """View upcoming_windows: one row per window not over, with its occurrence in
    force (in_force) or else its next one (starts, ends), its scope and target (id and
    hostname or name; None for the server), repeat, reason and creator; soonest
    first ("next maintenance" on a dashboard)."""
    SCOPES = [("agent", "agent"), ("site", "site"), ("client", "client"), ("server", "server")]

    window = models.OneToOneField(MaintenanceWindow, models.DO_NOTHING, primary_key=True,
                                  related_name="+")
    scope = models.TextField(choices=SCOPES)
    target = models.BigIntegerField(null=True)
    target_name = models.TextField(null=True)
    starts = models.DateTimeField()
    ends = models.DateTimeField()
    in_force = models.BooleanField()
    repeat = models.TextField(null=True)
    time_zone = models.TextField(null=True)
    duration = models.DurationField(null=True)
    reason = models.TextField()
    created_by = models.TextField()

    class Meta:
        managed = False
        db_table = maintmode_table("upcoming_windows")
        # the view's own order: soonest first
        ordering = ["starts", "window_id"]
