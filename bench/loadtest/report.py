"""The load test's report: locust's figures per page and phase, the desk pages
with and without the batch, errors, the batch, memory."""
import csv
import math
import time
from pathlib import Path

LEVELS_OFF = 1.10   # second half's peak within 10 % of the first half's: memory has levelled off
DESK_P95_TARGET = 1.5   # issue 19: the desk pages' p95 with the batch rendering at most 1.5 × without it

# The pages desk staff use in the mix (locustfile.DeskStaff; locust's request names).
# Their figures are taken over all requests for these pages, whoever made them.
DESK_PAGES = (
    "queue (to_dispatch)", "queue (answered)", "queue (overdue)", "queue (all)", "queue (handling)",
    "ticket page", "enterprise search (name)", "enterprise search (pinyin)", "enterprise search (code)",
    "enterprise page", "ticket intake form", "ticket register", "ticket dispatch", "ticket close",
    "dashboard", "statistics",
)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.95 for p95)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def desk_figures(phases: dict, batch: dict | None) -> dict:
    """The desk pages' p50 and p95 in each phase, and the batch phase's over the
    quiet one's. Only the batch phase's requests that began while the batch was
    still rendering count for it."""
    figures = {}
    for name, phase in phases.items():
        requests = [r for r in phase["locust"].get("requests", []) if r[0] in DESK_PAGES]
        counted = requests
        if name == "batch" and batch and batch.get("done_at"):
            counted = [r for r in requests if r[1] < batch["done_at"]]
        times = [r[2] for r in counted]
        figures[name] = {"requests": len(counted), "of": len(requests), "failures": sum(1 for r in counted if r[3]),
                         "p50": percentile(times, 0.50), "p95": percentile(times, 0.95)}
    quiet, loaded = figures.get("quiet"), figures.get("batch")
    if quiet and loaded and quiet["p95"] and loaded["p95"] is not None:
        figures["p95_ratio"] = loaded["p95"] / quiet["p95"]
        figures["p50_ratio"] = loaded["p50"] / quiet["p50"]
        figures["target"] = DESK_P95_TARGET
        figures["met"] = figures["p95_ratio"] <= DESK_P95_TARGET
    return figures


