"""Project news by e-mail (issue 14 §4): the opt-in, the announcements, each e-mail's announcement.

The updates that exist before this migration are recorded as announced (to no one): they are old news, and
the first publish after deploying must not e-mail every donor every update of the past."""

import django.db.models.deletion
from django.db import migrations, models


def mark_existing_updates(apps, schema_editor):
    ProjectUpdate = apps.get_model("projects", "ProjectUpdate")
    UpdateAnnouncement = apps.get_model("donors", "UpdateAnnouncement")
    UpdateAnnouncement.objects.bulk_create(
        [UpdateAnnouncement(update_id=u.pk, project_id=u.page_id, title=u.title[:160], recipients=0)
         for u in ProjectUpdate.objects.only("pk", "page_id", "title")], ignore_conflicts=True)


def grant_report(apps, schema_editor):
    """The desk's "Dons" group (donations 0006) reads the send report (permissions made first, as there)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = global_apps.get_app_config("donors")
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    permission = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="donors", content_type__model="updateannouncement",
        codename="view_updateannouncement").first()
    group = apps.get_model("auth", "Group").objects.filter(name="Dons").first()
    if permission is not None and group is not None:
        group.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ('donors', '0004_space'),
        ('donations', '0006_dons_group'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('projects', '0002_suggestedamount'),
    ]

    operations = [
        migrations.AddField(
            model_name='mailpreferences',
            name='project_news',
            field=models.BooleanField(default=False, verbose_name='nouvelles des projets que je soutiens'),
        ),
        migrations.CreateModel(
            name='UpdateAnnouncement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('update_id', models.PositiveIntegerField(unique=True)),
                ('title', models.CharField(max_length=160, verbose_name='titre')),
                ('recipients', models.PositiveIntegerField(default=0, verbose_name='destinataires')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='annoncée le')),
                ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='projects.projectpage')),
            ],
            options={
                'verbose_name': "annonce d'une nouvelle",
                'verbose_name_plural': 'annonces des nouvelles',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='sentemail',
            name='announcement',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='emails', to='donors.updateannouncement'),
        ),
        migrations.RunPython(mark_existing_updates, migrations.RunPython.noop),
        migrations.RunPython(grant_report, migrations.RunPython.noop),
    ]
