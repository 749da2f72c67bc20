"""The compiled loop of `scheduler.heuristics.fjsp_tabu` (numba, nopython): see that module.

Arrays are indexed by flat operation. Machine sequences are linked lists: `mfirst[m]` is machine
m's first operation, `links` = (`mpred`, `msucc`) each operation's neighbours there (-1: none).
`graph` = (`jpred`, `jsucc`, `head0`): the neighbours in the job and the job's release on a first
operation; `modes` = (`mode_start`, `mode_machine`, `mode_duration`) as in `ProblemIndex`;
`state` = (`assign`, `duration`, `machine`): each operation's chosen mode, its duration and
machine; `times` = (`head`, `tail`, `head2`, `tail2`): earliest starts and longest paths after
each end, of the current graph and of the graph without the operation being scanned;
`best` = (`best_assign`, `best_start`). `tabu` rows are (operation, machine, expiry): putting the
operation back anywhere on that machine is tabu until then (measured better than forbidding only
its old place there: mk06/mk07/mk10 in 3 s, two seeds, 58-59/143-144/205-209 against
60-61/144-145/207-213).
`counters` starts with the first seven of `_tabu_kernels`' counters (iteration, best makespan,
moves since the best improved, tenure, stall limit, rng, restarts since the best improved), then
holds the current makespan.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from scheduler.heuristics._tabu_kernels import (
    _BEST,
    _FAILED,
    _IT,
    _STALL,
    _STALL_LIMIT,
    _TENURE,
    MAX_KICKS,
    _critical_path,
    _evaluate,
    _rand,
)

_NO_LIMIT = np.iinfo(np.int64).max
_SCALE = 1 << 24
_NOW = 7  # the current makespan, after `_tabu_kernels`' counters
# choice rows: the best non-tabu move and the best tabu one, as (value, operation, mode, after)
_VALUE, _OP, _MODE, _AFTER, _TIES = range(5)


@njit(cache=True, nogil=True)
def _unlink(v, machine, mfirst, mpred, msucc):
    """Take v out of its machine's sequence."""
    a = mpred[v]
    b = msucc[v]
    if a >= 0:
        msucc[a] = b
    else:
        mfirst[machine[v]] = b
    if b >= 0:
        mpred[b] = a
    mpred[v] = -1
    msucc[v] = -1


@njit(cache=True, nogil=True)
def _insert(v, m, u, machine, mfirst, mpred, msucc):
    """Put v on machine m right after u (first when u is -1)."""
    if u >= 0:
        w = msucc[u]
        msucc[u] = v
    else:
        w = mfirst[m]
        mfirst[m] = v
    mpred[v] = u
    msucc[v] = w
    if w >= 0:
        mpred[w] = v
    machine[v] = m


@njit(cache=True, nogil=True)
def _rebuild(modes, state, links, mfirst, best):
    """The sequences of the best schedule: its modes, and per machine its operations by start."""
    mode_machine, mode_duration = modes[1], modes[2]
    assign, duration, machine = state[0], state[1], state[2]
    mpred, msucc = links[0], links[1]
    best_assign, best_start = best[0], best[1]
    n = assign.shape[0]
    span = 1
    for o in range(n):
        assign[o] = best_assign[o]
        machine[o] = mode_machine[assign[o]]
        duration[o] = mode_duration[assign[o]]
        if best_start[o] + 1 > span:
            span = best_start[o] + 1
    # Durations are positive (see `fjsp_tabu.applies`), so starts on one machine are distinct.
    order = np.argsort(machine * span + best_start)
    mfirst[:] = -1
    prev = -1
    for i in range(n):
        o = order[i]
        if prev >= 0 and machine[prev] == machine[o]:
            msucc[prev] = o
            mpred[o] = prev
        else:
            if prev >= 0:
                msucc[prev] = -1
            mpred[o] = -1
            mfirst[machine[o]] = o
        prev = o
    if prev >= 0:
        msucc[prev] = -1


