"""The executor interface without Ray: the default pool and the `--executor` values."""

from __future__ import annotations

import sys

import pytest
from helpers import jobshop

from scheduler.cli import main
from scheduler.executor import LocalPool, open_executor
from scheduler.params import available_cores


def test_local_is_the_spawned_pool_on_this_machines_cores():
    """`local` is the spawned pool, planned against this process's cores."""
    executor = open_executor("local")
    assert isinstance(executor, LocalPool) and executor.cores() == available_cores()


@pytest.mark.parametrize("spec", ["", "Ray", "dask", "ray:/host:10001", "http://host:10001"])
def test_an_unknown_executor_is_refused_naming_the_value(spec):
    """A value that is none of local, ray, ray://host:port, auto names itself and the choices."""
    with pytest.raises(ValueError, match="expected local, ray, ray://host:port or auto") as error:
        open_executor(spec)
    assert repr(spec) in str(error.value)


def test_whatif_names_the_executor_flag_on_a_bad_value(tmp_path, capsys):
    """`scheduler whatif --executor dask` fails before any solve, naming the flag."""
    (tmp_path / "base.json").write_text(jobshop([[(0, 3)]]).model_dump_json())
    (tmp_path / "s.json").write_text('{"scenarios": [{"name": "same", "changes": []}]}')
    argv = ["whatif", str(tmp_path / "base.json"), str(tmp_path / "s.json"), "--executor", "dask"]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "--executor: unknown executor 'dask'" in capsys.readouterr().err


def test_without_ray_ray_is_refused_and_auto_is_the_local_pool(monkeypatch):
    """With the `ray` extra missing, `ray` says how to install it and `auto` falls back."""
    monkeypatch.setitem(sys.modules, "scheduler.executor_ray", None)
    with pytest.raises(ValueError, match=r"not installed \(pip install 'scheduler\[ray\]'\)"):
        open_executor("ray://head:10001")
    assert isinstance(open_executor("auto"), LocalPool)
