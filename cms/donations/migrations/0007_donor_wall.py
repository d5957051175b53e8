"""The donor wall (wall_name, hiding by staff, its permission given to the "Dons" group) and the
project-news opt-in asked with a gift (issue 14, section 4)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



def grant_wall_permission(apps, schema_editor):
    """As 0006: permissions are created after the last migration, so this one is made here first."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = global_apps.get_app_config("donations")
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="donations", content_type__model="donation",
                                           codename="moderate_donor_wall").first()
    group = apps.get_model("auth", "Group").objects.filter(name="Dons").first()
    if permission is not None and group is not None:
        group.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ('donations', '0006_dons_group'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='donation',
            options={'ordering': ['-created_at'], 'permissions': [('refund_donation', 'Peut rembourser un paiement'), ('cancel_monthly_donation', 'Peut mettre fin à un don mensuel'), ('record_offline_donation', 'Peut enregistrer un don hors ligne ou rapprocher une promesse'), ('resend_receipt', 'Peut renvoyer un reçu fiscal'), ('fix_donation_address', "Peut corriger le nom ou l'adresse d'un don"), ('moderate_donor_wall', 'Peut masquer ou afficher un nom sur le mur des donateurs')], 'verbose_name': 'don'},
        ),
        migrations.AddField(
            model_name='donation',
            name='project_news',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='donation',
            name='wall_hidden',
            field=models.BooleanField(default=False, verbose_name='masqué du mur'),
        ),
        migrations.AddField(
            model_name='donation',
            name='wall_hidden_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='donation',
            name='wall_hidden_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='donation',
            name='wall_name',
            field=models.CharField(blank=True, max_length=40, verbose_name='nom affiché sur le mur'),
        ),
        migrations.RunPython(grant_wall_permission, migrations.RunPython.noop),
    ]
