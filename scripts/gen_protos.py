"""Regenerate the gRPC code in `scheduler/v1/` from `protos/` (the only way it is ever produced).

    python scripts/gen_protos.py            # rewrite scheduler/v1/
    python scripts/gen_protos.py --out DIR  # write DIR/scheduler/v1/ instead (the staleness test)
    python scripts/gen_protos.py --check    # exit 1 when scheduler/v1/ differs from a fresh build

protoc names Python modules after the proto path (`scheduler/v1/scheduler.proto` becomes
`scheduler.v1.scheduler_pb2`); `fix_imports` makes sure every generated import of our own protos is
absolute from the `scheduler` package, whatever protoc's version does.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
PACKAGE = "scheduler/v1"
HEADER = '"""Generated from protos/scheduler/v1 by scripts/gen_protos.py. Do not edit."""\n'


def proto_files() -> list[Path]:
    return sorted((PROTO_ROOT / PACKAGE).glob("*.proto"))


def fix_imports(text: str) -> str:
    """Make imports of sibling generated modules absolute (`from scheduler.v1 import x_pb2`)."""
    text = re.sub(
        r"^import (\w+_pb2) as (\w+)$", r"from scheduler.v1 import \1 as \2", text, flags=re.M
    )
    return re.sub(r"^from \. import (\w+_pb2)", r"from scheduler.v1 import \1", text, flags=re.M)


def generate(out_root: Path) -> Path:
    """Generate into `out_root/scheduler/v1/` and return that directory."""
    from grpc_tools import protoc  # a dev dependency: imported only when generating

    include = Path(protoc.__file__).parent / "_proto"  # well-known types (timestamp, duration)
    target = out_root / PACKAGE
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit(f"protoc failed: {' '.join(args)}")
    for path in sorted(target.glob("*.py*")):
        path.write_text(fix_imports(path.read_text()))
    (target / "__init__.py").write_text(HEADER)
    return target


def differences(expected: Path, actual: Path) -> list[str]:
    """Names of files that differ, are missing or are extra in `actual` compared with `expected`."""
    names = {p.name for p in expected.glob("*.py*")} | {p.name for p in actual.glob("*.py*")}
    return sorted(
        name
        for name in names
        if not (expected / name).is_file()
        or not (actual / name).is_file()
        or not filecmp.cmp(expected / name, actual / name, shallow=False)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="root to write scheduler/v1 under")
    parser.add_argument("--check", action="store_true", help="only compare with a fresh build")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = generate(Path(tmp))
            stale = differences(fresh, ROOT / PACKAGE)
        if stale:
            print(f"stale generated code in {PACKAGE}: {', '.join(stale)}", file=sys.stderr)
            print("run: python scripts/gen_protos.py", file=sys.stderr)
            return 1
        return 0
    target = generate(args.out)
    print(f"generated {', '.join(sorted(p.name for p in target.iterdir()))} in {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
