from django.db import migrations, models


def mark_session_threads(apps, schema_editor):
    """Threads about a session (offers.Session) are its group's; found by content type, so chat/ needs no offers/."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Thread = apps.get_model("chat", "Thread")
    session_type = ContentType.objects.filter(app_label="offers", model="session").first()
    if session_type is not None:
        Thread.objects.filter(subject_type=session_type).update(is_group=True)


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0002_messages"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="is_group",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(mark_session_threads, migrations.RunPython.noop),
    ]
