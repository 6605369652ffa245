"""django-maintmode: the maintmode PostgreSQL extension as a Django app.

    maintmode_django.models       unmanaged models over every table and view
    maintmode_django.maintenance  helpers that call the extension's functions
    maintmode_django.exceptions   MaintmodeError and one subclass per SQLSTATE
    maintmode_django.actor        who the application's user is, for the history
    maintmode_django.middleware   ActorMiddleware: the actor of each request
    manage.py server_maint_mode   --enable, --disable, --force-enable, --force-disable, --status
"""
from maintmode_django.audit import actor, actor_name

__all__ = ["actor", "actor_name"]
