"""Plotting helpers: published numbers drawn beside ours, missing configurations kept visible."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from colalib.plotting import PUBLISHED_LABEL, bars_with_published, per_class_grid  # noqa: E402


def test_bars_with_published_labels_and_missing_bars():
    fig, ax = plt.subplots()
    bars_with_published(
        ax, ["a", "b", "c"], [1.0, None, 3.0], [2.0, 2.5, None], missing=["", "weights not available", ""]
    )
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["ours", PUBLISHED_LABEL]
    assert len(ax.patches) == 2 + 2  # ours (no bar for the missing one) + the legible published values
    assert sorted(p.get_height() for p in ax.patches if p.get_hatch() is None) == [1.0, 3.0]
    assert "no value: weights not available" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    plt.close(fig)


def test_bars_without_published_values():
    fig, ax = plt.subplots()
    bars_with_published(ax, ["x", "y"], [0.5, 0.7])
    assert ax.get_legend_handles_labels()[1] == ["ours"] and len(ax.patches) == 2
    plt.close(fig)


def test_per_class_grid_draws_random_members_when_seeded():
    labels = np.repeat([0, 1], 50)
    images = np.zeros((100, 2, 2, 3), np.uint8)
    images[:, 0, 0, 0] = np.arange(100)  # each image carries its index
    first = per_class_grid(images, labels, 4)[:, 0, 0, 0].reshape(4, 2)
    assert first[:, 0].tolist() == [0, 1, 2, 3]  # unseeded: the first members (the old behaviour)
    drawn = per_class_grid(images, labels, 4, seed=0)[:, 0, 0, 0].reshape(4, 2)
    assert set(drawn[:, 0]) <= set(range(50)) and set(drawn[:, 1]) <= set(range(50, 100))
    again = per_class_grid(images, labels, 4, seed=0)[:, 0, 0, 0].reshape(4, 2)
    assert drawn[:, 0].tolist() != [0, 1, 2, 3] and np.array_equal(drawn, again)


def test_size_axis_ticks_are_the_sizes_run_and_published_as_plain_integers():
    import matplotlib.pyplot as plt

    from colalib.plotting import size_axis

    fig, ax = plt.subplots()
    ax.plot([10, 50], [1.0, 2.0], "o")
    size_axis(ax, [10, 50], (5, 10, 20, 50, 100))
    fig.canvas.draw()
    assert list(ax.get_xticks()) == [5, 10, 20, 50, 100]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "10", "20", "50", "100"]
    assert len(ax.xaxis.get_minor_locator()()) == 0
    lo, hi = ax.get_xlim()
    assert lo < 5 and hi > 100  # no point on the frame
    plt.close(fig)


def test_show_grid_writes_class_names_under_the_columns_and_checks_their_number():
    import matplotlib.pyplot as plt

    from colalib.plotting import show_grid

    images = np.zeros((6, 32, 32, 3), dtype=np.uint8)
    fig, ax = plt.subplots()
    show_grid(ax, images, nrow=3, column_labels=["cat", "dog", "ship"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "ship"]
    assert np.allclose(ax.get_xticks(), [2 + 16, 2 + 34 + 16, 2 + 68 + 16])  # each under its column's centre
    with pytest.raises(ValueError, match="column labels"):
        show_grid(ax, images, nrow=2, column_labels=["a", "b", "c"])
    plt.close(fig)


def test_a_missing_last_bar_keeps_its_slot_inside_the_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    bars_with_published(ax, ["a", "b", "c"], [1.0, 2.0, None], missing="weights not available")
    lo, hi = ax.get_xlim()
    assert lo < -0.5 and hi > 2.5  # the note of the missing third value is drawn inside, not on the frame
    plt.close(fig)


def test_runs_caption_never_ranks_fewer_than_three_runs():
    from colalib.plotting import runs_caption

    assert runs_caption(1) == "one seed: a single run, not a ranking"
    assert runs_caption(2, "subset").endswith(": not a ranking") and "mean of 2 subsets" in runs_caption(2, "subset")
    assert runs_caption(3) == "mean of 3 seeds (±1 std)"


def test_grid_rows_and_columns_carry_their_labels():
    import matplotlib.pyplot as plt

    from colalib.plotting import show_grid

    images = np.zeros((6, 8, 8, 3), dtype=np.uint8)
    fig, ax = plt.subplots()
    show_grid(ax, images, nrow=3, column_labels=["a", "b", "c"], row_labels=["cluster 0 → cat", "cluster 4 → dog"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cluster 0 → cat", "cluster 4 → dog"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="row labels"):
        show_grid(ax, images, nrow=3, row_labels=["1", "2", "3"])
    plt.close(fig)


def test_the_pipeline_figure_draws_every_step_and_scola():
    import matplotlib.pyplot as plt

    from colalib.diagram import pipeline_figure

    fig = pipeline_figure()
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    for part in ("Step I (Sec. 3.1)", "Step II (Sec. 3.2)", "Step III (Sec. 3.3)", "sCOLA", "Eq. 3.5", "Algorithm 1"):
        assert part in text
    plt.close(fig)
