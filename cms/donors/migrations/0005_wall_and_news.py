"""Project news by e-mail: the opt-in and the announcements (issue 14, section 4)."""

import django.db.models.deletion
from django.db import migrations, models


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
    ]
