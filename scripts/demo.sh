#!/usr/bin/env bash
# `make demo`: the whole platform on this machine, with embedded defaults (SQLite, local media).
# Sets up the database and demo content, builds the static site, then serves the CMS and the site
# until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CMS_PORT=${CMS_PORT:-8000}
SITE_PORT=${SITE_PORT:-8080}
STRIPE_PORT=${STRIPE_PORT:-8420}
MAIL_PORT=${MAIL_PORT:-1025}
MAIL_DIR=${MAIL_DIR:-$PWD/var/mail}
export DJANGO_SETTINGS_MODULE=cms.config.settings.dev
export SITE_BASE_URL=${SITE_BASE_URL:-http://127.0.0.1:$SITE_PORT}
export WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$CMS_PORT}
# Giving runs against localstripe, the offline Stripe: same SDK calls, same signed webhooks.
export STRIPE_API_BASE=${STRIPE_API_BASE:-http://127.0.0.1:$STRIPE_PORT}
export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_localstripe_demo}
# Publishing: the worker rebuilds public/ (only what changed) each time an editor publishes.
export SITE_BUILD_API_URL=${SITE_BUILD_API_URL:-http://127.0.0.1:$CMS_PORT/graphql/}
export SITE_BUILD_OUT=${SITE_BUILD_OUT:-$PWD/public}
# The builder's key to the CMS's bulk GraphQL fields (sitePages): the CMS, its worker and the builder share it.
export SITE_BUILD_API_TOKEN=${SITE_BUILD_API_TOKEN:-dev-build-token}
# E-mail: the worker sends to a local SMTP server that keeps every message as a file (cms/donors/mailbox.py).
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=$MAIL_PORT EMAIL_USE_TLS=0

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

echo "==> database (SQLite in var/) and demo content"
$PY cms/manage.py migrate --noinput -v0
$PY cms/manage.py load_content content/
$PY cms/manage.py sync_ledger  # the demo gifts in the public ledger (/transparence/registre/)
$PY cms/manage.py ensure_admin

echo "==> localstripe (offline Stripe) on $STRIPE_API_BASE"
.venv/bin/localstripe --port "$STRIPE_PORT" --from-scratch >var/localstripe.log 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "$STRIPE_API_BASE/v1/balance" -u sk_test_demo: 2>/dev/null && break
  sleep 0.5
done
curl -fsS -X POST "$STRIPE_API_BASE/_config/webhooks/vision-damour" \
  -d "url=http://127.0.0.1:$CMS_PORT/donate/stripe/webhook/" -d "secret=$STRIPE_WEBHOOK_SECRET" >/dev/null

echo "==> CMS on http://127.0.0.1:$CMS_PORT/"
$PY cms/manage.py runserver "127.0.0.1:$CMS_PORT" --noreload >var/cms.log 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$CMS_PORT/admin/login/" 2>/dev/null && break
  sleep 0.5
done

echo "==> static site build"
$PY cms/manage.py update_site --now

echo "==> local mailbox: SMTP on 127.0.0.1:$MAIL_PORT, every e-mail kept in $MAIL_DIR/"
mkdir -p "$MAIL_DIR"
$PY -m cms.donors.mailbox --port "$MAIL_PORT" --dir "$MAIL_DIR" >var/mailbox.log 2>&1 &
pids+=($!)
for _ in $(seq 1 40); do
  grep -q "every message is kept" var/mailbox.log 2>/dev/null && break
  sleep 0.25
done

echo "==> publishing worker (a build on every publish; scheduled publishing; the donors' e-mails)"
$PY cms/manage.py publishing_worker >var/worker.log 2>&1 &
pids+=($!)

$PY -m site_builder.serve public --port "$SITE_PORT" --proxy "/donate/=http://127.0.0.1:$CMS_PORT" &
pids+=($!)
sleep 0.5
cat <<MSG

  Vision d'Amour is running:
    CMS admin     http://127.0.0.1:$CMS_PORT/admin/   (user: ${DEMO_ADMIN_USER:-admin}, password: ${DEMO_ADMIN_PASSWORD:-visiondamour})
    GraphQL API   http://127.0.0.1:$CMS_PORT/graphql/
    Static site   http://127.0.0.1:$SITE_PORT/   (give with the test card 4242 4242 4242 4242)
    localstripe   $STRIPE_API_BASE/   (the offline Stripe)
    E-mails       $MAIL_DIR/   (one .eml file per message sent; a line each in var/mailbox.log)
  Publish in the admin: the site updates itself in about a second (Publication du site lists the builds).
  Preview shows the draft with the site's own theme.
  Stop with Ctrl-C.
MSG
wait
