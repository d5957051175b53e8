"""The "Dons" group: what the staff of the donor desk (cms/donors/desk/) need, and nothing an editor has.

Django creates permissions after the last migration (post_migrate), so on a fresh database those of this
app do not exist yet here: they are created first. Editors without the group
see no donor, no donation and no personal data."""

from django.db import migrations

GROUP = "Dons"
PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("donations", "donor", "view_donor"),
    ("donations", "donor", "change_donor"),
    ("donations", "donation", "view_donation"),
    ("donations", "donation", "change_donation"),
    ("donations", "ledgerentry", "view_ledgerentry"),
    ("donations", "donation", "refund_donation"),
    ("donations", "donation", "cancel_monthly_donation"),
    ("donations", "donation", "record_offline_donation"),
    ("donations", "donation", "resend_receipt"),
    ("donations", "donation", "fix_donation_address"),
]


def create_group(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = global_apps.get_app_config("donations")  # access_admin: wagtailadmin's 0001 made it
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, codename in PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label=app_label, content_type__model=model,
                                            codename=codename)
        group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0005_desk_permissions_cash"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
