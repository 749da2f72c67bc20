#!/bin/sh
# The issue 11 figures of benchmarks/README.md ("Benchmark harness"): ours, the textbook model and
# PyJobShop in the same run, 10 s and 2 workers per solve, seed 0, niced (the machine is shared).
#   sh benchmarks/bench_issue11.sh [brandimarte|set31]...   (default: both; needs '.[peers]')
# Writes benchmarks/results/issue11-<set>-10s.{jsonl,md}; an interrupted run resumes where it stopped.
set -e
cd "$(dirname "$0")/.."
sets="${*:-brandimarte set31}"
for name in $sets; do
    case "$name" in
        brandimarte) items="mk01..mk10" ;;
        set31) items="set31" ;;
        *) echo "unknown: $name (brandimarte or set31)" >&2; exit 2 ;;
    esac
    out="benchmarks/results/issue11-$name-10s"
    nice "${PYTHON:-.venv/bin/python}" -m scheduler bench $items --time-limit 10 --workers 2 --seed 0 \
        --peers textbook,pyjobshop --resume "$out.jsonl" --table "$out.md"
done
