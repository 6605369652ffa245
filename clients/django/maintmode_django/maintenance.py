"""Helpers that call maintmode's functions from Django.

Each helper takes model instances or plain ids, runs one SELECT in its own savepoint
(transaction.atomic), and returns a Python value: a count, a bool, a time, an id, the
function's row as a namedtuple whose fields are the function's OUT columns (._asdict()
gives a dict), or Alert instances for take_notifications.  The savepoint means a
refused call changes nothing and leaves the caller's own transaction usable.  Inside a
caller's transaction, locks the functions take (server_maint_mode locks
maintmode.agent against writers) last until it commits.

A refused call raises a maintmode_django.exceptions.MaintmodeError subclass for its
SQLSTATE (InvalidOption for 22023, NotFound for P0002, ...), which is also the Django
database exception it would otherwise be; __cause__ is that Django exception.
"""
import json
import select
from collections import namedtuple
from functools import lru_cache

import psycopg2

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from maintmode_django.exceptions import sqlstate, translated_errors  # noqa: F401 (sqlstate: API)
from maintmode_django.models import Alert


def _id(obj):
    return obj.pk if isinstance(obj, models.Model) else obj


@lru_cache(maxsize=None)
def _row_type(type_name, columns):
    return namedtuple(type_name, columns)


def _fetch(sql, params, using):
    """Runs SQL in a savepoint; returns its rows and column names."""
    with translated_errors(), transaction.atomic(using=using), \
            connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall(), tuple(column.name for column in cursor.description)


def _value(sql, params, using):
    rows, _ = _fetch(sql, params, using)
    return rows[0][0]


def _record(type_name, sql, params, using):
    rows, columns = _fetch(sql, params, using)
    return _row_type(type_name, columns)(*rows[0])


# -- switches: each returns how many agents actually changed ------------------
# until (an aware datetime) and reason apply only when switching on.

def set_agent_maintenance(agent, enabled, until=None, reason=None, using=DEFAULT_DB_ALIAS):
    return _value("SELECT maintmode.set_agent_maintenance(%s, %s, %s, %s)",
                  [_id(agent), enabled, until, reason], using)


def set_site_maintenance(site, enabled, until=None, reason=None, using=DEFAULT_DB_ALIAS):
    return _value("SELECT maintmode.set_site_maintenance(%s, %s, %s, %s)",
                  [_id(site), enabled, until, reason], using)


def set_client_maintenance(client, enabled, until=None, reason=None, using=DEFAULT_DB_ALIAS):
    return _value("SELECT maintmode.set_client_maintenance(%s, %s, %s, %s)",
                  [_id(client), enabled, until, reason], using)


# -- server maintenance -------------------------------------------------------

def server_maint_mode(option, using=DEFAULT_DB_ALIAS):
    """option: enable, disable, force-enable or force-disable.  Returns
    ServerMaintMode(action, agents_changed, states_saved, states_restored,
    server_in_maintenance)."""
    return _record("ServerMaintMode", "SELECT * FROM maintmode.server_maint_mode(%s)",
                   [option], using)


def server_maint_status(using=DEFAULT_DB_ALIAS):
    """Returns ServerMaintStatus(in_maintenance, since, enabled_by, saved_states,
    agents, agents_in_maintenance, reminder_due); reminder_due: server_maint_mode's
    maintenance has lasted longer than maintmode.remind_after."""
    return _record("ServerMaintStatus", "SELECT * FROM maintmode.server_maint_status()",
                   [], using)


# -- maintenance windows ------------------------------------------------------

def create_window(scope, target, starts, ends=None, duration=None, reason=None,
                  repeat=None, time_zone=None, using=DEFAULT_DB_ALIAS):
    """scope: agent, site, client (target: an instance or id) or server (target
    None).  One-off with ends or duration (a timedelta), or recurring with repeat
    (daily, weekly, monthly, or an RFC 5545 rule such as 'FREQ=MONTHLY;BYDAY=2TU'),
    duration and time_zone.  Returns the new window's id
    (MaintenanceWindow.objects.get(pk=...) reads it)."""
    return _value("SELECT maintmode.create_window(%s, %s, %s, %s, %s, %s, %s, %s)",
                  [scope, _id(target), starts, ends, duration, reason, repeat, time_zone],
                  using)


