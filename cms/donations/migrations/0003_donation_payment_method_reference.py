"""Gifts without a card: a payment method (card, transfer, cheque), the "pledged" status (a transfer or a
cheque announced, not received yet), and a short reference on every gift ("VDA-7K2M9Q"), unique, that the
donor writes on the transfer or the cheque and that the thank-you page shows.

Gifts made before this migration get a reference of their own (drawn here, one by one, unique), then the
column becomes unique and required."""

from django.db import migrations, models

import cms.donations.models


def give_references(apps, schema_editor):
    Donation = apps.get_model("donations", "Donation")
    taken = set()
    for pk in Donation.objects.filter(reference__isnull=True).values_list("pk", flat=True).iterator():
        reference = cms.donations.models.new_reference()
        while reference in taken:
            reference = cms.donations.models.new_reference()
        taken.add(reference)
        Donation.objects.filter(pk=pk).update(reference=reference)


class Migration(migrations.Migration):

    dependencies = [
        ("donations", "0002_donation_donor_details"),
    ]

    operations = [
        migrations.AddField(
            model_name="donation",
            name="payment_method",
            field=models.CharField(choices=[("card", "carte"), ("transfer", "virement"), ("cheque", "chèque")],
                                   db_index=True, default="card", max_length=8, verbose_name="moyen de paiement"),
        ),
        migrations.AlterField(
            model_name="donation",
            name="status",
            field=models.CharField(choices=[("pending", "en attente"), ("succeeded", "payé"),
                                            ("active", "mensuel actif"), ("failed", "échoué"),
                                            ("canceled", "arrêté"),
                                            ("pledged", "promis (virement ou chèque attendu)")],
                                   db_index=True, default="pending", max_length=10),
        ),
        migrations.AddField(
            model_name="donation",
            name="reference",
            field=models.CharField(editable=False, max_length=12, null=True),
        ),
        migrations.RunPython(give_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="donation",
            name="reference",
            field=models.CharField(default=cms.donations.models.new_reference, editable=False,
                                   help_text="À reporter sur le virement ou au dos du chèque.", max_length=12,
                                   unique=True, verbose_name="référence"),
        ),
    ]
