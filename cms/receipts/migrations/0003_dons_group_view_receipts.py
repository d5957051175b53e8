"""The donor desk's "Dons" group (donations/0006) also sees the receipts: the menu "Reçus fiscaux", the
222 bis figures, the CSV and each PDF (`receipts.view_receipt`)."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = global_apps.get_app_config("receipts")  # permissions are made after the last migration
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Dons").first()
    if group is not None:
        group.permissions.add(Permission.objects.get(content_type__app_label="receipts",
                                                     content_type__model="receipt", codename="view_receipt"))


def revoke(apps, schema_editor):
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Dons").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="receipts",
                                                            codename="view_receipt"))


class Migration(migrations.Migration):
    dependencies = [("receipts", "0002_receipts"), ("donations", "0006_dons_group")]
    operations = [migrations.RunPython(grant, revoke)]
