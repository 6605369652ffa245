"""The helpers' exceptions: one class per SQLSTATE, each also Django's class, with the
server's message, detail and hint, and the original exceptions as causes."""
from datetime import timedelta

import psycopg2
from django.db import (DatabaseError, DataError, IntegrityError, InternalError,
                       OperationalError, ProgrammingError, connection, transaction)
from django.utils import timezone

from maintmode_django import maintenance
from maintmode_django.exceptions import (Busy, Deadlock, InvalidOption, MaintmodeError, NotFound,
                                         NullArgument, PermissionDenied, Retryable,
                                         SerializationFailure, WindowOver, translated_errors)
from fleet.tests.base import FleetTestCase


def raise_sqlstate(code, message):
    """Has the server raise an error with SQLSTATE code, through translated_errors."""
    with translated_errors(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_temp.raise_sqlstate(%s, %s)", [code, message])


class ExceptionTests(FleetTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with connection.cursor() as cursor:
            cursor.execute("""
                CREATE FUNCTION pg_temp.raise_sqlstate(code text, message text) RETURNS void
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message,
                                          DETAIL = 'the detail', HINT = 'the hint';
                END $$""")

    def test_each_sqlstate_has_its_class_and_djangos(self):
        for code, error_class, django_class in [
            ("22023", InvalidOption, DataError),
            ("22004", NullArgument, DataError),
            ("P0002", NotFound, InternalError),
            ("42501", PermissionDenied, ProgrammingError),
            ("55000", WindowOver, OperationalError),
            ("40001", SerializationFailure, OperationalError),
            ("40P01", Deadlock, OperationalError),
            ("55P03", Busy, OperationalError),
            ("23505", MaintmodeError, IntegrityError),  # any other: the base class
        ]:
            with self.subTest(sqlstate=code), self.assertRaises(error_class) as raised:
                raise_sqlstate(code, f"refused {code}")
            error = raised.exception
            self.assertIsInstance(error, MaintmodeError)
            self.assertIsInstance(error, DatabaseError)
            self.assertIsInstance(error.__cause__, django_class)  # Django's exception...
            self.assertIsInstance(error.__cause__.__cause__, psycopg2.Error)  # ...and psycopg2's
            self.assertEqual((error.sqlstate, str(error), error.message, error.detail, error.hint),
                             (code, f"refused {code}", f"refused {code}", "the detail", "the hint"))
            self.assertEqual(maintenance.sqlstate(error), code)
        for retryable in (SerializationFailure, Deadlock, Busy):
            self.assertTrue(issubclass(retryable, Retryable))

    def test_window_over(self):
        now = timezone.now()
        window = maintenance.create_window("agent", self.br1, now - timedelta(minutes=1),
                                           ends=now + timedelta(hours=1), reason="reboot")
        self.assertEqual(maintenance.end_window(window), 1)
        with self.assertRaises(WindowOver) as raised:
            maintenance.end_window(window)
        self.assertEqual(raised.exception.message, f"window {window} is already over")
        self.assertRegex(raised.exception.detail, "^It ended at ")

    def test_lock_timeout_is_busy(self):
        # Another session writes an agent and keeps its transaction open:
        # server_maint_mode waits for it, and lock_timeout turns the wait into Busy.
        other = psycopg2.connect(**connection.get_connection_params())
        try:
            with other.cursor() as cursor:
                cursor.execute("LOCK TABLE maintmode.agent IN ROW EXCLUSIVE MODE")
                with connection.cursor() as ours:
                    ours.execute("SET LOCAL lock_timeout = '100ms'")
                with self.assertRaises(Busy) as raised:
                    maintenance.server_maint_mode("enable")
                self.assertIsInstance(raised.exception, Retryable)
        finally:
            other.close()
        self.assertEqual(self.in_maintenance(), {"hq2"})
