"""Existing 工作单位 text becomes a real Unit: a university's unit where the text names a
university, else an "other" unit placed in the region its name mentions (or none)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from handinhand.orgs.units import plan_units

    User = apps.get_model("accounts", "User")
    Unit = apps.get_model("orgs", "Unit")
    University = apps.get_model("orgs", "University")
    Region = apps.get_model("orgs", "Region")
    texts = set(
        User.objects.exclude(work_unit="").filter(unit__isnull=True).values_list(
            "work_unit", flat=True
        )
    )
    if not texts:
        return
    plan = plan_units(
        texts,
        list(University.objects.values_list("pk", "name", "short_name", "city_id")),
        list(Region.objects.values_list("code", "name", "level", "parent_id")),
    )
    units = {u.name: u for u in Unit.objects.all()}
    by_university = {u.university_id: u for u in units.values() if u.university_id}
    chosen = {}
    for text, (name, university_id, region_code) in plan.items():
        unit = by_university.get(university_id) if university_id else units.get(name)
        if unit is None:
            unit = Unit.objects.create(
                name=name,
                kind="university" if university_id else "other",
                university_id=university_id,
                region_id=region_code,
            )
            units[name] = unit
            if university_id:
                by_university[university_id] = unit
        chosen[text] = unit
    for raw in texts:
        if raw.strip() in chosen:
            User.objects.filter(work_unit=raw, unit__isnull=True).update(unit=chosen[raw.strip()])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_units"), ("orgs", "0003_unit")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
