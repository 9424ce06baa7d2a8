"""DailyActiveOwners counts a day's owners by the days since their previous active day too
(WAU and MAU per day for the engagement figures). Its primary key grows a column, which a
migration cannot alter: the table is made anew and counted again from the active days."""

from collections import Counter

from django.db import migrations, models

RETURN_WINDOW_DAYS = 30  # accounts.models.RETURN_WINDOW_DAYS when this was written


def count_existing(apps, schema_editor):
    ActiveDay = apps.get_model("accounts", "ActiveDay")
    DailyActiveOwners = apps.get_model("accounts", "DailyActiveOwners")
    counts = Counter()
    previous_user, previous_day = None, None
    rows = ActiveDay.objects.order_by("user_id", "day").values_list("user_id", "day", "metro")
    for user_id, day, metro in rows.iterator(chunk_size=10_000):
        gap = (day - previous_day).days if user_id == previous_user else 0
        counts[day, metro, gap if gap <= RETURN_WINDOW_DAYS else 0] += 1
        previous_user, previous_day = user_id, day
    DailyActiveOwners.objects.bulk_create(
        (
            DailyActiveOwners(day=day, metro=metro, gap=gap, owners=owners)
            for (day, metro, gap), owners in sorted(counts.items())
        ),
        batch_size=5_000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_engagement_rollups"),
    ]

    operations = [
        migrations.DeleteModel(name="DailyActiveOwners"),
        migrations.CreateModel(
            name="DailyActiveOwners",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "day",
                        "metro",
                        "gap",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("day", models.DateField()),
                ("metro", models.SlugField(blank=True, default="", max_length=40)),
                ("gap", models.PositiveSmallIntegerField(default=0)),
                ("owners", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name_plural": "daily active owners",
            },
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop, elidable=True),
    ]
