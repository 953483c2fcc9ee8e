from django.db import migrations

# The fixed taxonomy of DESIGN §3, in display order. Names and examples are translated in code
# (neighbours.models.Category.TAXONOMY); rows only carry the slug and the order.
SLUGS = ["garden", "digital", "errands", "transport", "repairs", "company", "lending", "pets", "childcare", "other"]


def seed(apps, schema_editor):
    Category = apps.get_model("neighbours", "Category")
    for position, slug in enumerate(SLUGS):
        Category.objects.update_or_create(slug=slug, defaults={"position": position})


def unseed(apps, schema_editor):
    apps.get_model("neighbours", "Category").objects.filter(slug__in=SLUGS).delete()


class Migration(migrations.Migration):
    dependencies = [("neighbours", "0002_categories_interests")]

    operations = [migrations.RunPython(seed, unseed)]
