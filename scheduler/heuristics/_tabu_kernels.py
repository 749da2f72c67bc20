"""The compiled loop of `scheduler.heuristics.tabu` (numba, nopython): see that module.

Arrays are indexed by flat operation. `mseq[moff[m]:moff[m + 1]]` is machine m's sequence;
`links` = (`pos`, `mpred`, `msucc`): each operation's place in it and its neighbours there (-1:
none); `graph` = (`duration`, `jpred`, `jsucc`, `head0`): the neighbours in the job and the job's
release on a first operation; `times` = (`head`, `tail`): the earliest start, and the longest path
after the operation's end (without the operation itself).
`counters` = [iteration, best makespan, moves since the best improved, tenure, stall limit, rng,
restarts since the best improved].
"""

from __future__ import annotations

import numpy as np
from numba import njit

_IT, _BEST, _STALL, _TENURE, _STALL_LIMIT, _RNG, _FAILED = range(7)
MAX_KICKS = 40


@njit(cache=True, nogil=True)
def _rand(counters: np.ndarray, k: int) -> int:
    """A pseudo-random integer in [0, k) (a 64-bit linear congruential generator, wrapping)."""
    x = counters[_RNG] * 6364136223846793005 + 1442695040888963407
    counters[_RNG] = x
    return ((x >> 33) & 0x7FFFFFFF) % k


@njit(cache=True, nogil=True)
def _link(moff, mseq, pos, mpred, msucc):
    for m in range(moff.shape[0] - 1):
        a, b = moff[m], moff[m + 1]
        for i in range(a, b):
            o = mseq[i]
            pos[o] = i
            mpred[o] = mseq[i - 1] if i > a else -1
            msucc[o] = mseq[i + 1] if i + 1 < b else -1


@njit(cache=True, nogil=True)
def _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work):
    """Heads and tails by a topological sort; returns the makespan, or -1 on a cycle."""
    n = duration.shape[0]
    indeg = work[0:n]
    stack = work[n : 2 * n]
    order = work[2 * n : 3 * n]
    top = 0
    for o in range(n):
        indeg[o] = (jpred[o] >= 0) + (mpred[o] >= 0)
        if indeg[o] == 0:
            stack[top] = o
            top += 1
    count = 0
    while top > 0:
        top -= 1
        o = stack[top]
        order[count] = o
        count += 1
        h = head0[o]
        for p in (jpred[o], mpred[o]):
            if p >= 0 and head[p] + duration[p] > h:
                h = head[p] + duration[p]
        head[o] = h
        for s in (jsucc[o], msucc[o]):
            if s >= 0:
                indeg[s] -= 1
                if indeg[s] == 0:
                    stack[top] = s
                    top += 1
    if count < n:
        return -1
    makespan = 0
    for k in range(n - 1, -1, -1):
        o = order[k]
        t = 0
        s = jsucc[o]
        if s >= 0:
            t = tail[s] + duration[s]
        s = msucc[o]
        if s >= 0 and tail[s] + duration[s] > t:
            t = tail[s] + duration[s]
        tail[o] = t
        if head[o] + duration[o] > makespan:
            makespan = head[o] + duration[o]
    return makespan


