"""ActorMiddleware: each request's changes of maintenance are recorded with the
request's user as actor (maintmode_django.actor, in audit.py).

    MIDDLEWARE = [
        ...
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "maintmode_django.middleware.ActorMiddleware",   # after authentication
        ...
    ]

maintmode.actor is set for one transaction (SET LOCAL), so the middleware runs the
rest of the request in one: the middleware below it and the view run inside
transaction.atomic(), as with ATOMIC_REQUESTS.  With ATOMIC_REQUESTS = True (the
recommended setting) the view's own transaction is a savepoint in it and a view that
raises rolls back its writes as usual; without it, writes are not rolled back on an
error, as in autocommit, but they commit when the response is returned.  Either way
a view that catches a database error needs an atomic() around the statement that
failed, as under ATOMIC_REQUESTS.  Requests without an authenticated user pass
through untouched.  Writes made after the response is returned (a streaming
response's generator) are outside the transaction and have no actor.

Override get_actor(request) to record something else than the username (an e-mail
address, an id); settings.MAINTMODE_DATABASE names the database alias if it is not
"default".
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

from maintmode_django.audit import actor, actor_name


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.using = getattr(settings, "MAINTMODE_DATABASE", DEFAULT_DB_ALIAS)

    def get_actor(self, request):
        """The actor of request: its user's username, None without a user."""
        if not hasattr(request, "user"):
            raise ImproperlyConfigured(
                "maintmode_django.middleware.ActorMiddleware needs request.user: put it "
                "after django.contrib.auth.middleware.AuthenticationMiddleware in MIDDLEWARE")
        return actor_name(request.user)

    def __call__(self, request):
        name = self.get_actor(request)
        if name is None:
            return self.get_response(request)
        with actor(name, using=self.using):
            return self.get_response(request)
