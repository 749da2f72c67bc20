#!/bin/sh
# The issue 11 figures of benchmarks/README.md ("Benchmark harness"): ours, the textbook model and
# PyJobShop in the same run, 2 workers per solve, seed 0, niced (the machine is shared): 10 s per solve,
# 60 s for ta01-ta80; Hurink's sets and mk11-mk15 against PyJobShop alone (the issue's target).
#   sh benchmarks/bench_issue11.sh [brandimarte|set31|hurink|ta]...   (default: brandimarte set31)
# Needs '.[peers]'. Writes benchmarks/results/issue11-<set>-<limit>s-<commit>.{jsonl,md}: results stay
# with the version that made them, and an interrupted run of the same commit resumes where it
# stopped (ta takes about 4 hours: run it in parts).
set -e
cd "$(dirname "$0")/.."
sets="${*:-brandimarte set31}"
for name in $sets; do
    case "$name" in
        brandimarte) items="mk01..mk10" limit=10 peers=textbook,pyjobshop ;;
        set31) items="set31" limit=10 peers=textbook,pyjobshop ;;
        hurink) items="hurink-edata mk11..mk15 hurink-rdata hurink-vdata" limit=10 peers=pyjobshop ;;
        ta) items="ta01..ta80" limit=60 peers=textbook,pyjobshop ;;
        *) echo "unknown: $name (brandimarte, set31, hurink or ta)" >&2; exit 2 ;;
    esac
    out="benchmarks/results/issue11-$name-${limit}s-$(git rev-parse --short HEAD)"
    nice "${PYTHON:-.venv/bin/python}" -m scheduler bench $items --time-limit "$limit" --workers 2 \
        --seed 0 --peers "$peers" --resume "$out.jsonl" --table "$out.md"
done
