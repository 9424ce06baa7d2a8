"""User.metro: the metro area an owner's coordinates fall in, filled in for existing owners."""

from collections import defaultdict

from django.db import migrations, models

from accounts.metros import metro_at

BATCH = 5_000


def fill_metro(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ids_by_metro = defaultdict(list)
    located = User.objects.filter(latitude__isnull=False, longitude__isnull=False)
    for user_id, latitude, longitude in located.values_list("id", "latitude", "longitude").iterator(
        chunk_size=20_000
    ):
        metro = metro_at(latitude, longitude)
        if metro:
            ids_by_metro[metro].append(user_id)
    # One UPDATE per metro and batch rather than one per owner.
    for metro, ids in ids_by_metro.items():
        for start in range(0, len(ids), BATCH):
            User.objects.filter(id__in=ids[start : start + BATCH]).update(metro=metro)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_feature_switches"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="metro",
            field=models.SlugField(blank=True, db_index=True, default="", max_length=40),
        ),
        migrations.RunPython(fill_metro, migrations.RunPython.noop, elidable=True),
    ]
