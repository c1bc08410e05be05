from __future__ import annotations

import pytest

from handinhand.notices.models import Notice, NoticeReceipt
from handinhand.seed import notices as synthetic

pytestmark = pytest.mark.django_db


def test_extend_publishes_the_policy_and_notices_with_some_read(cast):
    counts = synthetic.extend("pilot", seed=1)
    assert counts["notices"] >= 3
    policy = Notice.objects.get(kind="policy")
    assert policy.pinned and policy.policy_version
    assert NoticeReceipt.objects.filter(notice=policy, user=cast.school_user).exists()
    assert NoticeReceipt.objects.filter(read_at__isnull=False).exists()
    assert NoticeReceipt.objects.filter(read_at__isnull=True).exists()
    assert synthetic.extend("pilot", seed=1) == {}
