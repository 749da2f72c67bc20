"""Instance formats: readers, writers, format detection, the catalogue and the generators."""

from __future__ import annotations

import json
import pickle
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import COERCIONS, Coercion, local_plant

from scheduler.formats import (
    FormatError,
    detect_format,
    parse_text,
    read_problem,
    write_fjsplib,
    write_orlib,
    write_taillard,
)
from scheduler.formats.catalog import (
    instance_path,
    instances_dir,
    load_catalog,
    load_instance,
)
from scheduler.formats.generate import generate_fjsp, generate_jssp
from scheduler.formats.solution import ScheduleFileError, read_schedule
from scheduler.problem import Problem, parse_problem

ORLIB = """\
# tiny: three jobs on three machines
3 3
0 3 1 2 2 2
0 2 2 1 1 4
1 4 2 3 0 1
"""

TAILLARD = """\
Nb of jobs, Nb of Machines
3 3
Times
3 2 2
2 1 4
4 3 1
Machines
1 2 3
1 3 2
2 3 1
"""

FJSPLIB = """\
3 3 1.5
2 1 1 3 2 2 2 3 1
2 2 1 2 3 4 1 2 5
1 3 1 1 2 1 3 1
"""

JSON = """\
{
  "name": "tiny",
  "machines": [{"id": "press"}, {"id": "lathe"}],
  "orders": [
    {"id": "WO-1", "due": 9, "operations": [
      {"id": "cut", "machines": [{"machine_id": "press", "duration": 4}]}
    ]}
  ]
}
"""


def replace_line(text: str, number: int, new: str | None) -> str:
    """The text with its 1-based line `number` replaced (or removed when `new` is None)."""
    lines = text.split("\n")
    lines[number - 1 : number] = [] if new is None else [new]
    return "\n".join(lines)


@pytest.fixture
def ft06() -> Problem:
    return load_instance("ft06")


@pytest.fixture
def small_jssp() -> Problem:
    return generate_jssp(4, 3, seed=11)


@pytest.fixture
def small_fjsp() -> Problem:
    return generate_fjsp(5, 4, ops_per_job=(2, 4), machines_per_op=(1, 4), duration=(0, 20), seed=5)


# --------------------------------------------------------------------------------------------------
# Readers


def test_orlib_reads_the_benchmark_conventions() -> None:
    """An ORLib file becomes machines m0.., orders j0.., operations o0.. with 0-based machines."""
    problem = parse_text(ORLIB, "orlib", source="dir/tiny.txt")
    assert problem.name == "tiny"
    assert [m.id for m in problem.machines] == ["m0", "m1", "m2"]
    assert [o.id for o in problem.orders] == ["j0", "j1", "j2"]
    third = problem.orders[2].operations
    assert [op.id for op in third] == ["o0", "o1", "o2"]
    assert [(op.machines[0].machine_id, op.machines[0].duration) for op in third] == [
        ("m1", 4),
        ("m2", 3),
        ("m0", 1),
    ]
    assert problem.objective.terms[0].kind == "makespan"


def test_the_three_text_formats_read_the_same_tiny_job_shop() -> None:
    """TAILLARD and ORLIB spell the same 3x3 job shop; FJSPLIB's 1-based machines become m0.."""
    orlib = parse_text(ORLIB, "orlib", source="tiny")
    assert parse_text(TAILLARD, "taillard", source="tiny") == orlib
    flexible = parse_text(FJSPLIB, "fjsplib", source="tiny")
    assert flexible.index.is_flexible()
    assert [len(o.operations) for o in flexible.orders] == [2, 2, 1]
    assert [m.machine_id for m in flexible.orders[2].operations[0].machines] == ["m0", "m1", "m2"]


