"""Erlang A / B against known values and against the discrete-event simulation."""

from __future__ import annotations

import pytest

from communia.core.errors import InvalidInput
from communia.modules.assistant.staffing import (
    erlang_a,
    erlang_b,
    lines_needed,
    simulate,
    staffing_report,
)


def test_erlang_b_known_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 2.65) == pytest.approx(2.65**2 / 2 / (1 + 2.65 + 2.65**2 / 2))
    assert lines_needed(2.65, 0.01) == 8


def test_erlang_a_reproduces_plaisir():
    # DOMAIN.md §2: 53 calls/h, 3 min per call, 2 operators, 1 min patience -> about 42 %
    before = erlang_a(lam=53, mu=20, theta=60, n=2)
    after = erlang_a(lam=53 / 2, mu=20, theta=60, n=2)  # half the calls solved by the assistant
    assert before.p_abandon == pytest.approx(0.42, abs=0.01)
    assert after.p_abandon == pytest.approx(0.21, abs=0.01)


def test_erlang_a_with_no_patience_limit_tends_to_erlang_c_like_behaviour():
    patient = erlang_a(lam=10, mu=20, theta=0.001, n=1)
    assert patient.p_wait == pytest.approx(0.5, abs=0.01)  # M/M/1 with rho = 0.5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_simulation_agrees_with_erlang_a(seed):
    for lam, n in ((53, 2), (26.5, 2), (40, 3)):
        exact = erlang_a(lam=lam, mu=20, theta=60, n=n).p_abandon
        sim = simulate(lam=lam, mu=20, theta=60, n=n, hours=3000, seed=seed)
        assert sim == pytest.approx(exact, abs=0.015)


def test_report_and_bad_input():
    text = staffing_report(
        calls_per_hour=53, handle_min=3, patience_min=1, agents=2, lines=4, simulate=False
    )
    assert "42" in text and "Erlang B" in text
    with pytest.raises(InvalidInput):
        staffing_report(calls_per_hour=53, handle_min=0, patience_min=1, agents=2)
    with pytest.raises(InvalidInput):
        staffing_report(calls_per_hour=53, handle_min=3, patience_min=1, agents=2, bot_rate=1.5)
