"""The evaluation pages: fill, submit, review, return, confirm; errors shown, nothing lost."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from handinhand.indicators.models import EvaluationStatus as S
from handinhand.indicators.models import EvidenceFile, Score
from handinhand.indicators.services import evaluation_leaves

pytestmark = pytest.mark.django_db


def _form(evaluation, *, mode="self", action="save", score=None, text="已落实", **extra):
    data = {"expected_version": evaluation.version, "action": action}
    name = "explanation" if mode == "self" else "comment"
    for leaf in evaluation_leaves(evaluation):
        data[f"score_{leaf.pk}"] = str(leaf.max_score if score is None else score)
        data[f"{name}_{leaf.pk}"] = text
    data.update(extra)
    return data


def test_the_school_fills_and_submits(cast, evaluation, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(cast.school_user)
    url = reverse("indicators:evaluation_fill", args=[evaluation.pk])
    leaf = evaluation_leaves(evaluation)[0]
    data = _form(evaluation, score="1")
    data[f"score_{leaf.pk}"] = "一点五"  # text in a number cell
    data[f"evidence_{leaf.pk}"] = SimpleUploadedFile("制度.pdf", b"%PDF-1.4 x")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "请输入数字" in response.content.decode()
    # The scores are refused, the file is kept (issue 14) and listed on the page shown again.
    assert not Score.objects.exists()
    assert EvidenceFile.objects.get().original_name == "制度.pdf"
    assert "制度.pdf" in response.content.decode()
    data = _form(evaluation, score="1")
    assert client.post(url, data).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.DRAFT and evaluation.self_total == Decimal(70)
    assert EvidenceFile.objects.get().original_name == "制度.pdf"
    # The form shows what was saved.
    html = client.get(url).content.decode()
    assert 'value="1.00"' in html and "制度.pdf" in html
    response = client.post(url, _form(evaluation, action="submit"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED and evaluation.self_total == Decimal(100)


def test_bad_evidence_is_shown_on_its_row(cast, evaluation, client_for):
    leaf = evaluation_leaves(evaluation)[0]
    data = _form(evaluation)
    data[f"evidence_{leaf.pk}"] = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00")
    response = client_for(cast.school_user).post(
        reverse("indicators:evaluation_fill", args=[evaluation.pk]), data
    )
    assert response.status_code == 400
    assert "内容不是允许的类型" in response.content.decode()


def test_review_return_resubmit_pass_confirm(cast, evaluation, client_for):
    school = client_for(cast.school_user)
    school.post(
        reverse("indicators:evaluation_fill", args=[evaluation.pk]),
        _form(evaluation, action="submit"),
    )
    evaluation.refresh_from_db()
    instructor = client_for(cast.instructor)
    move = reverse("indicators:evaluation_move", args=[evaluation.pk])
    response = instructor.post(
        move,
        {"action": "return", "reason": "请补充材料", "expected_version": evaluation.version},
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.RETURNED
    school = client_for(cast.school_user)
    html = school.get(reverse("indicators:evaluation_detail", args=[evaluation.pk])).content
    assert "请补充材料" in html.decode()
    school.post(
        reverse("indicators:evaluation_fill", args=[evaluation.pk]),
        _form(evaluation, action="submit"),
    )
    evaluation.refresh_from_db()
    instructor = client_for(cast.instructor)
    review = reverse("indicators:evaluation_review", args=[evaluation.pk])
    response = instructor.post(review, _form(evaluation, mode="review", action="pass", score=1))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.REVIEWED and evaluation.review_total == Decimal(70)
    leader = client_for(cast.leader)
    response = leader.post(move, {"action": "confirm", "expected_version": evaluation.version})
    evaluation.refresh_from_db()
    assert evaluation.status == S.CONFIRMED
    # Locked: the school's form is shown disabled, and a post is refused with the reason.
    school = client_for(cast.school_user)
    html = school.get(reverse("indicators:evaluation_fill", args=[evaluation.pk])).content
    assert 'id="not-editable"' in html.decode() and "已确认并锁定" in html.decode()
    response = school.post(
        reverse("indicators:evaluation_fill", args=[evaluation.pk]),
        _form(evaluation, score=0),
    )
    assert response.status_code == 400 and "已确认并锁定" in response.content.decode()
    assert not Score.objects.filter(evaluation=evaluation, self_score=0).exists()


def test_confirming_a_draft_is_refused(cast, evaluation, client_for):
    move = reverse("indicators:evaluation_move", args=[evaluation.pk])
    response = client_for(cast.leader).post(
        move, {"action": "confirm", "expected_version": evaluation.version}, follow=True
    )
    assert "不能执行“确认”" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == S.NOT_STARTED


def test_two_reviewers_second_gets_a_conflict_and_keeps_the_form(cast, evaluation, client_for):
    client_for(cast.school_user).post(
        reverse("indicators:evaluation_fill", args=[evaluation.pk]),
        _form(evaluation, action="submit"),
    )
    evaluation.refresh_from_db()
    first = _form(evaluation, mode="review", score=1, text="第一人")
    second = _form(evaluation, mode="review", score=0, text="第二人的意见")
    client = client_for(cast.instructor)
    review = reverse("indicators:evaluation_review", args=[evaluation.pk])
    assert client.post(review, first).status_code == 302
    response = client.post(review, second)
    assert response.status_code == 409
    html = response.content.decode()
    assert "已被他人修改" in html and "第二人的意见" in html
    assert set(Score.objects.values_list("review_comment", flat=True)) == {"第一人"}


def test_review_by_an_instructor_of_another_district_is_404(cast, evaluation, client_for):
    review = reverse("indicators:evaluation_review", args=[evaluation.pk])
    for who in ("instructor_ecjtu", "leader", "school_user"):
        assert client_for(getattr(cast, who)).get(review).status_code == 404, who


def test_pages_are_pinned(cast, cycle, evaluation, client_for, django_assert_max_num_queries):
    client = client_for(cast.city_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:evaluation_list"))
    html = response.content.decode()
    assert "湘东区第一小学" in html and "安源区实验中学" in html and "渝水区" not in html
    with django_assert_max_num_queries(14):
        response = client.get(reverse("indicators:evaluation_detail", args=[evaluation.pk]))
    assert response.status_code == 200
    client = client_for(cast.school_user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("indicators:evaluation_fill", args=[evaluation.pk]))
    assert response.content.decode().count('name="score_') == 70