def end_window(window, using=DEFAULT_DB_ALIAS):
    """Ends the window now; returns how many agents left maintenance."""
    return _value("SELECT maintmode.end_window(%s)", [_id(window)], using)


def extend_window(window, ends, using=DEFAULT_DB_ALIAS):
    """Moves the window's end to the later ends; returns the new end."""
    return _value("SELECT maintmode.extend_window(%s, %s)", [_id(window), ends], using)


def window_occurrences(window, start, end, using=DEFAULT_DB_ALIAS):
    """The window's occurrences that overlap [start, end) (aware datetimes), in order,
    as Occurrence(starts, ends), computed as the sweep applies them."""
    rows, columns = _fetch("SELECT * FROM maintmode.window_occurrences(%s, %s, %s)",
                           [_id(window), start, end], using)
    return [_row_type("Occurrence", columns)(*row) for row in rows]


def sweep_windows(using=DEFAULT_DB_ALIAS):
    """Brings every agent to the window clock (the window worker does it on its own).
    Returns WindowSweep(hand_expired, window_entered, window_left)."""
    return _record("WindowSweep", "SELECT * FROM maintmode.sweep_windows()", [], using)


# -- alerts -------------------------------------------------------------------

def take_notifications(channel, max_count, using=DEFAULT_DB_ALIAS):
    """channel: 'email' or 'sms'.  Takes up to max_count alerts still to send on
    that channel, marks them sent, and returns them as Alert instances.  Several
    senders may call it at once: each alert goes to exactly one of them."""
    with translated_errors(), transaction.atomic(using=using):
        return list(Alert.objects.using(using).raw(
            "SELECT * FROM maintmode.take_notifications(%s, %s)", [channel, max_count]))


def alert_allowed(agent, using=DEFAULT_DB_ALIAS):
    """Whether the agent may alert now (False while it is in maintenance)."""
    return _value("SELECT maintmode.alert_allowed(%s)", [_id(agent)], using)


def sweep_overdue(using=DEFAULT_DB_ALIAS):
    """Raises overdue alerts for agents that became overdue, resolves those of
    agents seen again; meant to run every minute.  Returns
    OverdueSweep(raised, suppressed, resolved)."""
    return _record("OverdueSweep", "SELECT * FROM maintmode.sweep_overdue()", [], using)


def sweep_reminders(using=DEFAULT_DB_ALIAS):
    """Raises a reminder (an Alert of kind "reminder", e-mail wanted) for each agent
    in maintenance by hand for longer than maintmode.remind_after, once per that
    period (the window worker calls it); returns how many it raised."""
    return _value("SELECT maintmode.sweep_reminders()", [], using)


# -- events -------------------------------------------------------------------

def events(timeout=None, using=DEFAULT_DB_ALIAS):
    """Yields the events about maintenance (NOTIFY maintmode_events) as dicts
    ({"event": "started", "path": "site", "agents": 3, "agent_ids": [...], ...}),
    as the transactions that make them commit.  It listens on a connection of its
    own, with the settings of the database alias, outside any transaction of the
    caller's.  timeout: seconds to wait for the next event before it stops (None:
    forever)."""
    listener = psycopg2.connect(**connections[using].get_connection_params())
    try:
        listener.autocommit = True
        with listener.cursor() as cursor:
            cursor.execute("LISTEN maintmode_events")
        while True:
            listener.poll()
            while listener.notifies:
                yield json.loads(listener.notifies.pop(0).payload)
            if select.select([listener], [], [], timeout) == ([], [], []):
                return
    finally:
        listener.close()


# -- history ------------------------------------------------------------------

def purge_history(before, using=DEFAULT_DB_ALIAS):
    """Deletes the maintenance history older than before (superusers only);
    returns how many rows went."""
    return _value("SELECT maintmode.purge_history(%s)", [before], using)
