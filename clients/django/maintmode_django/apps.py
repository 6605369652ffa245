from django.apps import AppConfig


class MaintmodeConfig(AppConfig):
    """The maintmode extension's tables and views as unmanaged models, its functions as
    helpers (maintmode_django.maintenance), the actor for its audit trail
    (maintmode_django.actor, maintmode_django.middleware.ActorMiddleware) and the
    server_maint_mode management command."""
    name = "maintmode_django"
    verbose_name = "maintmode"
    default_auto_field = "django.db.models.BigAutoField"
