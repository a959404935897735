"""The results as markdown tables: printed, and written to bench/results/latest.md."""
import os
import platform
import sqlite3
import sys
from datetime import datetime, timezone

APPS = ("anqi", "Flask-Admin")


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def _figure(comparison, app):
    """(text, met) for one application's side of a comparison; met is None
    where the application has no such figure."""
    if app not in comparison.pairs:
        return "—", None
    scenario, baseline = comparison.pairs[app]
    if comparison.goal is None:  # query counts
        return f"{scenario.queries} / {baseline.queries}", scenario.queries == baseline.queries
    ratio = scenario.median / baseline.median
    p90 = scenario.p90 / baseline.p90
    return f"{ratio:.2f}× (p90 {p90:.2f}×)", ratio <= comparison.goal


def _yes(met) -> str:
    return "—" if met is None else "yes" if met else "**no**"


def machine() -> dict:
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def markdown(result, plans: bool = True) -> str:
    options = result["options"]
    scenarios = result["scenarios"]
    info = machine()
    command = "make bench"
    if sys.argv[1:]:
        command += ' BENCH_ARGS="' + " ".join(sys.argv[1:]) + '"'
    lines = [
        "# Enterprise list benchmark",
        "",
        f"- command: `{command}`",
        f"- date: {info['date']}",
        f"- machine: {info['nproc']} CPUs (nproc), Python {info['python']}, SQLite {info['sqlite']}, "
        f"{info['platform']}",
        f"- {options.reps} rounds; every round requests each of the {len(scenarios)} URLs once, in shuffled "
        f"order ({options.warmup} warm-up requests each first); measuring took {result['wall']:.0f} s",
        "- full requests through the Flask test client; anqi logged in as the centre desk user `desk` "
        "(whose scope is the whole city) unless a row says otherwise, "
        "Flask-Admin (ModelView over the same Enterprise model, same database file) without login",
        "",
        "## Ratios (median; p90 in brackets), measured in one run",
        "",
        "| measurement | anqi | goal | anqi meets it | Flask-Admin | Flask-Admin within it |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for comparison in result["comparisons"]:
        anqi, anqi_met = _figure(comparison, "anqi")
        admin, admin_met = _figure(comparison, "Flask-Admin")
        lines.append(f"| {comparison.label} | {anqi} | {comparison.goal_text} | {_yes(anqi_met)} | "
                     f"{admin} | {_yes(admin_met)} |")
    lines += [
        "",
        "## Absolute times on this machine (ms per request) and SQL statements per request",
        "",
        "| request | anqi median | anqi p90 | anqi SQL | Flask-Admin median | Flask-Admin p90 | Flask-Admin SQL |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in result["labels"].items():
        cells = []
        for app in APPS:
            scenario = scenarios.get((app, key))
            cells += [_ms(scenario.median), _ms(scenario.p90), str(scenario.queries)] if scenario else ["—"] * 3
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", f"Rows each search finds among {options.large:,} enterprises "
              "(anqi: part of the name, initials in order with gaps allowed, or a credit-code prefix; "
              "Flask-Admin: `ILIKE '%q%'` on name, credit code and initials):", ""]
    lines += ["| query | anqi | Flask-Admin |", "| --- | ---: | ---: |"]
    for q in result["queries"]:
        lines.append(f"| {q} | {result['matches'][('anqi', q)]:,} | {result['matches'][('Flask-Admin', q)]:,} |")
    lines += ["", "SQL statements are counted with a `before_cursor_execute` listener on each app's engine; "
              "transaction control (`BEGIN IMMEDIATE`) is not counted."]
    if plans and result["profiles"]:
        lines += ["", "## Statements that read the enterprise table, at "
                  f"{options.large:,} enterprises", "",
                  "Each statement of one request, run on its own against the same database file "
                  f"({options.plan_reps} times, median), with SQLite's EXPLAIN QUERY PLAN.", ""]
        for (app, key), profile in result["profiles"].items():
            lines.append(f"### {app}: {result['labels'][key]}")
            lines.append("")
            for entry in profile:
                sql = entry["sql"]
                if len(sql) > 400:
                    sql = sql[:180] + " … " + sql[-200:]
                lines += [f"- {_ms(entry['median'])} ms — `{sql}` — parameters `{entry['parameters']}`",
                          "", "  ```"]
                lines += [f"  {step}" for step in entry["plan"]]
                lines += ["  ```", ""]
    return "\n".join(lines) + "\n"