@njit(cache=True, nogil=True)
def _scan(v, kick, arrays, choice):
    """Every reassignment and reinsertion of v, valued exactly (Mastrolilli & Gambardella 2000):
    without v the graph has makespan C-, heads r and tails q; v on machine m after u and before w
    gives max(C-, max(r[jp] + p[jp], r[u] + p[u]) + p + max(q[js] + p[js], q[w] + p[w])), and is
    cycle-free when u does not follow js (r[u] < r[js] + p[js]) and w does not precede jp
    (q[w] < q[jp] + p[jp]), durations being positive. Updates `choice`; with `kick` the value is
    random and nothing is tabu. `arrays` are `run`'s, from `graph` to `counters`."""
    graph, modes, state, links, mfirst, times, work, tabu, counters = arrays
    jpred, jsucc, head0 = graph[0], graph[1], graph[2]
    mode_start, mode_machine, mode_duration = modes[0], modes[1], modes[2]
    duration, machine = state[1], state[2]
    mpred, msucc = links[0], links[1]
    head2, tail2 = times[2], times[3]
    it = counters[_IT]
    a = mpred[v]
    m0 = machine[v]
    d0 = duration[v]
    _unlink(v, machine, mfirst, mpred, msucc)
    duration[v] = 0
    without = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head2, tail2, work)
    jp = jpred[v]
    js = jsucc[v]
    r0 = head0[v]
    back = _NO_LIMIT
    if jp >= 0:
        r0 = max(r0, head2[jp] + duration[jp])
        back = tail2[jp] + duration[jp]
    q0 = 0
    reach = _NO_LIMIT
    if js >= 0:
        q0 = tail2[js] + duration[js]
        reach = head2[js] + duration[js]
    for k in range(mode_start[v], mode_start[v + 1]):
        m = mode_machine[k]
        p = mode_duration[k]
        u = -1
        w = mfirst[m]
        while u < 0 or head2[u] < reach:  # heads grow along a sequence: no later u fits
            if (w < 0 or tail2[w] < back) and not (m == m0 and u == a):
                r = r0 if u < 0 else max(r0, head2[u] + duration[u])
                q = q0 if w < 0 else max(q0, tail2[w] + duration[w])
                value = max(without, r + p + q)
                row = 0
                if kick:
                    value = _rand(counters, 1 << 30)
                else:
                    for t in range(tabu.shape[0]):
                        if tabu[t, 2] > it and tabu[t, 0] == v and tabu[t, 1] == m:
                            if value >= counters[_BEST]:
                                row = 1
                            break
                    # Ties on the makespan (another critical path remains) go to the move that
                    # shortens the longest path through v most.
                    value = value * _SCALE + min(r + p + q, _SCALE - 1)
                if choice[row, _OP] < 0 or value < choice[row, _VALUE]:
                    choice[row, _VALUE] = value
                    choice[row, _OP] = v
                    choice[row, _MODE] = k
                    choice[row, _AFTER] = u
                    choice[row, _TIES] = 1
                elif value == choice[row, _VALUE]:
                    choice[row, _TIES] += 1
                    if _rand(counters, choice[row, _TIES]) == 0:
                        choice[row, _OP] = v
                        choice[row, _MODE] = k
                        choice[row, _AFTER] = u
            if w < 0:
                break
            u = w
            w = msucc[w]
    duration[v] = d0
    _insert(v, m0, a, machine, mfirst, mpred, msucc)


