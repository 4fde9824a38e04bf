"""Plotting helpers: published numbers drawn beside ours, missing configurations kept visible."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from colalib.plotting import PUBLISHED_LABEL, bars_with_published  # noqa: E402


def test_bars_with_published_labels_and_missing_bars():
    fig, ax = plt.subplots()
    bars_with_published(ax, ["a", "b", "c"], [1.0, None, 3.0], [2.0, 2.5, None],
                        missing=["", "weights not available", ""])
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["ours", PUBLISHED_LABEL]
    assert len(ax.patches) == 3 + 2  # ours (the missing one as an empty outline) + the legible published values
    outline = [p for p in ax.patches if not p.get_fill() and p.get_hatch() is None]
    assert len(outline) == 1 and outline[0].get_height() == 3.0
    assert "weights not available" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    plt.close(fig)


def test_bars_without_published_values():
    fig, ax = plt.subplots()
    bars_with_published(ax, ["x", "y"], [0.5, 0.7])
    assert ax.get_legend_handles_labels()[1] == ["ours"] and len(ax.patches) == 2
    plt.close(fig)
