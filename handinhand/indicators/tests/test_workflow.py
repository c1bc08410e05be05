"""The evaluation workflow: every transition per role, bad input, locks and conflicts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditAction, AuditEvent
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.indicators.models import EvidenceFile, Score
from handinhand.indicators.services import (
    evaluation_leaves,
    evaluation_review,
    evaluation_save_self,
    evaluation_transition,
)
from handinhand.indicators.tests.conftest import full_entries
from handinhand.indicators.workflow import TRANSITIONS, actor_roles, allowed_actions

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def _submit(cast, evaluation):
    return evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries=full_entries(evaluation, below=True),
        expected_version=evaluation.version,
        submit=True,
    )


def _review(cast, evaluation, passed=True):
    return evaluation_review(
        actor=cast.instructor,
        evaluation=evaluation,
        entries={k: (v[0], "良好") for k, v in full_entries(evaluation).items()},
        expected_version=evaluation.version,
        passed=passed,
    )


def test_roles_of_the_cast(cast, evaluation):
    assert actor_roles(cast.school_user, evaluation) == {"school"}
    assert actor_roles(cast.instructor, evaluation) == {"reviewer"}
    assert actor_roles(cast.leader, evaluation) == {"confirmer"}
    for who in ("instructor_ecjtu", "city_user", "county_user", "province_admin", "outsider"):
        assert actor_roles(getattr(cast, who), evaluation) == set(), who


def test_the_whole_path_is_audited(cast, evaluation):
    ev = evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries=full_entries(evaluation, below=True),
        expected_version=1,
    )
    assert ev.status == S.DRAFT and ev.self_total == Decimal(65)  # 100 - 70 × 0.5
    ev = _submit(cast, ev)
    assert ev.status == S.SUBMITTED and ev.submitted_at
    ev = _review(cast, ev, passed=False)
    assert ev.status == S.SUBMITTED and ev.review_total == Decimal(100)
    ev = _review(cast, ev)
    assert ev.status == S.REVIEWED
    ev = evaluation_transition(
        actor=cast.leader, evaluation=ev, action="confirm", expected_version=ev.version
    )
    assert ev.status == S.CONFIRMED and ev.confirmed_at
    statuses = [
        e.changes.get("status")
        for e in AuditEvent.objects.filter(
            object_type="indicators.evaluation", object_id=str(ev.pk), action=AuditAction.UPDATE
        ).order_by("id")
    ]
    assert statuses == [
        ["not_started", "draft"],
        ["draft", "submitted"],
        None,
        ["submitted", "reviewed"],
        ["reviewed", "confirmed"],
    ]
    assert Score.objects.filter(evaluation=ev).count() == 70


def test_return_with_reason_and_resubmit(cast, evaluation):
    ev = _submit(cast, evaluation)
    with pytest.raises(ValidationError) as exc:
        evaluation_transition(
            actor=cast.instructor, evaluation=ev, action="return", expected_version=ev.version
        )
    assert "reason" in exc.value.error_dict
    ev = evaluation_transition(
        actor=cast.instructor,
        evaluation=ev,
        action="return",
        expected_version=ev.version,
        reason="佐证材料不足",
    )
    assert ev.status == S.RETURNED and ev.return_reason == "佐证材料不足"
    ev = _submit(cast, ev)
    assert ev.status == S.SUBMITTED


# Every (role, action) against every state: allowed exactly where the table says.
ROLE_USERS = {"school": "school_user", "reviewer": "instructor", "confirmer": "leader"}


@pytest.mark.parametrize("state", [s.value for s in S])
def test_transition_table_per_role_and_state(cast, evaluation, state):
    type(evaluation).objects.filter(pk=evaluation.pk).update(status=state)
    evaluation.refresh_from_db()
    for role, user in ROLE_USERS.items():
        names = {t.action for t in allowed_actions(getattr(cast, user), evaluation)}
        expected = {
            t.action for t in TRANSITIONS.values() if t.actor == role and state in t.sources
        }
        assert names == expected, (role, state)
    for outsider in ("instructor_ecjtu", "county_user", "province_admin"):
        assert allowed_actions(getattr(cast, outsider), evaluation) == []


def test_forbidden_transitions(cast, evaluation):
    # Confirming a draft, reviewing before submission: out of order.
    with pytest.raises(ValidationError, match="不能执行“确认”"):
        evaluation_transition(
            actor=cast.leader, evaluation=evaluation, action="confirm", expected_version=1
        )
    with pytest.raises(ValidationError, match="不能执行“审核通过”"):
        _review(cast, evaluation)
    # The wrong person: the school cannot review, an instructor of another district cannot.
    with pytest.raises(PermissionDeniedError):
        evaluation_review(
            actor=cast.school_user, evaluation=evaluation, entries={}, expected_version=1
        )
    with pytest.raises(PermissionDeniedError):
        evaluation_save_self(
            actor=cast.instructor, evaluation=evaluation, entries={}, expected_version=1
        )
    ev = _submit(cast, evaluation)
    with pytest.raises(PermissionDeniedError):
        evaluation_review(
            actor=cast.instructor_ecjtu,
            evaluation=ev,
            entries=full_entries(ev),
            expected_version=ev.version,
        )
    with pytest.raises(PermissionDeniedError):
        evaluation_transition(
            actor=cast.instructor, evaluation=ev, action="confirm", expected_version=ev.version
        )


def test_a_confirmed_evaluation_is_locked(cast, evaluation):
    ev = _review(cast, _submit(cast, evaluation))
    ev = evaluation_transition(
        actor=cast.leader, evaluation=ev, action="confirm", expected_version=ev.version
    )
    before = list(Score.objects.filter(evaluation=ev).values_list("self_score", "review_score"))
    with pytest.raises(ValidationError, match="已确认并锁定"):
        evaluation_save_self(
            actor=cast.school_user,
            evaluation=ev,
            entries=full_entries(ev),
            expected_version=ev.version,
        )
    with pytest.raises(ValidationError, match="已确认并锁定"):
        _review(cast, ev)
    assert (
        list(Score.objects.filter(evaluation=ev).values_list("self_score", "review_score"))
        == before
    )


def test_scores_out_of_range_off_step_and_missing(cast, evaluation):
    leaves = evaluation_leaves(evaluation)
    entries = full_entries(evaluation)
    entries[leaves[0].pk] = (Decimal("1.6"), "")  # above the maximum of 1.5
    entries[leaves[1].pk] = (Decimal("-0.5"), "说明")
    entries[leaves[2].pk] = (Decimal("0.3"), "说明")  # off the 0.5 step
    entries[leaves[3].pk] = (Decimal("1"), "")  # below the maximum without explanation
    entries[leaves[4].pk] = (None, "")  # missing on submit
    with pytest.raises(ValidationError) as exc:
        evaluation_save_self(
            actor=cast.school_user,
            evaluation=evaluation,
            entries=entries,
            expected_version=1,
            submit=True,
        )
    errors = {k: v[0].messages[0] for k, v in exc.value.error_dict.items()}
    assert errors == {
        f"score_{leaves[0].pk}": "得分应在 0 至 1.5 之间",
        f"score_{leaves[1].pk}": "得分应在 0 至 1.5 之间",
        f"score_{leaves[2].pk}": "得分须为 0.5 的整数倍",
        f"explanation_{leaves[3].pk}": "请填写自评说明",
        f"score_{leaves[4].pk}": "请填写得分",
    }
    evaluation.refresh_from_db()
    assert evaluation.status == S.NOT_STARTED and not Score.objects.exists()


def test_explanations_follow_the_policy(cast, evaluation, settings, tmp_path):
    from handinhand.core.policy import get_policy

    policy = tmp_path / "policy.toml"
    text = (settings.BASE_DIR / "config/policy/jiangxi-pilot.toml").read_text(encoding="utf-8")
    policy.write_text(
        text.replace('explanation_required = "below_max"', 'explanation_required = "always"'),
        encoding="utf-8",
    )
    settings.POLICY_FILE = str(policy)
    get_policy.cache_clear()
    try:
        with pytest.raises(ValidationError) as exc:
            evaluation_save_self(
                actor=cast.school_user,
                evaluation=evaluation,
                entries=full_entries(evaluation),  # at the maximum, no explanations
                expected_version=1,
                submit=True,
            )
        assert len(exc.value.error_dict) == 70
    finally:
        get_policy.cache_clear()


def test_saving_70_indicators_is_one_bulk_write(cast, evaluation):
    for attempt in range(2):  # the first save inserts the rows, the second updates them
        evaluation.refresh_from_db()
        with CaptureQueriesContext(connection) as ctx:
            evaluation_save_self(
                actor=cast.school_user,
                evaluation=evaluation,
                entries=full_entries(evaluation, below=bool(attempt)),
                expected_version=evaluation.version,
            )
        score_writes = [
            q["sql"]
            for q in ctx.captured_queries
            if "indicators_score" in q["sql"] and q["sql"].lstrip().upper().startswith("INSERT")
        ]
        assert len(score_writes) == 1, attempt
    assert Score.objects.filter(evaluation=evaluation, self_score=Decimal(1)).count() == 60


def test_stale_form_is_a_conflict_and_changes_nothing(cast, evaluation):
    ev = _submit(cast, evaluation)
    stale = ev.version
    _review(cast, ev, passed=False)  # the first reviewer saves
    entries = {k: (Decimal(0), "第二人") for k in full_entries(ev)}
    with pytest.raises(ConflictError):
        evaluation_review(
            actor=cast.instructor, evaluation=ev, entries=entries, expected_version=stale
        )
    assert not Score.objects.filter(review_comment="第二人").exists()


def test_evidence_is_checked_by_content_and_size(cast, evaluation, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    leaf = evaluation_leaves(evaluation)[0]
    fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf")
    renamed = SimpleUploadedFile("图片.pdf", PNG)
    exe = SimpleUploadedFile("a.exe", b"MZ\x90\x00")
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        evaluation_save_self(
            actor=cast.school_user,
            evaluation=evaluation,
            entries={},
            expected_version=1,
            files={leaf.pk: [fake, renamed, exe, big]},
        )
    messages = exc.value.error_dict[f"evidence_{leaf.pk}"][0].messages
    messages = [m for e in exc.value.error_dict[f"evidence_{leaf.pk}"] for m in e.messages]
    assert len(messages) == 4
    assert "超过上限 10 MB" in messages[3] and "内容不是允许的类型" in messages[0]
    assert not EvidenceFile.objects.exists()
    ok = SimpleUploadedFile("制度.pdf", PDF)
    png = SimpleUploadedFile("照片.png", PNG)
    evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={},
        expected_version=1,
        files={leaf.pk: [ok, png]},
    )
    stored = list(EvidenceFile.objects.values_list("original_name", "kind", "size"))
    assert stored == [("制度.pdf", "pdf", len(PDF)), ("照片.png", "png", len(PNG))]


def test_office_files_are_recognised(cast):
    from io import BytesIO

    from openpyxl import Workbook

    from handinhand.core.uploads import sniff

    buffer = BytesIO()
    Workbook().save(buffer)
    assert sniff(buffer.getvalue()) == "xlsx"
    import docx

    buffer = BytesIO()
    docx.Document().save(buffer)
    assert sniff(buffer.getvalue()) == "docx"
    assert sniff(b"PK\x03\x04garbage") is None


def test_score_changes_are_audited_per_indicator(cast, evaluation):
    """Issue 9: not only the total — each indicator's score, old → new, for the school's
    self-assessment and the instructor's review; unchanged indicators are not listed."""
    leaves = evaluation_leaves(evaluation)
    first, second = leaves[0], leaves[1]
    entries = full_entries(evaluation)
    ev = evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries=entries,
        expected_version=evaluation.version,
    )
    created = AuditEvent.objects.filter(object_id=str(ev.pk)).order_by("-id")[0]
    key = f"self_score {first.code}"
    assert created.changes[key][0] is None
    assert Decimal(created.changes[key][1]) == entries[first.pk][0]
    entries[first.pk] = (entries[first.pk][0] - Decimal("0.5"), "少一项")
    ev = evaluation_save_self(
        actor=cast.school_user, evaluation=ev, entries=entries, expected_version=ev.version
    )
    changed = AuditEvent.objects.filter(object_id=str(ev.pk)).order_by("-id")[0]
    scores = {k: v for k, v in changed.changes.items() if k.startswith("self_score ")}
    assert list(scores) == [key]
    top = first.max_score or Decimal(0)
    assert [Decimal(v) for v in scores[key]] == [top, top - Decimal("0.5")]
    ev = _submit(cast, ev)
    review = {k: (v[0], "良好") for k, v in full_entries(ev).items()}
    review[second.pk] = (Decimal(0), "未落实")
    ev = evaluation_review(
        actor=cast.instructor, evaluation=ev, entries=review, expected_version=ev.version
    )
    reviewed = AuditEvent.objects.filter(object_id=str(ev.pk)).order_by("-id")[0]
    assert reviewed.changes[f"review_score {second.code}"] == [None, "0"]
    assert "review_total" in reviewed.changes
