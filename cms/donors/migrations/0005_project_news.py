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


class Migration(migrations.Migration):

    dependencies = [
        ('donors', '0004_space'),
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
    ]