def read_locust(prefix: Path) -> dict:
    pages, total = [], None
    stats = Path(f"{prefix}_stats.csv")
    if stats.exists():
        with open(stats, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                entry = {"method": row["Type"], "name": row["Name"], "requests": int(row["Request Count"]),
                         "failures": int(row["Failure Count"]), "rps": float(row["Requests/s"]),
                         "p50": _ms(row["50%"]), "p95": _ms(row["95%"]), "p99": _ms(row["99%"]),
                         "max": _ms(row["Max Response Time"])}
                if row["Name"] == "Aggregated":
                    total = entry
                else:
                    pages.append(entry)
    failure_list = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with open(failures_csv, encoding="utf-8") as f:
            failure_list = [{"method": r["Method"], "name": r["Name"], "error": r["Error"],
                             "count": int(r["Occurrences"])} for r in csv.DictReader(f)]
    return {"pages": pages, "total": total or {"requests": 0, "failures": 0, "rps": 0.0},
            "failures": (total or {}).get("failures", 0), "failure_list": failure_list}


def _ms(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def memory(samples: list[dict], run_seconds: float | None = None, split_at: float | None = None) -> dict:
    """Per role: peak RSS of any one process and of the role's processes together, in
    the first and second part of the run, split at ``split_at`` s (default: halfway;
    samples taken later, while an unfinished batch was awaited without load, are left
    out); processes seen (recycled ones included)."""
    end = run_seconds or (samples[-1]["t"] if samples else 0)
    split = split_at if split_at is not None else end / 2
    samples = [s for s in samples if s["t"] <= end]
    if len(samples) < 2:
        return {}
    roles = {}
    for role in samples[0]["rss"]:
        halves = {"first": [], "second": []}
        pids = set()
        for s in samples:
            values = s["rss"].get(role, {})
            pids.update(values)
            if values:
                halves["first" if s["t"] < split else "second"].append((max(values.values()), sum(values.values())))
        if not halves["first"] or not halves["second"]:
            continue
        first = (max(v[0] for v in halves["first"]), max(v[1] for v in halves["first"]))
        second = (max(v[0] for v in halves["second"]), max(v[1] for v in halves["second"]))
        roles[role] = {"first_peak": first[0], "second_peak": second[0], "first_total": first[1],
                       "second_total": second[1], "processes": len(pids),
                       "levels_off": second[0] <= first[0] * LEVELS_OFF}
    return roles


def _fmt(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown(options, facts, builds, runs, login_limit=None) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    kind = "Soak test" if options.soak else "Load test"
    lines = [f"# {kind}, {when}", ""]
    phases = ("one phase of" if options.soak or not options.letters else "two phases of")
    lines += [f"- {options.users} simulated users (2 in 5 desk staff, 3 in 5 station officers), "
              f"{phases} {options.minutes:g} min per run after starting {options.spawn_rate:g} users a second; "
              "think time 2–6 s between tasks; locust on the same machine (127.0.0.1).",
              _phases_explained(options),
              f"- Machine: {facts['cores']} cores, {facts['memory_gib']:.1f} GiB, {facts['system']}; Python "
              f"{facts['python']}, SQLite {facts['sqlite']}"
              + (f", PostgreSQL {facts['postgresql']}" if facts.get("postgresql") else "")
              + f"; locust {facts['locust']}, gunicorn {facts['gunicorn']}.",
              "- Load average (1/5/15 min) at the start: " + _load(facts["load_at_start"])
              + "; at the end: " + _load(facts["load_at_end"]) + "."]
    if login_limit:
        lines.append(f"- The login rate limit is raised to “{login_limit}” for the run "
                     "(ANQI_AUTH_LOGIN_RATE_LIMIT): every simulated user logs in from 127.0.0.1.")
    if options.max_requests is not None or options.max_jobs:
        lines.append(f"- Recycling: web workers after {options.max_requests} requests (± 10 %), "
                     f"the job worker after {options.max_jobs or 0} jobs (a job is 10 letters).")
    for name, built in builds.items():
        how = "reused" if built.get("reused") else "built now"
        lines.append(f"- {name} data: `anqi demo --enterprises {built['enterprises']} --tickets {built['tickets']} "
                     f"--seed {built['seed']}` ({how}; the build took {built['seconds'] / 60:.1f} min on "
                     f"{built['at']}).")
    lines.append("")
    lines += _desk(runs)
    if len(runs) > 1 or any(len(run["phases"]) > 1 for run in runs):
        lines += ["## Summary", "", "| run | phase | requests/s | requests | failures | p50 ms | p95 ms | p99 ms | "
                  "batch of letters |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for run in runs:
            for name, phase in run["phases"].items():
                total = phase["locust"]["total"]
                lines.append(f"| {_title(run)} | {name} | {total['rps']:.1f} | {total['requests']:,} | "
                             f"{total['failures']} | {_fmt(total.get('p50'))} | {_fmt(total.get('p95'))} | "
                             f"{_fmt(total.get('p99'))} | {_batch(run) if name == 'batch' else '—'} |")
        lines.append("")
    for run in runs:
        lines += _run(run, verdict=options.soak)
    return "\n".join(lines) + "\n"


def _phases_explained(options) -> str:
    if options.soak:
        return "- One phase, the batch queued as the users start (no quiet phase: the soak is about memory)."
    if not options.letters:
        return "- No batch (`--letters 0`): the quiet phase only."
    return (f"- Phases, against the same server and job worker: **quiet** (the mix alone), then **batch** "
            f"({options.letters} letters queued as one batch the moment its users start). Each phase starts "
            "its users afresh.")


def _desk(runs) -> list[str]:
    """The desk pages' times without and with the batch, against the target."""
    compared = [run for run in runs if "p95_ratio" in (run.get("desk") or {})]
    if not compared:
        return []
    lines = ["## The desk pages with and without the batch", "",
             f"Desk pages: {', '.join(DESK_PAGES)} (every request for them, whoever made it; logins not "
             "included). In the batch phase only the requests that began before the batch's last letter was "
             f"issued count. Target: p95 with the batch at most {DESK_P95_TARGET:g} × without it.", "",
             "| run | quiet: requests | quiet: p50 ms | quiet: p95 ms | batch: requests | batch: p50 ms | "
             "batch: p95 ms | p50 batch/quiet | p95 batch/quiet | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for run in compared:
        desk = run["desk"]
        quiet, loaded = desk["quiet"], desk["batch"]
        of = f" of {loaded['of']:,}" if loaded["of"] != loaded["requests"] else ""
        lines.append(f"| {_title(run)} | {quiet['requests']:,} | {_fmt(quiet['p50'])} | {_fmt(quiet['p95'])} | "
                     f"{loaded['requests']:,}{of} | {_fmt(loaded['p50'])} | {_fmt(loaded['p95'])} | "
                     f"{desk['p50_ratio']:.2f} × | {desk['p95_ratio']:.2f} × | "
                     f"{'met' if desk['met'] else '**not met**'} (≤ {desk['target']:g} ×) |")
    lines.append("")
    return lines


def _title(run):
    if run.get("workers"):
        return f"{run['label']}, {run['workers']} worker{'s' if run['workers'] > 1 else ''}"
    return run["label"]


def _load(values):
    return " / ".join(f"{v:.2f}" for v in values)


def _batch(run):
    batch = run.get("batch")
    if not batch:
        return run.get("batch_skipped", "none")
    state = batch["state"] or {}
    if batch["seconds"] is None:
        return (f"{batch['letters']} letters NOT finished ({state.get('issued', 0)} issued, "
                f"{state.get('failed', 0)} failed)")
    return (f"{batch['letters']} letters in {batch['seconds']:.0f} s "
            f"({'within' if batch['within_run'] else 'after'} the phase; {state.get('failed', 0)} failed)")


def _run(run, verdict: bool) -> list[str]:
    lines = [f"## {_title(run)}", ""]
    if run.get("server_command"):
        lines.append(f"`{run['server_command']}` and `{run['worker_command']}`.")
        lines.append("")
    if run.get("found") is not None:
        lines.append("Processes sampled (found on this machine by their command lines): "
                     + "; ".join(f"{role}: {', '.join(pids) or 'none'}" for role, pids in run["found"].items()) + ".")
        lines.append("")
    for name, phase in run["phases"].items():
        lines += _phase(run, name, phase)
    if run.get("server_log_errors"):
        lines += ["Errors in the server's and worker's logs (first 20):", "", "```"]
        lines += run["server_log_errors"] + ["```", ""]
    lines += _memory(run, verdict)
    return lines


def _phase(run, name, phase) -> list[str]:
    result = phase["locust"]
    total = result["total"]
    lines = [f"### {_title(run)}: {name} phase", "",
             f"- {total['requests']:,} requests, {total['rps']:.1f} per second, {total['failures']} failed.",
             f"- Load average before / after: {_load(phase['load_before'])} → {_load(phase['load_after'])}."]
    if name == "batch":
        lines.append(f"- Batch: {_batch(run)}.")
    loop = result.get("loop") or {}
    if loop:
        lines.append(f"- Tickets of the phase still waiting at its end: {loop.get('waiting_to_sign', 0)} to sign "
                     f"for, {loop.get('waiting_to_close', 0)} to close.")
    lines += ["", "| page | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for page in sorted(result["pages"], key=lambda p: p["name"]):
        lines.append(f"| {page['method']} {page['name']} | {page['requests']:,} | {page['failures']} | "
                     f"{page['rps']:.2f} | {_fmt(page['p50'])} | {_fmt(page['p95'])} | {_fmt(page['p99'])} | "
                     f"{_fmt(page['max'])} |")
    lines.append("")
    if result["failure_list"]:
        lines += ["Errors:", ""]
        lines += [f"- {f['method']} {f['name']} ×{f['count']}: {f['error']}" for f in result["failure_list"]]
        lines.append("")
    else:
        lines += ["Errors: none.", ""]
    return lines


def _memory(run, verdict: bool) -> list[str]:
    phases = run["phases"]
    split_at = phases["batch"]["starts_at"] if len(phases) > 1 and "batch" in phases else None
    roles = memory(run.get("samples") or [], run.get("run_seconds"), split_at)
    if not roles:
        return []
    first, second = ("quiet phase", "batch phase") if split_at is not None else ("1st half", "2nd half")
    lines = [f"Resident memory ({len(run['samples'])} samples): peak of one process, and of the role's "
             f"processes together, in the {first} and the {second}"
             + (f"; it levels off when the second half's peak of one process is within "
                f"{LEVELS_OFF - 1:.0%} of the first half's." if verdict else "."), "",
             f"| processes | seen | one: {first} MiB | one: {second} MiB | all: {first} MiB | "
             f"all: {second} MiB |" + (" levels off |" if verdict else ""),
             "| --- | ---: | ---: | ---: | ---: | ---: |" + (" --- |" if verdict else "")]
    for role, m in roles.items():
        lines.append(f"| {role} | {m['processes']} | {m['first_peak'] / 1024:.0f} | {m['second_peak'] / 1024:.0f} | "
                     f"{m['first_total'] / 1024:.0f} | {m['second_total'] / 1024:.0f} |"
                     + (f" {'yes' if m['levels_off'] else '**no**'} |" if verdict else ""))
    lines.append("")
    if verdict:
        lines += ["Samples (MiB; the largest single process of the role, and all together):", "",
                  "| minute | " + " | ".join(roles) + " | load |", "| ---: |" + " ---: |" * (len(roles) + 1)]
        for s in run["samples"]:
            cells = []
            for role in roles:
                values = s["rss"].get(role) or {0: 0}
                cells.append(f"{max(values.values()) / 1024:.0f} / {sum(values.values()) / 1024:.0f}")
            after = " (after the run)" if run.get("run_seconds") and s["t"] > run["run_seconds"] else ""
            lines.append(f"| {s['t'] / 60:.1f}{after} | " + " | ".join(cells) + f" | {s['load']:.2f} |")
        lines.append("")
    if verdict and "worker_restarts" in run:
        lines.append(f"The job worker restarted itself {run['worker_restarts']} time(s) (--max-jobs); "
                     "a web worker process counted in “seen” beyond the configured number was a recycled one.")
        lines.append("")
    return lines