def test_fjsplib_reads_brandimarte_layout() -> None:
    """Padded, tab-separated lines as in BrandimarteMk1.fjs (its first three jobs) read fine."""
    text = (
        "3\t6\t2 \n"
        " 6 2 1 5 3 4 3 5 3 3 5 2 1 2 3 4 6 2 3 6 5 2 6 1 1 1 3 1 3 6 6 3 6 4 3 \n"
        " 5 1 2 6 1 3 1 1 1 2 2 2 6 4 6 3 6 5 2 6 1 1 \n"
        "\t5\t1 2 6 2 3 4 6 2 3 6 5 2 6 1 1 3 3 4 2 6 6 6 2 1 1 5 5\r\n"
    )
    assert detect_format(text) == "fjsplib"
    problem = parse_text(text, source="mk01-head.fjs")
    assert [len(order.operations) for order in problem.orders] == [6, 5, 5]
    first = problem.orders[0].operations[0].machines
    assert [(mode.machine_id, mode.duration) for mode in first] == [("m0", 5), ("m2", 4)]


def test_taillard_accepts_bare_matrices_and_extra_size_numbers() -> None:
    """Header, seeds/bounds after `n m`, and the section titles are all optional."""
    bare = "3 3 840612802 398197754 13 11\n" + "\n".join(
        line for line in TAILLARD.splitlines()[3:] if line != "Machines"
    )
    assert parse_text(bare, "taillard", source="tiny") == parse_text(ORLIB, source="tiny")


def test_comments_and_blank_lines_are_skipped_and_lines_still_counted() -> None:
    """Blank and `#` lines do not shift the line numbers that errors report."""
    text = "\n# a comment\n\n" + replace_line(ORLIB, 4, "0 2 2 x 1 4")
    with pytest.raises(FormatError) as caught:
        parse_text(text, "orlib")
    assert caught.value.line == 7


def test_read_problem_names_the_problem_after_the_file(tmp_path: Path) -> None:
    """read_problem takes the name from the stem and picks the format from `.fjs` / content."""
    (tmp_path / "shop.fjs").write_text(FJSPLIB)
    (tmp_path / "tiny-orlib").write_text(ORLIB)
    assert read_problem(tmp_path / "shop.fjs").name == "shop"
    assert read_problem(str(tmp_path / "tiny-orlib")).name == "tiny-orlib"


def test_json_keeps_its_own_ids_and_fields() -> None:
    """The project's JSON format is the pydantic model, names and due dates included."""
    problem = parse_text(JSON, source="other-name.json")
    assert problem.name == "tiny"
    assert problem.orders[0].due == 9
    assert problem.machines[1].id == "lathe"


# --------------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize(("writer", "fmt"), [(write_orlib, "orlib"), (write_taillard, "taillard")])
def test_job_shop_writers_round_trip(
    writer: Callable[[Problem], str], fmt: str, ft06: Problem, small_jssp: Problem
) -> None:
    """ORLib and Taillard text reads back to the problem it was written from."""
    for problem in (ft06, small_jssp):
        text = writer(problem)
        assert parse_text(text, fmt, source=problem.name) == problem
        assert parse_text(text, source=problem.name) == problem


def test_fjsplib_round_trips(small_fjsp: Problem, ft06: Problem) -> None:
    """FJSPLIB holds flexible and classic job shops alike, zero durations included."""
    for problem in (small_fjsp, ft06):
        text = write_fjsplib(problem)
        assert parse_text(text, "fjsplib", source=problem.name) == problem
        assert parse_text(text, source=problem.name) == problem


def test_json_round_trips(small_fjsp: Problem) -> None:
    """A problem with releases, due dates, weights and another objective survives JSON."""
    data = small_fjsp.model_dump(mode="json")
    data["orders"][0].update(release=3, due=40, weight=5)
    data["objective"] = "total_weighted_tardiness"
    problem = parse_problem(data)
    assert parse_text(problem.model_dump_json(indent=2)) == problem


def test_files_round_trip_through_read_problem(tmp_path: Path, small_fjsp: Problem) -> None:
    """Written to disk under the problem's name, a file reads back equal."""
    path = tmp_path / f"{small_fjsp.name}.fjs"
    path.write_text(write_fjsplib(small_fjsp))
    assert read_problem(path) == small_fjsp


