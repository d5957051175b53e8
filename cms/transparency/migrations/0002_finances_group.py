"""The "Finances" group: the staff who record disbursements and grants, and approve each other's
disbursements (four eyes: the approval is refused to the one who recorded it, whatever their group).

Django creates permissions after the last migration (post_migrate), so on a fresh database those of this
app are created first (as donations/0006 does)."""

from django.db import migrations

GROUP = "Finances"
PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("transparency", "disbursement", "add_disbursement"),
    ("transparency", "disbursement", "change_disbursement"),
    ("transparency", "disbursement", "delete_disbursement"),
    ("transparency", "disbursement", "view_disbursement"),
    ("transparency", "disbursement", "approve_disbursement"),
    ("transparency", "grant", "add_grant"),
    ("transparency", "grant", "change_grant"),
    ("transparency", "grant", "view_grant"),
]


def create_group(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = global_apps.get_app_config("transparency")
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                     content_type__model=model, codename=codename))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("transparency", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
