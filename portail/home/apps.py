from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(sender, using="default", **kwargs):
    """The database cache's table (settings.CACHES), created by every `migrate` so the embedded default works."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
    if using == "default":
        from portail.access import rights_cache

        # A database migrated (or rebuilt and loaded in bulk under the same name): no cached right survives it.
        rights_cache.invalidate_everything()


class HomeConfig(AppConfig):
    name = "portail.home"
    label = "home"

    def ready(self):
        from portail.access import rights_cache

        rights_cache.connect()
        # Sent for apps with models only: after the accounts app's migrations.
        post_migrate.connect(_create_cache_table, sender=self.apps.get_app_config("accounts"),
                             dispatch_uid="home-create-cache-table")
