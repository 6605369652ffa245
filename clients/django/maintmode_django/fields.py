"""Fields whose stored value the database decides when a row is inserted.

Django reads back from INSERT ... RETURNING the fields marked db_returning (by
default only the primary key).  The extension's BEFORE INSERT triggers set some
columns whatever the INSERT said (an alert's suppressed flag, an agent's hand
details), so these fields are read back too: after Model.objects.create() or
bulk_create() the instance holds the values as stored, with no second query.
db_returning is Django's private API (PostgreSQL supports it since Django 3.0).
"""
from django.db import models


class ReturningBooleanField(models.BooleanField):
    db_returning = True


class ReturningTextField(models.TextField):
    db_returning = True


class ReturningDateTimeField(models.DateTimeField):
    db_returning = True
