from django.urls import path

from . import offline, views

app_name = "donations"
urlpatterns = [
    path("api/intents/", views.create_intent, name="create_intent"),
    path("api/donations/<uuid:donation_id>/confirm/", views.confirm_donation, name="confirm"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("totals.json", views.totals, name="totals"),
    path("pay/", views.pay_page, name="pay"),
    path("assets/<path:path>", views.theme_asset, name="asset"),
    *offline.urlpatterns,  # giving without a card, and a gift's public state (offline.py)
]
