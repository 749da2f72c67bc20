"""`scheduler bench`: benchmark runs over named instance sets, ours and the peers' side by side.

- `sets`: what a set name means (catalogue families, instance names, `set31`, `ta41+`, folders).
- `protocol`: the request a solve subprocess reads and the outcome it prints, for every solver.
- `child`: our solver's subprocess (`python -m scheduler.bench.child`).
- `runner`: one subprocess per solve, its peak memory, JSON lines, resume and Ctrl-C.
- `table`: the Markdown table and the mean gaps per family.

The protocol is written down in `benchmarks/README.md` ("Benchmark harness").
"""
