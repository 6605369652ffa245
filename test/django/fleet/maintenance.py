"""Thin helpers that call maintmode's functions from Django.

Each helper takes model instances or plain ids, runs one SELECT in its own savepoint
(transaction.atomic), and returns a Python value: a count, a bool, or the function's
row(s) as namedtuples whose fields are the function's OUT columns (._asdict() gives
a dict), or Alert instances for take_notifications.  The savepoint means a refused call changes nothing and leaves the caller's
own transaction usable.  Inside a caller's transaction, locks the functions take
(server_maint_mode locks maintmode.agent against writers) last until it commits.

A refused call raises Django's database exception (DataError for 22xxx,
ProgrammingError for 42501, InternalError for P0002, ...) whose __cause__ is the
psycopg2 exception: psycopg2.errors.InvalidParameterValue and so on, carrying the
SQLSTATE as .pgcode and the server's message, detail and hint in .diag.
sqlstate(exc) returns that SQLSTATE.
"""
from collections import namedtuple
from functools import lru_cache

import psycopg2
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from fleet.models import Alert


def _id(obj):
    return obj.pk if isinstance(obj, models.Model) else obj


@lru_cache(maxsize=None)
def _row_type(type_name, columns):
    return namedtuple(type_name, columns)


def _fetch(sql, params, using):
    """Runs SQL in a savepoint; returns its rows and column names."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall(), tuple(column.name for column in cursor.description)


def _value(sql, params, using):
    rows, _ = _fetch(sql, params, using)
    return rows[0][0]


def _records(type_name, sql, params, using):
    rows, columns = _fetch(sql, params, using)
    row_type = _row_type(type_name, columns)
    return [row_type(*row) for row in rows]


def sqlstate(exc):
    """The SQLSTATE of a database error, raised by Django or by psycopg2."""
    cause = exc if isinstance(exc, psycopg2.Error) else exc.__cause__
    return getattr(cause, "pgcode", None)


# -- switches: each returns how many agents actually changed ------------------

def set_agent_maintenance(agent, enabled, using=DEFAULT_DB_ALIAS):
    return _value("SELECT maintmode.set_agent_maintenance(%s, %s)", [_id(agent), enabled], using)


def set_site_maintenance(site, enabled, using=DEFAULT_DB_ALIAS):
    return _value("SELECT maintmode.set_site_maintenance(%s, %s)", [_id(site), enabled], using)


def set_client_maintenance(client, enabled, using=DEFAULT_DB_ALIAS):
    return _value("SELECT maintmode.set_client_maintenance(%s, %s)", [_id(client), enabled], using)


# -- server maintenance -------------------------------------------------------

def server_maint_mode(option, using=DEFAULT_DB_ALIAS):
    """option: enable, disable, force-enable or force-disable.  Returns
    ServerMaintMode(action, agents_changed, states_saved, states_restored,
    server_in_maintenance)."""
    return _records("ServerMaintMode", "SELECT * FROM maintmode.server_maint_mode(%s)",
                    [option], using)[0]


def server_maint_status(using=DEFAULT_DB_ALIAS):
    """Returns ServerMaintStatus(in_maintenance, since, enabled_by, saved_states,
    agents, agents_in_maintenance)."""
    return _records("ServerMaintStatus", "SELECT * FROM maintmode.server_maint_status()",
                    [], using)[0]


# -- alerts -------------------------------------------------------------------

def take_notifications(channel, max_count, using=DEFAULT_DB_ALIAS):
    """channel: 'email' or 'sms'.  Takes up to max_count alerts still to send on
    that channel, marks them sent, and returns them as Alert instances.  Several
    senders may call it at once: each alert goes to exactly one of them."""
    with transaction.atomic(using=using):
        return list(Alert.objects.using(using).raw(
            "SELECT * FROM maintmode.take_notifications(%s, %s)", [channel, max_count]))


def alert_allowed(agent, using=DEFAULT_DB_ALIAS):
    """Whether the agent may alert now (False while it is in maintenance)."""
    return _value("SELECT maintmode.alert_allowed(%s)", [_id(agent)], using)


def sweep_overdue(using=DEFAULT_DB_ALIAS):
    """Raises overdue alerts for agents that became overdue, resolves those of
    agents seen again; meant to run every minute.  Returns
    OverdueSweep(raised, suppressed, resolved)."""
    return _records("OverdueSweep", "SELECT * FROM maintmode.sweep_overdue()", [], using)[0]
