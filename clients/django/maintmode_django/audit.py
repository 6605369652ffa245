"""The application's own user, for the extension's audit trail.

The extension records in maintmode.maintenance_history the database roles that made a
change (session_role, acting_role) and the settings maintmode.actor and
maintmode.reason of the transaction that made it.  Behind a web application every
change comes from the same role: the actor says which of the application's users it
was.  Anyone may set both settings; they are set with set_config(..., true), that is
SET LOCAL: they last until the end of the transaction, never leak into the next
request that reuses the connection, and are undone by a rollback.
"""
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

_READ = "SELECT current_setting('maintmode.actor', true), current_setting('maintmode.reason', true)"
# set_config(name, NULL, true) resets the setting for the rest of the transaction.
_SET = "SELECT set_config('maintmode.actor', %s, true), set_config('maintmode.reason', %s, true)"


def actor_name(user):
    """What the history records for user: a string as it is, a Django user's
    get_username(), None for None or an anonymous user."""
    if user is None or isinstance(user, str):
        return user
    if not getattr(user, "is_authenticated", True):
        return None
    return user.get_username()


@contextmanager
def actor(user, reason=None, using=DEFAULT_DB_ALIAS):
    """Runs the block in a transaction (transaction.atomic: a savepoint inside an
    outer one) in which maintmode.actor is user (a string or a Django user, see
    actor_name) and maintmode.reason is reason (None: none).  Every change of
    maintenance in the block, by a helper or by an ORM save, is recorded with them.
    Nested in an outer transaction, the outer values are back after the block."""
    connection = connections[using]
    nested = connection.in_atomic_block
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if nested:
                cursor.execute(_READ)
                previous = cursor.fetchone()
            cursor.execute(_SET, [actor_name(user), reason])
        yield
        if nested:
            with connection.cursor() as cursor:
                cursor.execute(_SET, previous)
