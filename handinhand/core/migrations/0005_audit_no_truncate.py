from django.db import migrations

# The row-level trigger of 0002 does not fire on TRUNCATE, which emptied the log unnoticed
# (issue 9). A statement-level trigger refuses it too; the app's database role has no TRUNCATE
# privilege either (manage.py db_roles). PostgreSQL only: SQLite has no TRUNCATE.
FUNCTION = """
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();
"""
REVERSE = "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_hash_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