def test_job_shop_writers_refuse_what_they_cannot_hold(small_fjsp: Problem) -> None:
    """A flexible problem, or a job without one operation per machine, raises ValueError."""
    short = parse_text("2 3\n1 1 1 5\n3 1 1 2 1 2 3 1 3 4\n", "fjsplib")
    for writer in (write_orlib, write_taillard):
        with pytest.raises(ValueError, match="several eligible machines"):
            writer(small_fjsp)
        with pytest.raises(ValueError, match="one operation per machine"):
            writer(short)


# --------------------------------------------------------------------------------------------------
# Malformed files


MALFORMED = [
    # (label, format, text, line of the error, fragment of the message)
    ("orlib bad int", "orlib", replace_line(ORLIB, 4, "0 2 2 x 1 4"), 4, "not an integer"),
    ("orlib pair count", "orlib", replace_line(ORLIB, 3, "0 3 1 2 2"), 3, "expected 6 numbers"),
    ("orlib machine", "orlib", replace_line(ORLIB, 5, "3 4 2 3 0 1"), 5, "out of range 0..2"),
    ("orlib missing job", "orlib", replace_line(ORLIB, 5, None), 2, "ends after 2 job"),
    ("orlib negative", "orlib", replace_line(ORLIB, 4, "0 -2 2 1 1 4"), 4, "negative duration"),
    ("orlib trailing", "orlib", ORLIB + "7\n", 6, "unexpected data"),
    ("orlib size tokens", "orlib", replace_line(ORLIB, 2, "3 3 1"), 2, "size line"),
    ("orlib no jobs", "orlib", replace_line(ORLIB, 2, "0 3"), 2, "at least 1"),
    ("orlib too large", "orlib", replace_line(ORLIB, 4, "0 2 2 1 1 10000000000000"), 4, "duration"),
    ("taillard bad int", "taillard", replace_line(TAILLARD, 5, "2 1.5 4"), 5, "not an integer"),
    ("taillard count", "taillard", replace_line(TAILLARD, 8, "1 2"), 8, "expected 3 machines"),
    ("taillard machine", "taillard", replace_line(TAILLARD, 9, "0 3 2"), 9, "out of range 1..3"),
    ("taillard missing time", "taillard", replace_line(TAILLARD, 6, None), 6, "found 2 before"),
    ("taillard missing row", "taillard", replace_line(TAILLARD, 10, None), 2, "ends after 2 row"),
    ("taillard negative", "taillard", replace_line(TAILLARD, 6, "4 -3 1"), 6, "negative duration"),
    ("taillard trailing", "taillard", TAILLARD + "1 2 3\n", 11, "unexpected data"),
    ("taillard no size", "taillard", "Nb of jobs, Nb of Machines\n", 1, "not followed"),
    ("fjsplib bad int", "fjsplib", replace_line(FJSPLIB, 3, "2 2 1 2 3 four 1 2 5"), 3, "integer"),
    (
        "fjsplib pairs",
        "fjsplib",
        replace_line(FJSPLIB, 2, "2 1 1 3 2 2 2 3"),
        2,
        "declares 2 machine",
    ),
    (
        "fjsplib machine",
        "fjsplib",
        replace_line(FJSPLIB, 4, "1 3 1 1 2 1 4 1"),
        4,
        "out of range 1..3",
    ),
    ("fjsplib missing job", "fjsplib", replace_line(FJSPLIB, 4, None), 1, "ends after 2 job"),
    ("fjsplib negative", "fjsplib", replace_line(FJSPLIB, 3, "2 2 1 -2 3 4 1 2 5"), 3, "negative"),
    ("fjsplib trailing", "fjsplib", replace_line(FJSPLIB, 4, "1 3 1 1 2 1 3 1 9"), 4, "unexpected"),
    (
        "fjsplib short ops",
        "fjsplib",
        replace_line(FJSPLIB, 4, "2 3 1 1 2 1 3 1"),
        4,
        "ends after 1",
    ),
    ("fjsplib twice", "fjsplib", replace_line(FJSPLIB, 4, "1 3 1 1 2 1 1 1"), 4, "listed twice"),
    ("fjsplib average", "fjsplib", replace_line(FJSPLIB, 1, "3 3 lots"), 1, "not a number"),
    (
        "json syntax",
        "json",
        replace_line(JSON, 3, '  "machines": [{"id": "a"} {"id": "b"}],'),
        3,
        "JSON",
    ),
    ("json empty", "json", "", 1, "invalid JSON"),
]


