from django.db import migrations


def forwards(apps, schema_editor):
    from handinhand.orgs.regions import load_regions

    load_regions(apps.get_model("orgs", "Region"))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