@njit(cache=True, nogil=True)
def _critical_path(duration, jpred, mpred, head, makespan, path):
    """One critical path into `path` (first operation first); returns its length. Walking back,
    the machine predecessor is preferred, so that blocks come out as long as they are."""
    n = duration.shape[0]
    o = 0
    for k in range(n):
        if head[k] + duration[k] == makespan:
            o = k
            break
    length = 0
    while True:
        path[length] = o
        length += 1
        p = mpred[o]
        q = jpred[o]
        if p >= 0 and head[p] + duration[p] == head[o]:
            o = p
        elif q >= 0 and head[q] + duration[q] == head[o]:
            o = q
        else:
            break
    for i in range(length // 2):
        path[i], path[length - 1 - i] = path[length - 1 - i], path[i]
    return length


@njit(cache=True, nogil=True)
def _swap(u, v, mseq, pos, mpred, msucc):
    """Swap u and its machine successor v."""
    a = mpred[u]
    b = msucc[v]
    i = pos[u]
    mseq[i] = v
    mseq[i + 1] = u
    pos[v] = i
    pos[u] = i + 1
    mpred[v] = a
    msucc[v] = u
    mpred[u] = v
    msucc[u] = b
    if a >= 0:
        msucc[a] = v
    if b >= 0:
        mpred[b] = u


@njit(cache=True, nogil=True)
def _estimate(u, v, duration, jpred, jsucc, head0, mpred, msucc, head, tail):
    """The longest path through u or v once v runs before u (a lower bound on the new makespan,
    exact when a longest path still touches them)."""
    a = mpred[u]
    b = msucc[v]
    rv = head0[v]
    p = jpred[v]
    if p >= 0 and head[p] + duration[p] > rv:
        rv = head[p] + duration[p]
    if a >= 0 and head[a] + duration[a] > rv:
        rv = head[a] + duration[a]
    ru = head0[u]
    p = jpred[u]
    if p >= 0 and head[p] + duration[p] > ru:
        ru = head[p] + duration[p]
    if rv + duration[v] > ru:
        ru = rv + duration[v]
    qu = 0
    s = jsucc[u]
    if s >= 0:
        qu = tail[s] + duration[s]
    if b >= 0 and tail[b] + duration[b] > qu:
        qu = tail[b] + duration[b]
    qv = 0
    s = jsucc[v]
    if s >= 0:
        qv = tail[s] + duration[s]
    if qu + duration[u] > qv:
        qv = qu + duration[u]
    return max(rv + duration[v] + qv, ru + duration[u] + qu)


@njit(cache=True, nogil=True)
def init(graph, moff, mseq, best_seq, links, times, work, tabu, counters):
    """Link the sequences, evaluate them and make them the best."""
    duration, jpred, jsucc, head0 = graph[0], graph[1], graph[2], graph[3]
    pos, mpred, msucc = links[0], links[1], links[2]
    head, tail = times[0], times[1]
    _link(moff, mseq, pos, mpred, msucc)
    counters[_BEST] = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
    best_seq[:] = mseq


@njit(cache=True, nogil=True)
def heads(graph, moff, mseq):
    """The earliest start of every operation under the machine sequences `mseq`."""
    duration, jpred, jsucc, head0 = graph[0], graph[1], graph[2], graph[3]
    n = duration.shape[0]
    pos = np.empty(n, np.int64)
    mpred = np.empty(n, np.int64)
    msucc = np.empty(n, np.int64)
    head = np.zeros(n, np.int64)
    tail = np.zeros(n, np.int64)
    work = np.empty(3 * n, np.int64)
    _link(moff, mseq, pos, mpred, msucc)
    _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
    return head


@njit(cache=True, nogil=True)
def _kick(length, path, mseq, pos, mpred, msucc, counters):
    """Swap a random adjacent pair of one machine on the critical `path`; returns the operation
    now second of the pair (-1 when the path has no such pair)."""
    pairs = 0
    for i in range(length - 1):
        if mpred[path[i + 1]] == path[i]:
            pairs += 1
    if pairs == 0:
        return -1
    pick = _rand(counters, pairs)
    for i in range(length - 1):
        if mpred[path[i + 1]] == path[i]:
            if pick == 0:
                _swap(path[i], path[i + 1], mseq, pos, mpred, msucc)
                return path[i]
            pick -= 1
    return -1


@njit(cache=True, nogil=True)
def run(graph, moff, mseq, best_seq, links, times, work, tabu, counters, moves, lower_bound):
    """Up to `moves` tabu moves from the current sequences (whose heads and tails are current).
    Returns True when the search is over: the best makespan reached `lower_bound`, or the critical
    path holds no block (then it is one job's chain: the best is optimal)."""
    duration, jpred, jsucc, head0 = graph[0], graph[1], graph[2], graph[3]
    pos, mpred, msucc = links[0], links[1], links[2]
    head, tail = times[0], times[1]
    n = duration.shape[0]
    path = np.empty(n, np.int64)
    cand_u = np.empty(n + 1, np.int64)
    cand_v = np.empty(n + 1, np.int64)
    n_tabu = tabu.shape[0]
    makespan = 0
    for o in range(n):
        if head[o] + duration[o] > makespan:
            makespan = head[o] + duration[o]
    for _ in range(moves):
        if counters[_BEST] <= lower_bound:
            return True
        it = counters[_IT]
        counters[_IT] = it + 1
        length = _critical_path(duration, jpred, mpred, head, makespan, path)
        # N5: the first and the last adjacent pair of each block, but not the first pair of the
        # first block nor the last pair of the last block (swapping those cannot shorten the path).
        count = 0
        i = 0
        while i < length:
            j = i
            while j + 1 < length and mpred[path[j + 1]] == path[j]:
                j += 1
            if j > i:
                single = i == 0 and j == length - 1
                if i > 0 or single:
                    cand_u[count] = path[i]
                    cand_v[count] = path[i + 1]
                    count += 1
                if (j < length - 1 or single) and (j - 1 > i or not (i > 0 or single)):
                    cand_u[count] = path[j - 1]
                    cand_v[count] = path[j]
                    count += 1
            i = j + 1
        if count == 0:
            return True
        chosen = -1
        chosen_value = 0
        ties = 0
        for c in range(count):
            u = cand_u[c]
            v = cand_v[c]
            value = _estimate(u, v, duration, jpred, jsucc, head0, mpred, msucc, head, tail)
            forbidden = False
            for t in range(n_tabu):
                if tabu[t, 2] > it and tabu[t, 0] == v and tabu[t, 1] == u:
                    forbidden = True
                    break
            if forbidden and value >= counters[_BEST]:
                continue
            if chosen < 0 or value < chosen_value:
                chosen, chosen_value, ties = c, value, 1
            elif value == chosen_value:
                ties += 1
                if _rand(counters, ties) == 0:
                    chosen = c
        if chosen < 0:
            chosen = _rand(counters, count)  # every move is tabu: take any
        u = cand_u[chosen]
        v = cand_v[chosen]
        _swap(u, v, mseq, pos, mpred, msucc)
        tenure = counters[_TENURE]
        slot = it % n_tabu
        tabu[slot, 0] = u
        tabu[slot, 1] = v
        tabu[slot, 2] = it + tenure + _rand(counters, max(1, (2 * tenure) // 5 + 1))
        makespan = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
        if makespan < 0:
            # A cycle: N5 makes none when durations are positive, but a zero-length operation
            # can make a second path as long as the swapped arc. Undone, and kept tabu.
            _swap(v, u, mseq, pos, mpred, msucc)
            tabu[slot, 0] = v
            tabu[slot, 1] = u
            makespan = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
        if makespan < counters[_BEST]:
            counters[_BEST] = makespan
            best_seq[:] = mseq
            counters[_STALL] = 0
            counters[_FAILED] = 0
        else:
            counters[_STALL] += 1
            if counters[_STALL] >= counters[_STALL_LIMIT]:
                # Back to the best sequences, kicked by a few random swaps of critical adjacent
                # pairs (each cycle-free), with a fresh tabu list; two more swaps after each
                # restart that found nothing better (a deep local optimum needs a longer jump).
                mseq[:] = best_seq
                _link(moff, mseq, pos, mpred, msucc)
                makespan = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
                kicks = min(MAX_KICKS, 2 + _rand(counters, 4) + 2 * counters[_FAILED])
                counters[_FAILED] += 1
                for _ in range(kicks):
                    length = _critical_path(duration, jpred, mpred, head, makespan, path)
                    u = _kick(length, path, mseq, pos, mpred, msucc, counters)
                    if u < 0:
                        break
                    makespan = _evaluate(
                        duration, jpred, jsucc, head0, mpred, msucc, head, tail, work
                    )
                    if makespan < 0:  # a zero-length operation made a cycle: undone
                        _swap(mpred[u], u, mseq, pos, mpred, msucc)
                        makespan = _evaluate(
                            duration, jpred, jsucc, head0, mpred, msucc, head, tail, work
                        )
                tabu[:, 2] = -1
                counters[_STALL] = 0
    return counters[_BEST] <= lower_bound
