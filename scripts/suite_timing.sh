#!/usr/bin/env bash
# Test files timed back to back: a base commit's copy, then this tree, file by file (both under
# the same load, which on a shared machine drifts), then the per-file table of both.
#
#     scripts/suite_timing.sh BASE_REF tests/test_bench.py tests/service/test_store.py ...
#
# The base's files run from a `git archive` of BASE_REF in a temporary folder with this tree's
# .venv (its own `scheduler` package comes first on the path); its numba cache is warmed first.
set -euo pipefail
cd "$(dirname "$0")/.."
base_ref=$1
shift
python=$PWD/.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/base" "$work/before" "$work/after"
git archive "$base_ref" | tar -x -C "$work/base"
(cd "$work/base" && "$python" -c "from scheduler.heuristics.tabu import compile_kernels as c; c()")
echo "load before: $(uptime)"
for file in "$@"; do
    name=$(echo "$file" | tr / _)
    (cd "$work/base" && "$python" -m pytest -q -p no:cacheprovider "$file" \
        --junitxml="$work/before/$name.xml" > /dev/null) || echo "base: $file failed"
    "$python" -m pytest -q -p no:cacheprovider "$file" \
        --junitxml="$work/after/$name.xml" > /dev/null || echo "this tree: $file failed"
done
echo "load after: $(uptime)"
"$python" scripts/suite_durations.py "$work/before" "$work/after" --top "$#"
