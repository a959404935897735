"""The load test's report: the desk pages' figures with and without the batch
(bench/loadtest/report.py), from made-up requests; nothing here is timed."""
import re
from argparse import Namespace
from pathlib import Path

from bench.loadtest import report
from bench.loadtest.__main__ import parse, phases_of

LOCUSTFILE = Path(report.__file__).with_name("locustfile.py")


def _phase(requests, starts_at=0.0):
    """A phase as the driver records it; ``requests``: (page, start, ms[, failed])."""
    rows = [[name, start, ms, bool(rest and rest[0])] for name, start, ms, *rest in requests]
    total = {"requests": len(rows), "failures": sum(r[3] for r in rows), "rps": 1.0, "p50": 100.0, "p95": 200.0,
             "p99": 300.0}
    return {"load_before": (0.1, 0.1, 0.1), "load_after": (0.2, 0.2, 0.2), "starts_at": starts_at,
            "locust": {"pages": [], "total": total, "failures": total["failures"], "failure_list": [],
                       "loop": {}, "requests": rows}}


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert report.percentile(values, 0.95) == 95
    assert report.percentile(values, 0.50) == 50
    assert report.percentile([7.0], 0.95) == 7.0
    assert report.percentile([], 0.95) is None


def test_desk_figures_compare_the_batch_phase_with_the_quiet_one():
    quiet = _phase([("ticket page", 1.0, 100)] * 19 + [("ticket page", 2.0, 400)]
                   + [("POST login", 1.0, 9000), ("ticket sign", 1.0, 9000)])
    loaded = _phase([("queue (all)", 10.0, 150)] * 19 + [("queue (all)", 11.0, 500, True)])
    figures = report.desk_figures({"quiet": quiet, "batch": loaded}, {"done_at": None})
    assert figures["quiet"] == {"requests": 20, "of": 20, "failures": 0, "p50": 100, "p95": 100}
    assert figures["batch"]["p95"] == 150 and figures["batch"]["failures"] == 1
    assert figures["p95_ratio"] == 1.5 and figures["met"]


def test_only_requests_begun_while_the_batch_rendered_count_for_the_batch_phase():
    quiet = _phase([("ticket page", 1.0, 100)] * 10)
    loaded = _phase([("ticket page", 10.0, 300)] * 10 + [("ticket page", 50.0, 100)] * 30)
    figures = report.desk_figures({"quiet": quiet, "batch": loaded}, {"done_at": 40.0})
    assert figures["batch"]["requests"] == 10 and figures["batch"]["of"] == 40
    assert figures["p95_ratio"] == 3.0 and not figures["met"]


def test_without_a_batch_there_is_no_ratio():
    figures = report.desk_figures({"quiet": _phase([("dashboard", 1.0, 80)])}, None)
    assert figures["quiet"]["p95"] == 80 and "p95_ratio" not in figures


def test_the_phases_of_a_run():
    assert phases_of(parse([]), with_batch=True) == ["quiet", "batch"]
    assert phases_of(parse([]), with_batch=False) == ["quiet"]
    assert phases_of(parse(["--soak"]), with_batch=True) == ["batch"]


def test_the_report_shows_both_phases_and_the_ratio_against_the_target():
    quiet = _phase([("ticket page", 1.0, 100)] * 20)
    loaded = _phase([("ticket page", 100.0, 180)] * 20, starts_at=60.0)
    run = {"label": "PostgreSQL", "workers": 4, "phases": {"quiet": quiet, "batch": loaded},
           "batch": {"letters": 500, "state": {"issued": 500, "failed": 0, "pending": 0}, "seconds": 150.0,
                     "done_at": 300.0, "within_run": True},
           "samples": [], "run_seconds": 120.0}
    run["desk"] = report.desk_figures(run["phases"], run["batch"])
    options = Namespace(soak=False, letters=500, users=50, minutes=3, spawn_rate=5, max_requests=None, max_jobs=None)
    facts = {"cores": 2, "memory_gib": 4.0, "system": "Linux", "python": "3.11", "sqlite": "3.40", "locust": "2",
             "gunicorn": "23", "load_at_start": (0, 0, 0), "load_at_end": (0, 0, 0)}
    text = report.markdown(options, facts, {}, [run])
    row = "| PostgreSQL, 4 workers | 20 | 100 | 100 | 20 | 180 | 180 | 1.80 × | 1.80 × | **not met** (≤ 1.5 ×) |"
    assert row in text
    assert "### PostgreSQL, 4 workers: quiet phase" in text and "### PostgreSQL, 4 workers: batch phase" in text
    assert "500 letters in 150 s (within the phase; 0 failed)" in text


def test_the_desk_pages_are_pages_of_the_mix():
    source = LOCUSTFILE.read_text(encoding="utf-8")
    for name in report.DESK_PAGES:
        chosen = re.fullmatch(r"(.+) \((\w+)\)", name)  # f"queue ({queue})" with queue one of a list
        if chosen:
            assert f'f"{chosen.group(1)} ({{' in source and f'"{chosen.group(2)}"' in source, name
        else:
            assert f'"{name}"' in source, name
