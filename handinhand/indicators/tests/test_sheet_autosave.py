"""Issue 14, the sheets on a phone: each cell saved as typed with the record's version (a second
device gets a conflict, never a silent overwrite), files stored when chosen, errors listed at
the top, the evaluation's return reason and who returned it shown on the sheet."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.core.models import AuditEvent
from handinhand.indicators.models import EvaluationStatus as S
from handinhand.indicators.models import EvidenceFile, Score
from handinhand.indicators.services import evaluation_leaves, evaluation_save_self

pytestmark = pytest.mark.django_db


def _autosave(client, evaluation, name, value, version, mode="self"):
    url = reverse(f"indicators:evaluation_{mode}_autosave", args=[evaluation.pk])
    return client.post(url, {"name": name, "value": value, "expected_version": version})


def test_a_cell_is_saved_with_the_version_and_audited(cast, evaluation, client_for):
    leaf = evaluation_leaves(evaluation)[0]
    client = client_for(cast.school_user)
    response = _autosave(client, evaluation, f"score_{leaf.pk}", "1", evaluation.version)
    assert response.status_code == 200
    new_version = response.json()["version"]
    assert new_version == evaluation.version + 1
    response = _autosave(client, evaluation, f"explanation_{leaf.pk}", "制度已上墙", new_version)
    assert response.status_code == 200
    score = Score.objects.get(evaluation=evaluation, indicator=leaf)
    assert score.self_score == Decimal(1) and score.self_explanation == "制度已上墙"
    evaluation.refresh_from_db()
    assert evaluation.status == S.DRAFT and evaluation.self_total == Decimal(1)
    changes = [
        e.changes
        for e in AuditEvent.objects.filter(
            object_type="indicators.evaluation", object_id=str(evaluation.pk)
        )
    ]
    assert any(f"self_score {leaf.code}" in c for c in changes)
    # The page shows the progress of the saved cells.
    html = client.get(reverse("indicators:evaluation_fill", args=[evaluation.pk])).content
    assert 'id="sheet-filled">1</span>/' in html.decode()


def test_a_draft_saved_by_two_devices_the_later_save_gets_a_conflict(cast, evaluation, client_for):
    leaf, other = evaluation_leaves(evaluation)[:2]
    loaded = evaluation.version  # both devices opened the sheet at this version
    phone = client_for(cast.school_user)
    assert _autosave(phone, evaluation, f"score_{leaf.pk}", "1", loaded).status_code == 200
    laptop = client_for(cast.school_user)
    response = _autosave(laptop, evaluation, f"score_{other.pk}", "0", loaded)
    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert "已被他人修改" in response.json()["error"]
    assert not Score.objects.filter(indicator=other, self_score__isnull=False).exists()
    # The whole-form save of the laptop's old page is refused the same way.
    data = {"expected_version": loaded, "action": "save", f"score_{other.pk}": "0"}
    response = laptop.post(reverse("indicators:evaluation_fill", args=[evaluation.pk]), data)
    assert response.status_code == 409 and 'id="conflict"' in response.content.decode()
    assert Score.objects.get(indicator=leaf, evaluation=evaluation).self_score == Decimal(1)


def test_bad_cells_are_refused_and_nothing_is_written(cast, evaluation, client_for):
    leaf = evaluation_leaves(evaluation)[0]
    client = client_for(cast.school_user)
    version = evaluation.version
    response = _autosave(client, evaluation, f"score_{leaf.pk}", "一点五", version)
    assert response.status_code == 400 and response.json()["error"] == "请输入数字"
    response = _autosave(client, evaluation, f"score_{leaf.pk}", "999", version)
    assert response.status_code == 400 and "之间" in response.json()["error"]
    assert _autosave(client, evaluation, "comment_1", "x", version).status_code == 400
    assert _autosave(client, evaluation, f"score_{leaf.pk}", "1", "").status_code == 400
    assert not Score.objects.exists()
    evaluation.refresh_from_db()
    assert evaluation.version == version


def test_the_review_sheet_autosaves_for_the_instructor_only(cast, evaluation, client_for):
    evaluation = evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={leaf.pk: (leaf.max_score, "") for leaf in evaluation_leaves(evaluation)},
        expected_version=evaluation.version,
        submit=True,
    )
    leaf = evaluation_leaves(evaluation)[0]
    name = f"score_{leaf.pk}"
    school = client_for(cast.school_user)
    # The school may no longer type on its submitted sheet; it has no review sheet at all.
    assert _autosave(school, evaluation, name, "0", evaluation.version).status_code == 400
    assert _autosave(school, evaluation, name, "0", evaluation.version, "review").status_code == 404
    instructor = client_for(cast.instructor)
    response = _autosave(instructor, evaluation, name, "1", evaluation.version, "review")
    assert response.status_code == 200
    assert Score.objects.get(indicator=leaf, evaluation=evaluation).review_score == Decimal(1)


@pytest.mark.parametrize("who", ["outsider", "county_user", "instructor_ecjtu"])
def test_autosave_and_upload_out_of_scope_answer_404(cast, evaluation, client_for, who):
    leaf = evaluation_leaves(evaluation)[0]
    client = client_for(getattr(cast, who))
    assert (
        _autosave(client, evaluation, f"score_{leaf.pk}", "1", evaluation.version).status_code
        == 404
    )
    upload = reverse("indicators:evidence_upload", args=[evaluation.pk])
    response = client.post(
        upload, {"indicator": leaf.pk, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")}
    )
    assert response.status_code == 404
    assert not Score.objects.exists() and not EvidenceFile.objects.exists()


def test_a_file_is_stored_when_chosen(cast, evaluation, client_for):
    leaf = evaluation_leaves(evaluation)[0]
    client = client_for(cast.school_user)
    upload = reverse("indicators:evidence_upload", args=[evaluation.pk])
    response = client.post(
        upload, {"indicator": leaf.pk, "file": SimpleUploadedFile("制度.pdf", b"%PDF-1.4 x")}
    )
    assert response.status_code == 200 and response.json()["name"] == "制度.pdf"
    assert EvidenceFile.objects.get().indicator_id == leaf.pk
    assert AuditEvent.objects.filter(object_type="indicators.evidencefile").exists()
    response = client.post(
        upload, {"indicator": leaf.pk, "file": SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00")}
    )
    assert response.status_code == 400 and "不是允许的类型" in response.json()["error"]
    assert EvidenceFile.objects.count() == 1


def test_errors_are_listed_at_the_top_with_links(cast, evaluation, client_for):
    leaf = evaluation_leaves(evaluation)[0]
    data = {"expected_version": evaluation.version, "action": "submit"}
    response = client_for(cast.school_user).post(
        reverse("indicators:evaluation_fill", args=[evaluation.pk]), data
    )
    html = response.content.decode()
    assert response.status_code == 400
    top = html[html.index('id="sheet-errors"') : html.index('id="score-sheet"')]
    assert f'href="#id_score_{leaf.pk}"' in top and "请填写得分" in top


def test_the_sheet_shows_the_return_reason_and_who_returned(cast, evaluation, client_for):
    from handinhand.indicators.services import evaluation_transition

    evaluation = evaluation_save_self(
        actor=cast.school_user,
        evaluation=evaluation,
        entries={leaf.pk: (leaf.max_score, "") for leaf in evaluation_leaves(evaluation)},
        expected_version=evaluation.version,
        submit=True,
    )
    evaluation_transition(
        actor=cast.instructor,
        evaluation=evaluation,
        action="return",
        expected_version=evaluation.version,
        reason="请补充党员活动记录",
    )
    client = client_for(cast.school_user)
    for name in ("evaluation_fill", "evaluation_detail"):
        html = client.get(reverse(f"indicators:{name}", args=[evaluation.pk])).content.decode()
        assert "请补充党员活动记录" in html
        assert str(cast.instructor) in html[html.index('id="return-note"') :]


def test_the_school_page_links_the_report_card(cast, evaluation, client_for):
    html = (
        client_for(cast.school_user)
        .get(reverse("orgs:school_detail", args=[cast.school.pk]))
        .content.decode()
    )
    assert reverse("indicators:report_card", args=[evaluation.pk]) in html
    html = client_for(cast.school_user).get(evaluation.get_absolute_url()).content.decode()
    assert reverse("indicators:report_card", args=[evaluation.pk]) in html


def test_an_answered_return_is_no_longer_shown_but_a_reopen_is(cast, evaluation, client_for):
    from handinhand.indicators.services import evaluation_review, evaluation_transition

    entries = {leaf.pk: (leaf.max_score, "") for leaf in evaluation_leaves(evaluation)}

    def submit(e):
        return evaluation_save_self(
            actor=cast.school_user,
            evaluation=e,
            entries=entries,
            expected_version=e.version,
            submit=True,
        )

    evaluation = submit(evaluation)
    evaluation = evaluation_transition(
        actor=cast.instructor,
        evaluation=evaluation,
        action="return",
        expected_version=evaluation.version,
        reason="请补充材料",
    )
    evaluation = submit(evaluation)
    detail = reverse("indicators:evaluation_detail", args=[evaluation.pk])
    assert 'id="return-note"' not in client_for(cast.instructor).get(detail).content.decode()
    evaluation = evaluation_review(
        actor=cast.instructor,
        evaluation=evaluation,
        entries=entries,
        expected_version=evaluation.version,
        passed=True,
    )
    evaluation_transition(
        actor=cast.leader,
        evaluation=evaluation,
        action="reopen",
        expected_version=evaluation.version,
        reason="1.1.1 得分偏高，请复核",
    )
    html = client_for(cast.instructor).get(detail).content.decode()
    note = html[html.index('id="return-note"') :]
    assert "请复核" in note and str(cast.leader) in note
