"""The database cache table (settings.CACHES without REDIS_URL), where the login counters of
every app process meet. `createcachetable` is idempotent and skips non-database caches."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_login_security")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
