from __future__ import annotations

import pytest

from handinhand.research.models import ResearchApplication, ResearchCall
from handinhand.seed import research as synthetic

pytestmark = pytest.mark.django_db


def test_extend_builds_a_ranked_call_within_the_rule(cast):
    counts = synthetic.extend("pilot", seed=1)
    assert counts["research_applications"] == 60
    call = ResearchCall.objects.get()
    assert call.status == "review" and call.places == 12
    apps = ResearchApplication.objects.filter(call=call)
    approved = apps.filter(approved=True)
    assert approved.count() <= call.places
    separate = approved.filter(proposed_pool="separate")
    assert separate.count() <= call.separate_quota
    assert not separate.filter(eligible=False).exists()
    assert apps.filter(eligible=True).exists() and apps.filter(eligible=False).exists()
    assert synthetic.extend("pilot", seed=1) == {}
