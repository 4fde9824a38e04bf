"""App. B's transfer rates and their verdicts on known inputs (notebook 06's judge readings)."""

import numpy as np
import pytest

from colalib.experiments.judge_readings import transfer_rates
from colalib.stats import relative_reconstruction_error
from colalib.verdicts import class_transfer_claims


def _grid(n: int, k: int) -> np.ndarray:
    return np.zeros((n, k, 4, 4, 3), dtype=np.uint8)


def test_a_perfect_transfer_reads_the_new_class_and_finds_its_original():
    n, k = 6, 3
    own = np.arange(n) % k
    predicted = np.tile(np.arange(k), (n, 1))  # the judge reads each column's class code
    nearest = np.tile(np.arange(n)[:, None], (1, k))  # every decoded image is nearest to its own original
    r = transfer_rates(_grid(n, k), own, predicted, nearest)
    assert r["target_rate"] == 1.0 and r["source_rate"] == 0.0 and r["own_rate"] == 1.0
    assert r["nearest_original_rate"] == 1.0 and r["transfers"] == n * (k - 1)
    assert r["chance_class"] == pytest.approx(1 / k) and r["chance_nearest"] == pytest.approx(1 / n)


def test_a_transfer_that_ignores_the_class_code_keeps_the_original_class():
    n, k = 6, 3
    own = np.arange(n) % k
    predicted = np.tile(own[:, None], (1, k))  # the class code changes nothing the judge sees
    nearest = np.zeros((n, k), dtype=int)  # every decoded image is nearest to training image 0
    r = transfer_rates(_grid(n, k), own, predicted, nearest)
    assert r["target_rate"] == 0.0 and r["source_rate"] == 1.0 and r["own_rate"] == 1.0
    assert r["nearest_original_rate"] == pytest.approx(1 / n)  # only image 0's own transfers


def _rows(target: list[float], source: float, near: float, error: float = 0.2) -> list[dict]:
    return [
        dict(
            seed=s,
            generator="cgan_res",
            target_rate=t,
            source_rate=source,
            nearest_original_rate=near,
            chance_nearest=0.005,
            chance_class=0.1,
            relative_error=error,
        )
        for s, t in enumerate(target)
    ]


def test_transfer_claims_hold_fail_and_stay_open_as_the_rates_say():
    holds = class_transfer_claims(_rows([0.50, 0.55, 0.60], source=0.2, near=0.4))
    assert [r["status"] for r in holds] == ["holds", "holds"]
    fails = class_transfer_claims(_rows([0.05, 0.06, 0.04], source=0.8, near=0.005))
    assert fails[0]["status"] == "does not hold"  # the judge reads the original class: no class transfer
    assert fails[1]["status"] == "not resolved"  # at chance exactly: the interval is degenerate at 0
    one = class_transfer_claims(_rows([0.9], source=0.0, near=0.9))
    assert {r["status"] for r in one} == {"not resolved"}  # one subset is not a ranking


def test_a_model_that_does_not_reconstruct_is_not_evidence_of_transfer():
    blobs = class_transfer_claims(_rows([0.50, 0.55, 0.60], source=0.2, near=0.4, error=0.5))
    assert {r["status"] for r in blobs} == {"not comparable"} and "does not reconstruct" in blobs[0]["why"]


def test_reconstruction_error_is_zero_for_copies_and_one_for_the_mean_image():
    rng = np.random.default_rng(0)
    originals = rng.integers(0, 256, size=(5, 4, 4, 3)).astype(np.uint8)
    own = np.array([0, 1, 0, 1, 0])
    grid = np.zeros((5, 2, 4, 4, 3), dtype=np.uint8)
    grid[np.arange(5), own] = originals
    assert relative_reconstruction_error(grid[np.arange(5), own], originals) == 0.0
    grid[np.arange(5), own] = originals.astype(np.float64).mean(axis=0)[None]  # the mean image, rounded to uint8
    assert relative_reconstruction_error(grid[np.arange(5), own], originals) == pytest.approx(1.0, abs=0.02)
