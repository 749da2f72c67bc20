"""The compiled loop of `scheduler.heuristics.tabu` (numba, nopython): see that module.

Arrays are indexed by flat operation. `mseq[moff[m]:moff[m + 1]]` is machine m's sequence;
`links` = (`pos`, `mpred`, `msucc`): each operation's place in it and its neighbours there (-1:
none); `graph` = (`duration`, `jpred`, `jsucc`, `head0`): the neighbours in the job and the job's
release on a first operation; `times` = (`head`, `tail`): the earliest start, and the longest path
after the operation's end (without the operation itself).
`counters` = [iteration, best makespan, moves since the best improved, tenure, stall limit, rng,
restarts since the best improved, 1 for the N7 neighbourhood (0: N5)]; `tabu` is a hash table
of (u, v, until) rows: u may not run before v again until that iteration.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_IT, _BEST, _STALL, _TENURE, _STALL_LIMIT, _RNG, _FAILED, _WIDE = range(8)
MAX_KICKS = 40
_PROBES = 8


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
def _jobhead(o, duration, jpred, head0, head):
    """The earliest start of o from its job alone (its release, or its job predecessor's end)."""
    h = head0[o]
    p = jpred[o]
    if p >= 0 and head[p] + duration[p] > h:
        h = head[p] + duration[p]
    return h


@njit(cache=True, nogil=True)
def _jobtail(o, duration, jsucc, tail):
    """The longest path after o's end through its job successor alone."""
    s = jsucc[o]
    return tail[s] + duration[s] if s >= 0 else 0


@njit(cache=True, nogil=True)
def _reorder(mseq, first, last, forward, seg):
    """Into `seg[:k]`, the machine run `mseq[first:last + 1]` (k operations) once its first
    operation moves to its end (`forward`) or its last to its front; returns k."""
    k = last - first + 1
    if forward:
        for t in range(k - 1):
            seg[t] = mseq[first + 1 + t]
        seg[k - 1] = mseq[first]
    else:
        seg[0] = mseq[last]
        for t in range(1, k):
            seg[t] = mseq[first + t - 1]
    return k


@njit(cache=True, nogil=True)
def _estimate(seg, k, a, b, duration, jpred, jsucc, head0, head, tail, scratch):
    """The longest path through the run `seg[:k]`, sequenced between a and b (-1: none), from the
    current heads and tails outside it (Balas & Vazacopoulos 1998): the makespan after the move
    as far as the paths through the run tell, without building the schedule."""
    r = head[a] + duration[a] if a >= 0 else 0
    for t in range(k):
        o = seg[t]
        h = _jobhead(o, duration, jpred, head0, head)
        if r > h:
            h = r
        scratch[t] = h
        r = h + duration[o]
    q = tail[b] + duration[b] if b >= 0 else 0
    value = 0
    for t in range(k - 1, -1, -1):
        o = seg[t]
        qq = _jobtail(o, duration, jsucc, tail)
        if q > qq:
            qq = q
        if scratch[t] + duration[o] + qq > value:
            value = scratch[t] + duration[o] + qq
        q = qq + duration[o]
    return value


@njit(cache=True, nogil=True)
def _place(first, seg, k, a, b, mseq, pos, mpred, msucc):
    """Write the run `seg[:k]` into `mseq` from `first`, between a and b (-1: none)."""
    for t in range(k):
        o = seg[t]
        mseq[first + t] = o
        pos[o] = first + t
        mpred[o] = seg[t - 1] if t > 0 else a
        msucc[o] = seg[t + 1] if t < k - 1 else b
    if a >= 0:
        msucc[a] = seg[0]
    if b >= 0:
        mpred[b] = seg[k - 1]


@njit(cache=True, nogil=True)
def _acyclic(u, v, forward, duration, jpred, jsucc, head, tail):
    """A sufficient condition (Balas & Vazacopoulos 1998) that moving u just after v (`forward`,
    u before v now) or v just before u (u before v now) makes no cycle: no path from u's job
    successor to v, or from u to v's job predecessor; each such path would make its end's head at
    least its start's end, and its start's tail longer than its end's (a job that comes back to
    the machine may be that path itself)."""
    x, y = (jsucc[u], v) if forward else (u, jpred[v])  # is there a path from x to y?
    if x < 0 or y < 0:
        return True
    if x == y:
        return False
    return head[y] < head[x] + duration[x] or tail[y] + duration[y] >= tail[x] + duration[x]


@njit(cache=True, nogil=True)
def _home(tabu, u, v):
    """The first row of `tabu` that (u, v) may take."""
    return ((u * 2654435761) ^ (v * 40503)) & (tabu.shape[0] - 1)


@njit(cache=True, nogil=True)
def _tabu_until(tabu, u, v):
    """Until which iteration u may not run before v again (-1: no entry). `tabu` is a hash table
    of (u, v, until) rows, a power of two of them, probed linearly `_PROBES` deep."""
    h = _home(tabu, u, v)
    for p in range(_PROBES):
        s = (h + p) & (tabu.shape[0] - 1)
        if tabu[s, 0] == u and tabu[s, 1] == v:
            return tabu[s, 2]
    return -1


@njit(cache=True, nogil=True)
def _forbid(tabu, u, v, until):
    """Forbid u before v until iteration `until` (the entry that expires first gives way)."""
    h = _home(tabu, u, v)
    victim = h
    for p in range(_PROBES):
        s = (h + p) & (tabu.shape[0] - 1)
        if tabu[s, 0] == u and tabu[s, 1] == v:
            victim = s
            break
        if tabu[s, 2] < tabu[victim, 2]:
            victim = s
    tabu[victim, 0] = u
    tabu[victim, 1] = v
    tabu[victim, 2] = until


@njit(cache=True, nogil=True)
def _is_tabu(mseq, first, last, forward, tabu, it):
    """Whether moving the first operation of the run `mseq[first:last + 1]` to its end
    (`forward`) or its last to its front puts back an order that is still tabu."""
    moved = mseq[first] if forward else mseq[last]
    found = False
    for t in range(first + 1, last + 1) if forward else range(first, last):
        o = mseq[t]
        if _tabu_until(tabu, o if forward else moved, moved if forward else o) > it:
            found = True
            break
    return found


@njit(cache=True, nogil=True)
def _forbid_move(run, forward, tabu, until, again):
    """Make tabu, for a move of `run` (the order before the move), the orders it reversed: the
    moved operation before (forward) or after each operation it passed; with `again`, the orders
    it made instead (the move itself)."""
    k = run.shape[0]
    moved = run[0] if forward else run[k - 1]
    for t in range(1, k) if forward else range(k - 1):
        o = run[t]
        before, after = (moved, o) if forward else (o, moved)
        if again:
            before, after = after, before
        _forbid(tabu, before, after, until)


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
def _add(cand, count, first, last, forward):
    cand[count, 0] = first
    cand[count, 1] = last
    cand[count, 2] = forward
    return count + 1


@njit(cache=True, nogil=True)
def _candidates(length, path, pos, mpred, wide, cand):
    """The moves of the neighbourhood of the critical `path` into `cand` rows (first and last
    machine position of the run the move reorders, 1 to move its first operation to its end, 0 to
    move its last to its front); returns their count.

    N5 (Nowicki & Smutnicki 1996): swap the first two or the last two operations of a block (a run
    of the path on one machine), but not the first two of the first block nor the last two of the
    last block (that cannot shorten the path). With `wide`, N7 (Zhang et al. 2007) as well: an
    operation inside a block moved to its front or its end, and the block's first (last)
    operation moved inside it; again none of them that keeps the path's first (last) block as
    long and where it was."""
    count = 0
    i = 0
    while i < length:
        j = i
        while j + 1 < length and mpred[path[j + 1]] == path[j]:
            j += 1
        if j > i:
            single = i == 0 and j == length - 1
            head_free = i > 0 or single  # the block's front may change the path
            tail_free = j < length - 1 or single  # the block's end may change the path
            if head_free or (tail_free and j == i + 1):
                count = _add(cand, count, pos[path[i]], pos[path[i + 1]], 1)
            if tail_free and j - 1 > i:
                count = _add(cand, count, pos[path[j - 1]], pos[path[j]], 1)
            if wide:
                for x in range(i, j - 1):  # to the end
                    if tail_free:
                        count = _add(cand, count, pos[path[x]], pos[path[j]], 1)
                for y in range(i + 2, j + 1):  # to the front
                    if head_free:
                        count = _add(cand, count, pos[path[i]], pos[path[y]], 0)
                for y in range(i + 2, j):  # the first operation inside
                    count = _add(cand, count, pos[path[i]], pos[path[y]], 1)
                for x in range(i + 1, j - 1):  # the last operation inside
                    count = _add(cand, count, pos[path[x]], pos[path[j]], 0)
        i = j + 1
    return count


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
    cand = np.empty((4 * n + 4, 3), np.int64)
    seg = np.empty(n, np.int64)
    old = np.empty(n, np.int64)
    scratch = np.empty(n, np.int64)
    wide = counters[_WIDE] != 0
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
        count = _candidates(length, path, pos, mpred, wide, cand)
        if count == 0:
            return True
        chosen = -1
        chosen_value = 0
        ties = 0
        for c in range(count):
            first, last, forward = cand[c, 0], cand[c, 1], cand[c, 2] == 1
            if not _acyclic(mseq[first], mseq[last], forward, duration, jpred, jsucc, head, tail):
                continue
            k = _reorder(mseq, first, last, forward, seg)
            a = mpred[mseq[first]]
            b = msucc[mseq[last]]
            value = _estimate(seg, k, a, b, duration, jpred, jsucc, head0, head, tail, scratch)
            if value >= counters[_BEST] and _is_tabu(mseq, first, last, forward, tabu, it):
                continue
            if chosen < 0 or value < chosen_value:
                chosen, chosen_value, ties = c, value, 1
            elif value == chosen_value:
                ties += 1
                if _rand(counters, ties) == 0:
                    chosen = c
        if chosen < 0:
            # every move is tabu (or may make a cycle): take any swap of the first kind
            chosen = _rand(counters, count)
            while cand[chosen, 1] > cand[chosen, 0] + 1:
                chosen = _rand(counters, count)
        first, last, forward = cand[chosen, 0], cand[chosen, 1], cand[chosen, 2] == 1
        k = last - first + 1
        old[:k] = mseq[first : last + 1]
        a = mpred[old[0]]
        b = msucc[old[k - 1]]
        _reorder(mseq, first, last, forward, seg)
        _place(first, seg, k, a, b, mseq, pos, mpred, msucc)
        tenure = counters[_TENURE]
        until = it + tenure + _rand(counters, max(1, (2 * tenure) // 5 + 1))
        _forbid_move(old[:k], forward, tabu, until, False)
        makespan = _evaluate(duration, jpred, jsucc, head0, mpred, msucc, head, tail, work)
        if makespan < 0:
            # A cycle: the sufficient condition needs positive durations (a zero-length
            # operation can make a second path as long as a swapped arc), and a move taken
            # when every move was tabu is not checked. Undone, and kept tabu.
            _place(first, old, k, a, b, mseq, pos, mpred, msucc)
            _forbid_move(old[:k], forward, tabu, until, True)
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
