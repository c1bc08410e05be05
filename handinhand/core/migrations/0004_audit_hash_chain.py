from django.db import migrations, models

import handinhand.core.models

# Events written before the chain existed are chained here, in id order, with the key of the
# environment that runs the migration. On PostgreSQL the append-only trigger is lifted for this
# one backfill; the migration runs as the table's owner (README, "Database roles").


def chain_existing(apps, schema_editor):
    from handinhand.core import audit_chain

    AuditEvent = apps.get_model("core", "AuditEvent")
    db = schema_editor.connection.alias
    rows = AuditEvent._base_manager.using(db).order_by("id")
    if not rows.exists():
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update"
        )
    prev = audit_chain.GENESIS
    for event in rows.iterator(chunk_size=2000):
        values = {name: getattr(event, name) for name in audit_chain.FIELDS if name != "hash"}
        values["ip"] = audit_chain.normalise_ip(event.ip)
        digest = audit_chain.event_hash(values, prev)
        AuditEvent._base_manager.using(db).filter(pk=event.pk).update(
            prev_hash=prev, hash=digest, ip=values["ip"]
        )
        prev = digest
    if postgres:
        schema_editor.execute(
            "ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_update"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="事件摘要"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="前一事件摘要"
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(
                db_index=True,
                default=handinhand.core.models.audit_now,
                editable=False,
                verbose_name="时间",
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