@njit(cache=True, nogil=True)
def _move(row, choice, arrays):
    """Make the move of `choice[row]`, tabu its reversal; returns the new makespan (the move is
    undone and the old makespan returned if it closed a cycle, which positive durations forbid)."""
    graph, modes, state, links, mfirst, times, work, tabu, counters = arrays
    jpred, jsucc, head0 = graph[0], graph[1], graph[2]
    mode_machine, mode_duration = modes[1], modes[2]
    assign, duration, machine = state[0], state[1], state[2]
    mpred, msucc = links[0], links[1]
    head, tail = times[0], times[1]
    v = choice[row, _OP]
    k = choice[row, _MODE]
    old_mode = assign[v]
    a = mpred[v]
    m0 = machine[v]
    _unlink(v, machine, mfirst, mpred, msucc)
    _insert(v, mode_machine[k], choice[row, _AFTER], machine, mfirst, mpred, msucc)
    assign[v] = k
    duration[v] = mode_duration[k]
    it = counters[_IT]
    slot = it % tabu.shape[0]
    tenure = counters[_TENURE]
    tabu[slot, 0] = v
    tabu[slot, 1] = m0
    tabu[slot, 2] = it + tenure + _rand(counters, max(1, (2 * tenure) // 5 + 1))
    makespan = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
    if makespan < 0:
        _unlink(v, machine, mfirst, mpred, msucc)
        _insert(v, m0, a, machine, mfirst, mpred, msucc)
        assign[v] = old_mode
        duration[v] = mode_duration[old_mode]
        makespan = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
    return makespan


@njit(cache=True, nogil=True)
def init(graph, modes, state, links, mfirst, times, work, best, tabu, counters):
    """Sequences from `best` (the starting schedule), evaluated; their semi-active starts become
    the best."""
    _rebuild(modes, state, links, mfirst, best)
    counters[_BEST] = _evaluate(
        state[1], graph[0], graph[1], graph[2], links[0], links[1], times[0], times[1], work
    )
    counters[_NOW] = counters[_BEST]
    best[1][:] = times[0]


@njit(cache=True, nogil=True)
def run(graph, modes, state, links, mfirst, times, work, best, tabu, counters, moves, lower_bound):
    """Up to `moves` tabu moves from the current sequences (whose heads and tails are current).
    Returns True when the search is over: the best makespan reached `lower_bound`, or no move
    exists."""
    arrays = (graph, modes, state, links, mfirst, times, work, tabu, counters)
    duration, jpred, mpred, head = state[1], graph[0], links[0], times[0]
    path = np.empty(duration.shape[0], np.int64)
    choice = np.empty((2, 5), np.int64)
    for _ in range(moves):
        if counters[_BEST] <= lower_bound:
            return True
        length = _critical_path(duration, jpred, mpred, head, counters[_NOW], path)
        choice[:, _OP] = -1
        for i in range(length):
            _scan(path[i], False, arrays, choice)
        row = 0 if choice[0, _OP] >= 0 else 1
        if choice[row, _OP] < 0:
            return True
        counters[_NOW] = _move(row, choice, arrays)
        counters[_IT] += 1
        if counters[_NOW] < counters[_BEST]:
            counters[_BEST] = counters[_NOW]
            best[0][:] = state[0]
            best[1][:] = head
            counters[_STALL] = 0
            counters[_FAILED] = 0
            continue
        counters[_STALL] += 1
        if counters[_STALL] < counters[_STALL_LIMIT]:
            continue
        # Back to the best schedule, kicked by a few random moves of critical operations, with
        # a fresh tabu list; two more after each restart that found nothing better.
        _rebuild(modes, state, links, mfirst, best)
        counters[_NOW] = _evaluate(
            duration, jpred, graph[1], graph[2], mpred, links[1], head, times[1], work
        )
        kicks = min(MAX_KICKS, 2 + _rand(counters, 4) + 2 * counters[_FAILED])
        counters[_FAILED] += 1
        for _ in range(kicks):
            length = _critical_path(duration, jpred, mpred, head, counters[_NOW], path)
            choice[:, _OP] = -1
            _scan(path[_rand(counters, length)], True, arrays, choice)
            if choice[0, _OP] >= 0:
                counters[_NOW] = _move(0, choice, arrays)
        tabu[:, 2] = -1
        counters[_STALL] = 0
    return counters[_BEST] <= lower_bound
