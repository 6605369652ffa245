"""The errors the helpers raise, one class per SQLSTATE the extension uses.

A refused call raises a MaintmodeError subclass chosen by the error's SQLSTATE.
Each is also the Django database exception the same error would otherwise be
(InvalidOption is a django.db.DataError, PermissionDenied a ProgrammingError, ...),
so code that catches Django's classes keeps working.  __cause__ is the Django
exception, whose own __cause__ is psycopg2's (psycopg2.errors.InvalidParameterValue
and so on); .sqlstate, .message, .detail and .hint are the server's.

    SQLSTATE  class                 Django class      when
    22023     InvalidOption         DataError         bad option, channel, count, window
    22004     NullArgument          DataError         NULL where a value is needed
    P0002     NotFound              InternalError     unknown agent, site, client, window
    42501     PermissionDenied      ProgrammingError  a role without the grant
    55000     WindowOver            OperationalError  end_window/extend_window of an ended window
    40001     SerializationFailure  OperationalError  concurrent change under REPEATABLE READ
    40P01     Deadlock              OperationalError  deadlock detected
    55P03     Busy                  OperationalError  lock_timeout ran out
    other     MaintmodeError        DatabaseError

SerializationFailure, Deadlock and Busy are Retryable: the transaction may be run
again.  PermissionDenied is not django.core.exceptions.PermissionDenied (which a view
turns into a 403): a missing grant is the server's configuration, not the user's.
"""
from contextlib import contextmanager

import psycopg2
from django.db import DatabaseError, DataError, InternalError, OperationalError, ProgrammingError


def sqlstate(exc):
    """The SQLSTATE of a database error raised by Django, psycopg2 or a helper, or
    None."""
    while exc is not None:
        code = getattr(exc, "pgcode", None)
        if code:
            return code
        exc = exc.__cause__
    return None


def _psycopg2_error(exc):
    while exc is not None and not isinstance(exc, psycopg2.Error):
        exc = exc.__cause__
    return exc


class MaintmodeError(DatabaseError):
    """A call of the extension refused by the database.  str() is the server's
    message; the other fields are None when the server gave none."""

    def __init__(self, message, sqlstate=None, detail=None, hint=None):
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate
        self.detail = detail
        self.hint = hint

    @classmethod
    def from_database_error(cls, exc):
        """The MaintmodeError subclass for exc's SQLSTATE, built from its diagnostics.
        Raise it "from exc" to keep exc as __cause__."""
        code = sqlstate(exc)
        error_class = ERRORS.get(code, MaintmodeError)
        original = _psycopg2_error(exc)
        diag = getattr(original, "diag", None)
        message = getattr(diag, "message_primary", None) or str(exc).strip()
        return error_class(message, code, getattr(diag, "message_detail", None),
                           getattr(diag, "message_hint", None))


class InvalidOption(MaintmodeError, DataError):
    """22023 invalid_parameter_value: an argument the function refuses."""


class NullArgument(MaintmodeError, DataError):
    """22004 null_value_not_allowed: NULL where the function needs a value."""


class NotFound(MaintmodeError, InternalError):
    """P0002 no_data_found: no agent, site, client or window with that id."""


class PermissionDenied(MaintmodeError, ProgrammingError):
    """42501 insufficient_privilege: the role lacks a grant."""


class WindowOver(MaintmodeError, OperationalError):
    """55000 object_not_in_prerequisite_state: the window has already ended."""


class Retryable(MaintmodeError, OperationalError):
    """The transaction lost a race with another one; running it again may succeed."""


class SerializationFailure(Retryable):
    """40001 serialization_failure."""


class Deadlock(Retryable):
    """40P01 deadlock_detected."""


class Busy(Retryable):
    """55P03 lock_not_available: a lock was not had within lock_timeout."""


ERRORS = {
    "22023": InvalidOption,
    "22004": NullArgument,
    "P0002": NotFound,
    "42501": PermissionDenied,
    "55000": WindowOver,
    "40001": SerializationFailure,
    "40P01": Deadlock,
    "55P03": Busy,
}


@contextmanager
def translated_errors():
    """Turns a database error raised inside into its MaintmodeError, with the
    original as __cause__.  The helpers run in it; so can your own SQL."""
    try:
        yield
    except MaintmodeError:
        raise
    except (DatabaseError, psycopg2.Error) as exc:
        raise MaintmodeError.from_database_error(exc) from exc