@pytest.mark.parametrize(
    ("fmt", "text", "line", "fragment"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_files_name_the_line(fmt: str, text: str, line: int, fragment: str) -> None:
    """Each malformation is a FormatError pointing at the offending (or promising) line."""
    with pytest.raises(FormatError) as caught:
        parse_text(text, fmt, source="bad.txt")
    error = caught.value
    assert (error.source, error.line) == ("bad.txt", line)
    assert fragment in error.message
    assert str(error) == f"bad.txt:{line}: {error.message}"


@pytest.mark.parametrize("fmt", ["orlib", "taillard", "fjsplib"])
def test_empty_and_comment_only_files_are_format_errors(fmt: str) -> None:
    """Nothing to read is reported without a line number."""
    for text in ("", "\n\n", "# only a comment\n"):
        with pytest.raises(FormatError, match="empty file") as caught:
            parse_text(text, fmt, source="void")
        assert caught.value.line is None
        assert str(caught.value) == f"void: {caught.value.message}"


def test_json_model_violations_list_field_paths() -> None:
    """A JSON document that fails the model names each offending field."""
    text = JSON.replace('"machine_id": "press"', '"machine_id": "drill"').replace(
        '"due": 9', '"due": -1'
    )
    with pytest.raises(FormatError) as caught:
        parse_text(text, source="plan.json")
    error = caught.value
    assert error.line is None
    assert "orders[0].due" in error.message
    assert {v.field for v in error.violations} >= {"orders[0].due"}


def test_model_violations_in_benchmark_files_point_at_the_job_line() -> None:
    """A value the model refuses (here an over-long duration) is located at its job's line."""
    text = replace_line(FJSPLIB, 3, "2 2 1 2 3 4 1 2 10000000000000")
    with pytest.raises(FormatError, match="invalid problem") as caught:
        parse_text(text, "fjsplib")
    assert caught.value.line == 3


def test_non_utf8_files_are_format_errors(tmp_path: Path) -> None:
    """Binary garbage is reported with the line it sits on, not a UnicodeDecodeError."""
    path = tmp_path / "garbage"
    path.write_bytes(b"2 2\n0 1 1 1\n\xff\xfe\n")
    with pytest.raises(FormatError, match="UTF-8") as caught:
        read_problem(path)
    assert caught.value.line == 3


def test_format_errors_pickle_and_unknown_formats_are_value_errors() -> None:
    """FormatError survives pickling (process pools); an unknown format name is a ValueError."""
    error = FormatError("a.txt", 3, "boom")
    again = pickle.loads(pickle.dumps(error))
    assert (again.source, again.line, again.message, str(again)) == (
        "a.txt",
        3,
        "boom",
        "a.txt:3: boom",
    )
    with pytest.raises(ValueError, match="unknown format"):
        parse_text(ORLIB, "csv")


# --------------------------------------------------------------------------------------------------
# Detection


def instance_files() -> list[Path]:
    return sorted(
        p
        for p in instances_dir().rglob("*")
        if p.is_file() and not p.name.startswith(("catalog.json", "README", "LICENSE"))
    )


def test_detect_format_on_every_instance_file() -> None:
    """Every shipped file is recognised: jssp/ as ORLib, fjsp/ as FJSPLIB, factory/ as JSON."""
    files = instance_files()
    assert len(files) >= 500
    for path in files:
        folder = path.relative_to(instances_dir()).parts[0]
        expected = {"jssp": "orlib", "fjsp": "fjsplib", "factory": "json"}[folder]
        assert detect_format(path.read_text()) == expected, path


def test_detect_format_on_written_texts(
    ft06: Problem, small_jssp: Problem, small_fjsp: Problem
) -> None:
    """Text from every writer, and the hand-written samples, are recognised."""
    for problem in (ft06, small_jssp):
        assert detect_format(write_orlib(problem)) == "orlib"
        assert detect_format(write_taillard(problem)) == "taillard"
        assert detect_format(write_fjsplib(problem)) == "fjsplib"
        assert detect_format(problem.model_dump_json()) == "json"
    assert detect_format(write_fjsplib(small_fjsp)) == "fjsplib"
    samples = {ORLIB: "orlib", TAILLARD: "taillard", FJSPLIB: "fjsplib", JSON: "json"}
    for text, fmt in samples.items():
        assert detect_format(text) == fmt


def test_detect_format_without_the_telltale_lines() -> None:
    """Bare Taillard matrices and FJSPLIB without its average are told apart by their shape."""
    bare_taillard = "\n".join(
        line for line in TAILLARD.splitlines()[1:] if line not in ("Times", "Machines")
    )
    assert detect_format(bare_taillard) == "taillard"
    assert detect_format(replace_line(FJSPLIB, 1, "3 3")) == "fjsplib"
    assert detect_format("\ufeff  \n" + JSON) == "json"


def test_detect_format_guesses_the_likeliest_format_of_a_broken_file() -> None:
    """A damaged file is still read with its own format, so the error speaks its language."""
    assert detect_format(replace_line(ORLIB, 5, None)) == "orlib"
    assert detect_format(replace_line(FJSPLIB, 3, "2 2 1 2 3")) == "fjsplib"
    with pytest.raises(FormatError, match="declares 2 machine"):
        parse_text(replace_line(FJSPLIB, 2, "2 1 1 3 2 2 2 3"))


# --------------------------------------------------------------------------------------------------
# Catalogue


def test_catalogue_holds_the_standard_job_shops() -> None:
    """162 job shops with the well-known optima; open ones have proper bounds."""
    catalog = load_catalog()
    jssp = {name: e for name, e in catalog.items() if e.file.startswith("jssp/")}
    assert len(jssp) == 162
    assert {e.family for e in jssp.values()} == {"ft", "la", "abz", "orb", "swv", "yn", "ta"}
    assert (jssp["ft06"].optimum, jssp["la01"].optimum, jssp["ft10"].optimum) == (55, 666, 930)
    assert (jssp["ta80"].jobs, jssp["ta80"].machines) == (100, 20)
    for entry in jssp.values():
        assert entry.lower_bound is not None and entry.upper_bound is not None
        assert entry.lower_bound <= entry.upper_bound
        if entry.optimum is not None:
            assert entry.lower_bound == entry.optimum == entry.upper_bound


def test_generated_instances_are_catalogued_without_bounds() -> None:
    """The generated FJSP files are listed as family fjsp-gen, with nothing known about them."""
    generated = {n: e for n, e in load_catalog().items() if e.family == "fjsp-gen"}
    assert set(generated) == {"gen_10x6_s1", "gen_15x8_s2", "gen_20x10_s3"}
    for entry in generated.values():
        assert (entry.optimum, entry.lower_bound, entry.upper_bound) == (None, None, None)
        assert entry.load().index.is_flexible()


def test_unknown_instance_names_are_key_errors() -> None:
    """Asking for a name the catalogue lacks says so."""
    with pytest.raises(KeyError, match="no instance 'ft99'"):
        instance_path("ft99")


# --------------------------------------------------------------------------------------------------
# Generators


def test_generate_fjsp_is_deterministic_and_respects_its_ranges() -> None:
    """Same seed, same problem; every count and duration stays in its (inclusive) range."""
    kwargs = {"ops_per_job": (2, 5), "machines_per_op": (2, 3), "duration": (4, 9)}
    first = generate_fjsp(12, 5, seed=42, **kwargs)
    assert generate_fjsp(12, 5, seed=42, **kwargs) == first
    assert generate_fjsp(12, 5, seed=43, **kwargs) != first
    assert first.name == "gen_12x5_s42"
    for order in first.orders:
        assert 2 <= len(order.operations) <= 5
        for op in order.operations:
            assert 2 <= len(op.machines) <= 3
            assert all(4 <= mode.duration <= 9 for mode in op.machines)


def test_generate_jssp_visits_every_machine_once_per_job() -> None:
    """Each job of a generated job shop is a permutation of the machines."""
    problem = generate_jssp(6, 4, seed=3, duration=(1, 5))
    assert problem == generate_jssp(6, 4, seed=3, duration=(1, 5))
    assert not problem.index.is_flexible()
    for order in problem.orders:
        assert sorted(op.machines[0].machine_id for op in order.operations) == [
            "m0",
            "m1",
            "m2",
            "m3",
        ]


def test_generators_validate_their_arguments() -> None:
    """Empty shops, inverted ranges and more eligible machines than exist are refused."""
    with pytest.raises(ValueError, match="at least one job"):
        generate_jssp(0, 3, seed=1)
    with pytest.raises(ValueError, match="duration"):
        generate_fjsp(3, 3, duration=(5, 2), seed=1)
    with pytest.raises(ValueError, match="only 3"):
        generate_fjsp(3, 3, machines_per_op=(1, 4), seed=1)


def test_mangled_files_only_ever_raise_format_errors() -> None:
    """Random token edits to valid files give a problem or a FormatError, never another error."""
    rng = random.Random(20240601)
    junk = ["0", "-1", "x", "#", "\n", "Times", "Machines", "{", "3.5", "", "\ufeff", "9" * 5000]
    for _ in range(300):
        tokens = rng.choice([ORLIB, TAILLARD, FJSPLIB, JSON]).split(" ")
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(tokens))
            if rng.random() < 0.5:
                tokens[at] = rng.choice(junk)
            else:
                tokens.insert(at, rng.choice(junk))
        text = " ".join(tokens)
        for fmt in (None, "orlib", "taillard", "fjsplib", "json"):
            try:
                parse_text(text, fmt)
            except FormatError as error:
                assert error.line is None or error.line >= 1


# --------------------------------------------------------------------------------------------------
# Strict input through the file reader


@pytest.mark.parametrize("case", COERCIONS, ids=lambda c: c.case)
def test_problem_file_refuses_each_coercion_naming_the_field(
    tmp_path: Path, case: Coercion
) -> None:
    """A problem file with a once-coerced value is a FormatError naming the field and the reason."""
    path = tmp_path / "plant.json"
    path.write_text(case.text())
    with pytest.raises(FormatError) as caught:
        read_problem(path)
    reasons = {v.field: v.reason for v in caught.value.violations}
    assert case.reason in reasons[case.reported]
    assert f"{case.reported}: " in str(caught.value)


def test_problem_file_with_local_times_reads(tmp_path: Path) -> None:
    """The valid forms (ISO tick, offset-less local timestamps) read from a file."""
    path = tmp_path / "plant.json"
    path.write_text(json.dumps(local_plant()))
    assert read_problem(path).calendars[0].exceptions[0].start.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (
            '{"operations": [{"job": 0, "index": 0, "machine": 0, "start": "5", "end": 9}]}',
            "operations[0].start",
            'got the string "5"',
        ),
        (
            '{"operations": [{"job": 0, "index": 0, "machine": 0, "start": 5.0, "end": 9}]}',
            "operations[0].start",
            "got the number 5.0",
        ),
        (
            '{"operations": [{"job": 0, "index": 0, "machine": 0, "start": 5, "end": 9, "end": 8}]}',
            "operations[0].end",
            "duplicate key 'end'",
        ),
    ],
    ids=["string", "float", "duplicate key"],
)
def test_schedule_file_is_read_strictly(text: str, field: str, fragment: str) -> None:
    """The schedule file reader refuses coerced values and repeated keys, naming the field."""
    with pytest.raises(ScheduleFileError) as caught:
        read_schedule(text)
    reasons = {v.field: v.reason for v in caught.value.violations}
    assert fragment in reasons[field]
