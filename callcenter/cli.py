"""`callcenter`: one command for every process and tool.

    callcenter demo [--once] [--script NAME]   the embedded dev stack + a scripted call
    callcenter stop                            stop a running dev stack
    callcenter edge | worker | store           one process each (production style)
    callcenter call SCRIPT                     dial the edge as Asterisk would, speak a script
    callcenter chat [FILE]                     talk to the agent in text (stdin or a file)
    callcenter eval [--engine rules|claude]    run the scripted dialogues, print the pass rate
    callcenter bench turns                     our own overhead per turn, p50/p95
    callcenter bench endpointing | pacing      VAD/endpointing quality and cost; playout jitter
    callcenter bench load                      N concurrent calls under cloud-like engine latency
    callcenter bench understanding             slot accuracy on the held-out corpus, cost per utterance
    callcenter chaos [--only NAMES] [--quick]  fault scenarios: what each tried and lost
    callcenter temporal-setup                  search attributes for a Temporal cluster
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import os
import sys
from pathlib import Path

from callcenter.logging_setup import setup_logging
from callcenter.reachability import START_DEMO, NotRunning, describe_failure
from callcenter.settings import Settings, get_settings

EDGE_NEEDS_TEMPORAL = (
    "start Temporal first (`make demo` runs one; compose: `docker compose up -d temporal`) "
    "or point CALLCENTER_TEMPORAL_ADDRESS at it"
)


def _settings_or_none() -> Settings | None:
    try:
        return get_settings()
    except ValueError:
        return None


def _cmd_edge(args: argparse.Namespace) -> int:
    from callcenter.reachability import require
    from media_edge.app import main

    settings = get_settings()
    # The edge needs Temporal to start (its agent steps run on its own task queue); once up, a
    # Temporal outage degrades calls instead (docs/operations.md).
    require(settings, "temporal", hint=EDGE_NEEDS_TEMPORAL)
    main(settings)
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from callcenter.worker import main

    main(get_settings())
    return 0


def _cmd_store(args: argparse.Namespace) -> int:
    from store.app import main

    settings = get_settings()
    main(settings.store_host, settings.store_port, settings.store_database_url)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from callcenter.demo import run_demo

    return run_demo(get_settings(), scripts=args.script or ["stock_check"], once=args.once, rate=args.rate)


def _cmd_stop(args: argparse.Namespace) -> int:
    from callcenter.devstack.stack import stop_stack

    return stop_stack(get_settings())


def _cmd_call(args: argparse.Namespace) -> int:
    from callcenter.reachability import require
    from callcenter.simulator.runner import run_script_cli

    settings = get_settings()
    require(settings, "edge")
    return asyncio.run(
        run_script_cli(
            settings, args.script, rate=args.rate, as_json=args.json,
            noise_snr_db=args.noise_snr_db, noise_kind=args.noise,
        )
    )


def _cmd_chat(args: argparse.Namespace) -> int:
    from callcenter.chat_cli import run_chat_cli
    from callcenter.reachability import require

    settings = get_settings()
    require(settings, "temporal", "store")
    return asyncio.run(run_chat_cli(settings, args.file, as_json=args.json, caller=args.caller))


def _cmd_eval(args: argparse.Namespace) -> int:
    from callcenter.evaluation import DIALOGUES_DIR, confirm_running_stack, run_eval_cli
    from callcenter.reachability import require

    settings = get_settings()
    embedded = not args.against_running_stack
    if not embedded:
        require(settings, "temporal", "store")
        if not confirm_running_stack(settings, assume_yes=args.yes):
            return 2
    return asyncio.run(
        run_eval_cli(
            settings, engine=args.engine, name_filter=args.filter, as_json=args.json,
            min_pass_rate=args.min_pass_rate, directory=args.dir or DIALOGUES_DIR,
            concurrency=args.concurrency, embedded=embedded,
        )
    )


def _cmd_bench_module(args: argparse.Namespace) -> int:
    import importlib

    return importlib.import_module(f"bench.{args.bench_module}").main(args.bench_args)


def _cmd_chaos(args: argparse.Namespace) -> int:
    from chaos.run import main

    return main(args.bench_args)


def _cmd_bench(args: argparse.Namespace) -> int:
    from bench.turns import run_turns_bench

    concurrency = [int(n) for n in args.calls.split(",")]
    return run_turns_bench(
        get_settings(), concurrency=concurrency, turns=args.turns, output=args.output, as_json=args.json
    )


def _cmd_temporal_setup(args: argparse.Namespace) -> int:
    from temporal.search_attributes import cluster_setup_commands

    print("\n".join(cluster_setup_commands(namespace=get_settings().temporal_namespace)))
    return 0


def _cmd_prompts(args: argparse.Namespace) -> int:
    from callcenter.prompts import run

    return run(get_settings(), args.output)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callcenter", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="start the embedded dev stack and make a scripted call")
    demo.add_argument("--once", action="store_true", help="make the call(s), stop the stack, exit 0 only if they passed")
    demo.add_argument("--script", action="append", help="bundled script name or YAML path (repeatable)")
    demo.add_argument("--rate", type=int, default=16000, choices=(8000, 16000), help="AudioSocket sample rate")
    demo.set_defaults(func=_cmd_demo)

    sub.add_parser("stop", help="stop the running dev stack").set_defaults(func=_cmd_stop)
    sub.add_parser("edge", help="run the media edge").set_defaults(func=_cmd_edge)
    sub.add_parser("worker", help="run the Temporal worker (queue 'calls')").set_defaults(func=_cmd_worker)
    sub.add_parser("store", help="run the reference Store API").set_defaults(func=_cmd_store)

    call = sub.add_parser("call", help="dial the edge as Asterisk would and speak a call script")
    call.add_argument("script", help="bundled script name (winter_tires, stock_check, operator) or a YAML path")
    call.add_argument("--rate", type=int, default=16000, choices=(8000, 16000))
    call.add_argument("--json", action="store_true", help="one JSON object per event")
    call.add_argument("--noise-snr-db", type=float, help="mix line noise into the caller's audio at this SNR (dB)")
    call.add_argument("--noise", choices=("white", "hum"), default="white", help="kind of line noise")
    call.set_defaults(func=_cmd_call)

    chat = sub.add_parser("chat", help="talk to the agent in text")
    chat.add_argument("file", nargs="?", type=Path, help="caller lines (text, one per line) or a call script (YAML)")
    chat.add_argument("--json", action="store_true", help="one JSON object per event")
    chat.add_argument("--caller", default="+380500000000", help="caller number to present")
    chat.set_defaults(func=_cmd_chat)

    evaluate = sub.add_parser("eval", help="run the scripted dialogues through the agent, print the pass rate")
    evaluate.add_argument("--engine", choices=("rules", "claude"), default="rules", help="the brain to evaluate")
    evaluate.add_argument("--filter", help="only dialogues whose name contains this (or of this scenario or kind)")
    evaluate.add_argument("--json", action="store_true", help="one JSON object per dialogue, then a summary")
    evaluate.add_argument("--min-pass-rate", type=float, help="exit 1 below this (default 1.0 rules, 0.9 claude)")
    evaluate.add_argument("--dir", type=Path, help="dialogues folder (default tests/dialogues)")
    evaluate.add_argument("--concurrency", type=int, default=4, help="dialogues run at once")
    evaluate.add_argument(
        "--embedded", action="store_true",
        help="(the default) start its own Temporal, PostgreSQL, store and worker in a temp dir",
    )
    evaluate.add_argument(
        "--against-running-stack", action="store_true",
        help="run on the running demo stack instead: writes test calls and orders into its data, uses up its stock",
    )
    evaluate.add_argument("--yes", action="store_true", help="with --against-running-stack: do not ask")
    evaluate.set_defaults(func=_cmd_eval)

    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    turns = bench_sub.add_parser("turns", help="our overhead per turn: end of caller turn → first agent audio")
    turns.add_argument("--calls", default="1,20", help="concurrency levels, comma separated")
    turns.add_argument("--turns", type=int, default=20, help="turns per call")
    turns.add_argument("--output", type=Path, help="update the results section of this markdown file")
    turns.add_argument("--json", action="store_true", help="also print one JSON line per concurrency level")
    turns.set_defaults(func=_cmd_bench)
    for name, help_text in (
        ("endpointing", "false cut-offs, late endpoints and VAD cost on generated noisy speech"),
        ("pacing", "playout jitter and underruns with 1, 50 and 200 streams"),
        ("load", "N concurrent calls: our overhead, pacing, CPU and memory per call, Temporal round trips"),
        ("understanding", "the understanding layer on the held-out corpus: accuracy per slot and form, cost"),
    ):
        # its own arguments (see --help) are parsed by the bench module itself
        other = bench_sub.add_parser(name, help=help_text, add_help=False)
        other.set_defaults(func=_cmd_bench_module, bench_module=name)

    chaos = sub.add_parser("chaos", help="fault scenarios: what each tried and what was lost", add_help=False)
    chaos.set_defaults(func=_cmd_chaos)

    prompts = sub.add_parser("prompts", help="synthesise the dialplan's Ukrainian prompts for Asterisk (sln16, sln, 8 kHz wav)")
    prompts.add_argument("--output", type=Path, help="folder (default .data/prompts/uk/tireshop)")
    prompts.set_defaults(func=_cmd_prompts)
    sub.add_parser("temporal-setup", help="print the commands that register search attributes on a cluster").set_defaults(
        func=_cmd_temporal_setup
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    # A native crash (a C extension, the Temporal core) then leaves a Python traceback on stderr.
    faulthandler.enable()
    args, extra = build_parser().parse_known_args(argv)
    if extra and getattr(args, "bench_module", None) is None and args.command != "chaos":
        build_parser().parse_args(argv)  # the usual error for unknown arguments
    args.bench_args = extra
    setup_logging(verbose=args.verbose)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 130
    except NotRunning as err:
        print(f"callcenter {args.command}: {err}", file=sys.stderr)
        code = 3
    except (FileNotFoundError, ValueError) as err:
        print(f"callcenter {args.command}: {err}", file=sys.stderr)
        code = 2
    except (RuntimeError, OSError) as err:
        line = describe_failure(err, _settings_or_none(), EDGE_NEEDS_TEMPORAL if args.command in ("edge", "worker") else START_DEMO)
        if line is None:
            raise
        print(f"callcenter {args.command}: {line}", file=sys.stderr)
        code = 3
    # Everything is finished and stopped by now. Skip interpreter teardown: the Temporal SDK's
    # native runtime has crashed there (SIGSEGV after all output, seen in CI from `chat`).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
