"""Production refuses a half-configured Netlify API deploy (cms/config/settings/guard.py): with only one of
NETLIFY_AUTH_TOKEN and NETLIFY_SITE_ID, every publish would build and deploy nowhere without anyone knowing."""

from __future__ import annotations

import pytest

from cms.config.settings.guard import production_problems
from tests.test_production_settings import good_env, manage


@pytest.mark.parametrize("present", ["NETLIFY_AUTH_TOKEN", "NETLIFY_SITE_ID"])
def test_one_of_the_pair_alone_is_refused(present):
    problems = production_problems(dict(good_env(), **{present: "abc123"}))
    missing = ({"NETLIFY_AUTH_TOKEN", "NETLIFY_SITE_ID"} - {present}).pop()
    assert len(problems) == 1 and problems[0].startswith(missing)


def test_both_or_neither_are_fine_and_a_stand_in_address_is_refused():
    assert production_problems(dict(good_env(), NETLIFY_AUTH_TOKEN="nfp_x", NETLIFY_SITE_ID="site")) == []
    assert production_problems(good_env()) == []
    problems = production_problems(dict(good_env(), NETLIFY_AUTH_TOKEN="nfp_x", NETLIFY_SITE_ID="site",
                                        NETLIFY_API_URL="http://127.0.0.1:9999"))
    assert len(problems) == 1 and "NETLIFY_API_URL" in problems[0]


def test_a_half_configured_pair_stops_manage_py():
    done = manage({"NETLIFY_SITE_ID": "site-1234"}, "check")
    assert done.returncode != 0 and "NETLIFY_AUTH_TOKEN is not set" in done.stderr
