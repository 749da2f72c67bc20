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


def test_a_solve_process_only_ever_writes_atomic_messages(tmp_path):
    """Every message a solver process puts on the pool's queue fits one atomic pipe write, so
    terminating a process (a stop's grace expired) never leaves half a message that blocks the
    pool's next read forever; before, a 300-operation schedule was one 100 kB message."""
    import pickle
    import select
    import time
    from types import SimpleNamespace

    from scheduler.executor import Task, _work, unspooled

    problem = jobshop([[(m, 1 + (j * m) % 7) for m in range(10)] for j in range(30)])
    task = Task("big", problem.model_dump_json(), 1, 1.0, time.time() + 5)
    sent: list = []
    stopping = SimpleNamespace(value=0)  # the pool's shared stop flag

    class Queue:
        def put(self, message):
            sent.append(message)

    _work(task, Queue(), stopping, str(tmp_path))
    stopping.value = 1  # ends the relay thread
    assert sent and all(len(pickle.dumps(m)) < select.PIPE_BUF for m in sent)
    kind, key, (_, result) = unspooled(sent[-1])
    assert (kind, key) == ("done", "big") and len(result["operations"]) == 300


def test_a_stop_after_a_solve_has_ended_is_not_a_hang():
    """A stop once a solve process has exited ends the pool at once. Before, each process's
    relay waited on a multiprocessing Event; an exited one stayed counted as a sleeper, and the
    stop's Event.set() waited forever for it to wake."""
    import threading
    import time

    from scheduler.executor import Task, run_tasks
    from scheduler.stop import StopToken

    quick = jobshop([[(0, 1)]])
    slow = jobshop([[(m, 1 + (j * m) % 7) for m in range(10)] for j in range(30)])
    tasks = [
        Task("quick", quick.model_dump_json(), 1, 30.0, time.time() + 60),
        Task("slow", slow.model_dump_json(), 1, 30.0, time.time() + 60),
    ]
    stop = StopToken()
    outcomes: dict = {}

    def started(task: Task) -> None:
        if task.key == "slow":  # the quick process has exited: width 1
            threading.Timer(1.0, stop.stop).start()

    runner = threading.Thread(
        target=lambda: outcomes.update(run_tasks(tasks, 1, stop=stop, on_start=started)),
        daemon=True,
    )
    runner.start()
    runner.join(timeout=20)  # the slow solve alone would take 30 s
    assert not runner.is_alive(), "the pool hung on the stop"
    assert outcomes["quick"].result is not None
