"""``python -m bench`` (what ``make bench`` runs): the enterprise-list, demand-ticket, document, inspection-draw, inspection-statistics, project-file and quarterly-risk-report benchmarks.

    make bench                          # the full run, figures for docs/performance.md
    make bench BENCH_ARGS=--quick       # a few rounds, for development
    make bench BENCH_ARGS="--reps 300"  # more rounds on a very noisy machine
    make bench BENCH_ARGS="--only tickets"   # one of the benchmarks
    make bench BENCH_ARGS="--only routing"   # the desk's queue with dispatch suggestions
    make bench BENCH_ARGS="--only search"    # the ticket list searched for words people wrote
    make bench BENCH_ARGS="--only home"      # each role's home page
    make bench BENCH_ARGS="--only liaison"   # the coverage page (一企一警), the officer's visit plan and visits
    make bench BENCH_ARGS="--only notices"   # anqi worker sending 1,000 SMS, one and two processes
    make bench BENCH_ARGS="--only conduct_stats"   # the negative list's counts at 1,000 and 100,000 enterprises

PostgreSQL intake is measured when ANQI_BENCH_DATABASE_URL names a database made
for the bench (see bench/tickets.py); otherwise it is skipped and the report says so.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="few rounds and no statement profile: for development, not for the record")
    parser.add_argument("--reps", type=int, help="measuring rounds (default 100; 8 with --quick)")
    parser.add_argument("--warmup", type=int, help="warm-up requests per URL (default 5; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=7110, help="demo data seed (default 7110)")
    parser.add_argument("--small", type=int, default=1_000, help="enterprises in the small database")
    parser.add_argument("--large", type=int, default=100_000, help="enterprises in the large database")
    parser.add_argument("--small-tickets", type=int, default=3_000, help="tickets in the small database")
    parser.add_argument("--large-tickets", type=int, default=300_000, help="tickets in the large database")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers for the intake figure")
    parser.add_argument("--per-writer", type=int, default=50, help="tickets each concurrent writer registers")
    parser.add_argument("--single-writes", type=int, default=100, help="tickets the lone writer registers")
    parser.add_argument("--letters", type=int, default=500, help="letters in the document batch (default 500)")
    parser.add_argument("--only", choices=("enterprises", "tickets", "documents", "inspection", "inspection_stats",
                                           "project_officer",
                                           "risk_assessment", "routing", "search",
                                           "home", "liaison", "notices", "service_lists", "conduct_stats"),
                        help="run one benchmark only")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--no-plans", dest="plans", action="store_false",
                        help="skip the per-statement timings and EXPLAIN QUERY PLAN appendix")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results" / "latest.md",
                        help="where to write the markdown report (default bench/results/latest.md)")
    options = parser.parse_args(argv)
    if options.reps is None:
        options.reps = 8 if options.quick else 100
    if options.warmup is None:
        options.warmup = 1 if options.quick else 5
    if options.quick:
        options.plans = False
    options.plan_reps = 20
    if options.large < 2 * 20 * 201 or options.small < 1:
        parser.error("--large must hold at least 8,040 enterprises (the deep page is page 201)")
    return options


def main(argv=None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="anqi-bench-") as workdir:
        # The apps' instance folder (secret key, uploads) and the databases' working
        # copies live here, not in the checkout's instance/.
        os.environ["ANQI_INSTANCE_PATH"] = str(Path(workdir) / "instance")
        # The cached databases hold encrypted phone numbers: they are read with the key
        # they were written with, kept beside them.
        from bench.databases import CACHE

        CACHE.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("ANQI_PERSONAL_DATA_KEY_FILE", str(CACHE / "personal_data_keys"))
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        from bench import enterprise_list, report

        def log(message):
            print(message, file=sys.stderr, flush=True)

        texts, printed = [], []
        if options.only in (None, "enterprises"):
            result = enterprise_list.run(options, Path(workdir), log)
            texts.append(report.markdown(result))
            printed.append(report.markdown(result, plans=False))
            from core.extensions import db

            for app in {scenario.target.app for scenario in result["scenarios"].values()}:
                with app.app_context():  # close the databases before their folder goes
                    db.session.remove()
                    db.engine.dispose()
        if options.only in (None, "tickets"):
            from bench import tickets

            ticket_result = tickets.run(options, Path(workdir), log)
            texts.append(tickets.markdown(ticket_result))
            printed.append(tickets.markdown(ticket_result, plans=False))
        if options.only in (None, "documents"):
            from bench import documents

            document_result = documents.run(options, Path(workdir), log)
            texts.append(documents.markdown(document_result))
            printed.append(documents.markdown(document_result))
        if options.only in (None, "inspection"):
            from bench import inspection

            inspection_result = inspection.run(options, Path(workdir), log)
            texts.append(inspection.markdown(inspection_result))
            printed.append(inspection.markdown(inspection_result))
        if options.only in (None, "inspection_stats"):
            from bench import inspection_stats

            stats_result = inspection_stats.run(options, Path(workdir), log)
            texts.append(inspection_stats.markdown(stats_result))
            printed.append(inspection_stats.markdown(stats_result))
        if options.only in (None, "project_officer"):
            from bench import project_officer

            project_result = project_officer.run(options, Path(workdir), log)
            texts.append(project_officer.markdown(project_result))
            printed.append(project_officer.markdown(project_result))
        if options.only in (None, "risk_assessment"):
            from bench import risk_assessment

            risk_result = risk_assessment.run(options, Path(workdir), log)
            texts.append(risk_assessment.markdown(risk_result))
            printed.append(risk_assessment.markdown(risk_result))
        if options.only in (None, "routing"):
            from bench import routing

            routing_result = routing.run(options, Path(workdir), log)
            texts.append(routing.markdown(routing_result))
            printed.append(routing.markdown(routing_result))
        if options.only in (None, "search"):
            from bench import search

            search_result = search.run(options, Path(workdir), log)
            texts.append(search.markdown(search_result))
            printed.append(search.markdown(search_result))
        if options.only in (None, "home"):
            from bench import home

            home_result = home.run(options, Path(workdir), log)
            texts.append(home.markdown(home_result))
            printed.append(home.markdown(home_result))
        if options.only in (None, "liaison"):
            from bench import liaison

            liaison_result = liaison.run(options, Path(workdir), log)
            texts.append(liaison.markdown(liaison_result))
            printed.append(liaison.markdown(liaison_result))
        if options.only in (None, "notices"):
            from bench import notices

            notices_result = notices.run(options, Path(workdir), log)
            texts.append(notices.markdown(notices_result))
            printed.append(notices.markdown(notices_result))
        if options.only in (None, "service_lists"):
            from bench import service_lists

            lists_result = service_lists.run(options, Path(workdir), log)
            texts.append(service_lists.markdown(lists_result))
            printed.append(service_lists.markdown(lists_result))
        if options.only in (None, "conduct_stats"):
            from bench import conduct_stats

            conduct_result = conduct_stats.run(options, Path(workdir), log)
            texts.append(conduct_stats.markdown(conduct_result))
            printed.append(conduct_stats.markdown(conduct_result))
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text("\n".join(texts), encoding="utf-8")
        print()
        print("\n".join(printed))
        print(f"Per-statement timings and query plans: {options.output}" if options.plans
              else f"Written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
