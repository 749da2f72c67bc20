#!/bin/sh
# The flexible job-shop figures of benchmarks/README.md ("Flexible job shops (issue 11)"): 10 s and
# 2 workers per solve, seed 0, niced (the machine is shared), peers in the same run.
#   sh benchmarks/bench_fjsp.sh [brandimarte|hurink]...   (default: both; needs '.[peers]')
# brandimarte: mk01-mk10 with the textbook model and PyJobShop; hurink: a sample (mk11-mk15 and
# la21-la25 of each Hurink family) with PyJobShop. Writes benchmarks/results/issue11-fjsp-<set>-10s.*;
# an interrupted run resumes where it stopped.
set -e
cd "$(dirname "$0")/.."
sets="${*:-brandimarte hurink}"
for name in $sets; do
    case "$name" in
        brandimarte) items="mk01..mk10"; peers="textbook,pyjobshop" ;;
        hurink) items="mk11..mk15 e-la21..e-la25 r-la21..r-la25 v-la21..v-la25"; peers="pyjobshop" ;;
        *) echo "unknown: $name (brandimarte or hurink)" >&2; exit 2 ;;
    esac
    out="benchmarks/results/issue11-fjsp-$name-10s"
    # shellcheck disable=SC2086
    nice "${PYTHON:-.venv/bin/python}" -m scheduler bench $items --time-limit 10 --workers 2 --seed 0 \
        --peers "$peers" --resume "$out.jsonl" --table "$out.md"
done
