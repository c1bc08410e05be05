"""The assessment's evidence (R10 point 2) for every instructor of the province at once, set
based, against computing each person on their own; and the time to write every letter.

    DATABASE_URL=sqlite:////tmp/fin12.sqlite3 .venv/bin/python benchmarks/incentives_evidence.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \
        .venv/bin/python benchmarks/incentives_evidence.py [--runs 5] [--sample 0]

"ours" is compute_evidence() over all the people (one grouped query per figure, the same
dozen queries for one person or thousands); "each on their own" calls it once per person, as
a page computing one record at a time would. Both are measured on (a) the assessed people of
the seeded year (the policy's levels, by default the provincial groups) and (b) every member
of every group, and must give the same figures. `--sample N` times the per-person path on N
people only and scales it up (said so in the table). The letters row runs the background job
path once (letters_run: number, code and write every .docx of the final year) into a
temporary MEDIA_ROOT. The database is ANALYZEd first so that the planner sees the seeded data.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--sample", type=int, default=0, help="per-person path on N people only (0: all)"
    )
    args = parser.parse_args()
    database = _common.setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from handinhand.accounts.models import User
    from handinhand.guidance.models import Finding, Visit
    from handinhand.incentives.evidence import compute_evidence
    from handinhand.incentives.models import Assessment, AssessmentStatus, AssessmentYear, LetterJob
    from handinhand.incentives.services import letters_run, served
    from handinhand.meetings.models import Attendance, Meeting
    from handinhand.programme.models import GroupLevel, GuidanceGroup

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    year_row = AssessmentYear.objects.order_by("-year").first()
    if year_row is None:
        raise SystemExit("数据库中没有考核年度：请用 manage.py seed 生成的库")
    year = year_row.year
    assessed = [(u, g) for u, (_m, g) in served(year, list(year_row.levels)).items()]
    everyone = [(u, g) for u, (_m, g) in served(year, list(GroupLevel.values)).items()]

    state = (
        f"{database}; {GuidanceGroup.objects.count():,} groups, "
        f"{Visit.objects.count():,} visits, {Finding.objects.count():,} findings, "
        f"{Meeting.objects.count():,} meetings, {Attendance.objects.count():,} attendances, "
        f"{Assessment.objects.filter(year=year_row).count():,} assessment records of {year} "
        f"({year_row.get_status_display()}); ANALYZE run"
    )

    def queries(fn: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()  # type: ignore[operator]
        return len(captured)

    rows = []
    for label, people in (("assessed (policy levels)", assessed), ("every group member", everyone)):
        sample = people[: args.sample] if args.sample else people

        def ours(people: list[tuple[int, int]] = people) -> dict[int, dict[str, object]]:
            return compute_evidence(year, people)

        def each(people: list[tuple[int, int]] = sample) -> dict[int, dict[str, object]]:
            result: dict[int, dict[str, object]] = {}
            for pair in people:
                result.update(compute_evidence(year, [pair]))
            return result

        together = ours()
        alone = each()
        # Same figures both ways, or the comparison means nothing.
        assert all(alone[u] == together[u] for u, _g in sample), "per-person figures differ"
        ours_q, each_q = queries(ours), queries(each)
        (ours_s,) = _common.median_times([ours], args.runs, warmup=1)
        started = time.perf_counter()
        each()
        each_s = time.perf_counter() - started
        scale = len(people) / max(len(sample), 1)
        scaled = f" (scaled from {len(sample)})" if scale != 1 else ""
        rows.append(
            [f"evidence, set-based — {label}", len(people), f"{ours_s:.3f}", ours_q, "1.0×"]
        )
        rows.append(
            [
                f"evidence, each on their own — {label}{scaled}",
                len(people),
                f"{each_s * scale:.3f}",
                round(each_q * scale),
                f"{each_s * scale / ours_s:.0f}×",
            ]
        )

    admin = User.objects.get(username="admin")
    letters = Assessment.objects.filter(year=year_row, status=AssessmentStatus.CONFIRMED).count()
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        job = LetterJob.objects.create(params={"year": year_row.pk}, created_by=admin)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            done = letters_run(job.pk)
        letters_s = time.perf_counter() - started
    rows.append(
        [
            "letters: number, code and write every .docx (job, once)",
            letters,
            f"{letters_s:.3f}",
            len(captured),
            f"{letters_s / max(done.total, 1) * 1000:.1f} ms/letter",
        ]
    )

    print(f"\n考核履职数据与通知书 — {state}; year {year}; median of {args.runs} runs\n")
    _common.print_table(["what", "people", "seconds", "queries", "ratio"], rows)


if __name__ == "__main__":
    main()
