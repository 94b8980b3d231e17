"""Staffing simulator for the reception desk: Erlang A (queue with impatient callers),
Erlang B (lines needed), and a discrete-event simulation that validates Erlang A.

Erlang A (M/M/N+M): calls arrive at rate λ, are handled at rate μ by N agents, and a waiting
caller hangs up after an exponential patience of rate θ. The number of calls in the system
is a birth–death chain with birth rate λ and death rate min(n, N)·μ + max(n − N, 0)·θ;
P(abandon) = θ·E[Lq] / λ. Erlang B: B(N, A) = (A^N / N!) / Σ_{k ≤ N} A^k / k!.
All rates are per hour inside; minutes only at the edges.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass

from communia.core.formatting import fr_decimal, fr_percent

__all__ = ["ErlangA", "erlang_a", "erlang_b", "lines_needed", "simulate", "staffing_report"]


@dataclass(frozen=True)
class ErlangA:
    p_abandon: float
    p_wait: float  # probability a caller has to wait
    mean_queue: float  # E[Lq]
    occupancy: float  # mean busy agents / N


def erlang_a(*, lam: float, mu: float, theta: float, n: int, tol: float = 1e-12) -> ErlangA:
    """Stationary Erlang A figures (rates per hour; ``n`` agents)."""
    if lam <= 0:
        return ErlangA(0.0, 0.0, 0.0, 0.0)
    if n < 0 or mu <= 0 or theta <= 0:
        raise ValueError("n ≥ 0, mu > 0 and theta > 0 are required")
    probs = [1.0]
    k = 0
    while True:
        k += 1
        death = min(k, n) * mu + max(k - n, 0) * theta
        probs.append(probs[-1] * lam / death)
        if k > n and probs[-1] < tol * sum(probs):
            break
    total = sum(probs)
    pi = [p / total for p in probs]
    lq = sum(max(i - n, 0) * p for i, p in enumerate(pi))
    busy = sum(min(i, n) * p for i, p in enumerate(pi))
    return ErlangA(
        p_abandon=theta * lq / lam,
        p_wait=sum(p for i, p in enumerate(pi) if i >= n),
        mean_queue=lq,
        occupancy=busy / n if n else 0.0,
    )


def erlang_b(n: int, load: float) -> float:
    """Blocking probability with ``n`` lines and ``load`` Erlangs (stable recursion)."""
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def lines_needed(load: float, target: float = 0.01) -> int:
    n = 0
    while erlang_b(n, load) > target:
        n += 1
    return n


def simulate(
    *, lam: float, mu: float, theta: float, n: int, hours: float = 2000.0, seed: int = 0
) -> float:
    """Discrete-event simulation of M/M/N+M (FCFS); returns the share of abandoned calls."""
    rng = random.Random(seed)
    free = [0.0] * n  # time each agent becomes free
    heapq.heapify(free)
    t, calls, abandoned = 0.0, 0, 0
    while True:
        t += rng.expovariate(lam)
        if t > hours:
            break
        calls += 1
        patience = rng.expovariate(theta)
        start = max(t, free[0]) if n else math.inf
        if start - t > patience:
            abandoned += 1  # leaves the queue; FCFS means later calls are not affected
            continue
        heapq.heapreplace(free, start + rng.expovariate(mu))
    return abandoned / calls if calls else 0.0


def staffing_report(
    *,
    calls_per_hour: float,
    handle_min: float,
    patience_min: float,
    agents: int,
    bot_rate: float = 0.0,
    lines: int | None = None,
    simulate: bool = True,
) -> str:
    from communia.core.errors import InvalidInput

    if calls_per_hour < 0 or handle_min <= 0 or patience_min <= 0 or agents < 0:
        raise InvalidInput("Débit, durée d'appel et patience doivent être positifs.")
    if not 0 <= bot_rate <= 1:
        raise InvalidInput("La part résolue par l'assistant doit être entre 0 et 1.")
    mu, theta = 60.0 / handle_min, 60.0 / patience_min
    lam = calls_per_hour * (1 - bot_rate)
    a = erlang_a(lam=lam, mu=mu, theta=theta, n=agents)
    out = [
        f"Charge offerte aux agents : {fr_decimal(lam / mu, 2)} Erlang "
        f"({fr_decimal(lam, 1)} appels/h, {fr_decimal(handle_min, 1)} min par appel).",
        f"Erlang A : {fr_percent(a.p_abandon)} des appels abandonnés, {fr_percent(a.p_wait)} attendent, "
        f"occupation des agents {fr_percent(a.occupancy)}.",
    ]
    if simulate:
        sim = globals()["simulate"](lam=lam, mu=mu, theta=theta, n=agents)
        out.append(f"Simulation à événements discrets (2 000 h) : {fr_percent(sim)} d'abandons.")
    total_load = calls_per_hour * handle_min / 60.0
    if lines is not None:
        out.append(
            f"Erlang B : {lines} lignes → {fr_percent(erlang_b(lines, total_load))} d'appels bloqués "
            f"(charge {fr_decimal(total_load, 2)} Erlang)."
        )
    out.append(f"Lignes nécessaires pour moins de 1 % de blocage : {lines_needed(total_load)}.")
    return "\n".join(out)
