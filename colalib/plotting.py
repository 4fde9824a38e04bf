"""Plotting helpers shared by the notebooks: image grids, curves with spread, published-number overlays.

Published numbers (from the thesis) are always drawn with :func:`plot_published` so that they look
different from ours (hollow markers, dashed line) and carry the label ``published (thesis)``.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.utils import make_grid

from .stats import MIN_SUBSETS

PUBLISHED_LABEL = "published (thesis)"


def grid_image(images: np.ndarray, nrow: int = 10, padding: int = 2) -> np.ndarray:
    """Tile uint8 NHWC images into one uint8 HWC image (torchvision ``make_grid``)."""
    if len(images) == 0:
        raise ValueError("grid_image needs at least one image")
    tensor = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    grid = make_grid(tensor, nrow=nrow, padding=padding, pad_value=255)
    return grid.permute(1, 2, 0).numpy()


def show_grid(ax: plt.Axes, images: np.ndarray, nrow: int = 10, title: str | None = None,
              column_labels: Sequence[str] | None = None, padding: int = 2,
              row_labels: Sequence[str] | None = None) -> None:
    """Draw a grid of uint8 NHWC images on ``ax`` without axes; ``column_labels`` (e.g. the class names of a
    one-class-per-column grid, at most ``nrow``) are written under the columns, ``row_labels`` left of the rows."""
    ax.imshow(grid_image(images, nrow=nrow, padding=padding), interpolation="nearest")
    ax.set_axis_off()
    if column_labels is not None or row_labels is not None:
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    if column_labels is not None:
        labels = [str(c) for c in column_labels]
        if len(labels) > nrow:
            raise ValueError(f"{len(labels)} column labels for a grid of {nrow} columns")
        w = images.shape[2] + padding
        ax.set_xticks([padding + i * w + images.shape[2] / 2 for i in range(len(labels))])
        ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=7)
    if row_labels is not None:
        labels = [str(r) for r in row_labels]
        rows = -(-len(images) // nrow)
        if len(labels) > rows:
            raise ValueError(f"{len(labels)} row labels for a grid of {rows} rows")
        h = images.shape[1] + padding
        ax.set_yticks([padding + i * h + images.shape[1] / 2 for i in range(len(labels))])
        ax.set_yticklabels(labels, fontsize=7)
    if title:
        ax.set_title(title)


def per_class_grid(images: np.ndarray, labels: np.ndarray, per_class: int,
                   classes: Sequence[int] | None = None, seed: int | None = None) -> np.ndarray:
    """Images arranged with one column per class and ``per_class`` rows (thesis Fig. 4.4 layout).

    Returns uint8 NHWC images in row-major order, ready for :func:`grid_image` with
    ``nrow=len(classes)``. Classes with fewer images are padded with white images. ``seed``: draw each column's
    members at random (seeded) instead of taking the first ones, which matters when ``images`` are sorted (e.g. a
    cluster's first members in a class-sorted subset are all of one class).
    """
    classes = list(np.unique(labels)) if classes is None else list(classes)
    blank = np.full_like(images[0], 255)
    rng = None if seed is None else np.random.default_rng(seed)
    columns = []
    for c in classes:
        members = np.flatnonzero(labels == c)
        if rng is not None:
            members = rng.permutation(members)
        chosen = images[members[:per_class]]
        pad = [blank] * (per_class - len(chosen))
        columns.append(list(chosen) + pad)
    rows = [columns[j][i] for i in range(per_class) for j in range(len(classes))]
    return np.stack(rows)


def show_class_transfer(ax: plt.Axes, originals: np.ndarray, grid: np.ndarray, own: Sequence[int],
                        title: str | None = None, padding: int = 2) -> None:
    """Appendix B layout: each row an original training image, then its code decoded with the class code of every
    class (``grid`` (rows, K, H, W, 3)); the cell of the row's own class (its plain reconstruction) is outlined."""
    from matplotlib.patches import Rectangle  # local: matplotlib submodule for one helper
    rows = np.concatenate([np.asarray(originals)[:, None], np.asarray(grid)], axis=1)
    show_grid(ax, rows.reshape(-1, *rows.shape[2:]), nrow=rows.shape[1], title=title)
    h, w = rows.shape[2:4]
    for i, c in enumerate(own):
        x, y = padding + (1 + int(c)) * (w + padding), padding + i * (h + padding)
        ax.add_patch(Rectangle((x - 1.5, y - 1.5), w + 2, h + 2, fill=False, edgecolor="red", linewidth=1.5))


def plot_mean_std(ax: plt.Axes, x: Sequence[float], values: Sequence[Sequence[float]], label: str,
                  **kwargs) -> None:
    """Plot the mean over runs with a shaded +-1 std band (std only when there are >= 2 runs)."""
    arr = [np.asarray(v, dtype=float) for v in values]
    mean = np.array([a.mean() for a in arr])
    std = np.array([a.std(ddof=1) if len(a) > 1 else 0.0 for a in arr])
    line, = ax.plot(x, mean, marker="o", label=label, **kwargs)
    if np.any(std > 0):
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2)


def plot_published(ax: plt.Axes, x: Sequence[float], y: Sequence[float | None],
                   label: str = PUBLISHED_LABEL, **kwargs) -> None:
    """Overlay numbers published in the thesis: hollow markers, dashed line, labelled as published."""
    pts = [(a, b) for a, b in zip(x, y) if b is not None]
    if not pts:
        return
    xs, ys = zip(*pts)
    style = dict(linestyle="--", marker="s", markerfacecolor="none", color="0.35")
    style.update(kwargs)
    ax.plot(xs, ys, label=label, **style)


def size_axis(ax: plt.Axes, sizes: Sequence[int], published_sizes: Sequence[int] = (),
              label: str = "training images per class") -> None:
    """A log x-axis of training-set sizes with clean ticks: one plain-integer tick at each size we ran and each size
    the thesis reports (Table 5.1: 5, 10, 20, 50, 100), no minor ticks, and room on both sides so no point clips."""
    ticks = sorted({int(s) for s in list(sizes) + list(published_sizes)})
    ax.set_xscale("log")
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.minorticks_off()
    if ticks:
        ax.set_xlim(ticks[0] / 1.25, ticks[-1] * 1.25)
    ax.set_xlabel(label)


def profile_caption(profile: str, details: str = "") -> str:
    """A caption fragment saying which profile produced a figure (the quick profile is reduced)."""
    text = f"profile: {profile}"
    if profile != "paper":
        text += " (reduced protocol, not the thesis's)"
    return text + (f"; {details}" if details else "")


def runs_caption(n: int, what: str = "seed", spread: str = "±1 std") -> str:
    """How many runs a plotted mean stands on, and whether it ranks anything: fewer than
    :data:`colalib.stats.MIN_SUBSETS` runs are not a ranking."""
    if n <= 1:
        return f"one {what}: a single run, not a ranking"
    return f"mean of {n} {what}s ({spread})" + ("" if n >= MIN_SUBSETS else ": not a ranking")


def bars_with_published(ax: plt.Axes, names: Sequence[str], ours: Sequence[float | None],
                        published: Sequence[float | None] | None = None, ours_label: str = "ours",
                        published_label: str = PUBLISHED_LABEL, missing: Sequence[str] | str = "not available",
                        value_fmt: str = "{:.1f}", color: str | None = None) -> None:
    """Bars of our values beside the thesis's (hollow, hatched, labelled ``published (thesis)``).

    A value of ours that is ``None`` gets no bar (a bar of any height would read as a value) but its ``missing``
    text (one per bar, or one for all) written up from the axis, so that a configuration that could not run never
    silently disappears from a figure. Published values that are ``None`` (illegible in the thesis) are left out.
    """
    names = list(names)
    x = np.arange(len(names), dtype=float)
    has_pub = published is not None and any(v is not None for v in published)
    width = 0.38 if has_pub else 0.6
    offset = width / 2 if has_pub else 0.0
    finite = [v for v in list(ours) + list(published or []) if v is not None]
    top = max(finite) if finite else 1.0
    missing = [missing] * len(names) if isinstance(missing, str) else list(missing)
    style = dict(color=color or "C0")
    first = True
    for i, v in enumerate(ours):
        if v is None:
            ax.text(x[i] - offset, 0.02 * top, f"no value: {missing[i]}", rotation=90, ha="center", va="bottom",
                    fontsize=8, color="0.35")
            continue
        ax.bar(x[i] - offset, v, width, label=ours_label if first else None, **style)
        ax.text(x[i] - offset, v, value_fmt.format(v), ha="center", va="bottom", fontsize=7)
        first = False
    if has_pub:
        first = True
        for i, v in enumerate(published):
            if v is None:
                continue
            ax.bar(x[i] + offset, v, width, fill=False, hatch="//", edgecolor="0.35",
                   label=published_label if first else None)
            ax.text(x[i] + offset, v, value_fmt.format(v), ha="center", va="bottom", fontsize=7, color="0.35")
            first = False
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=20, ha="right")
    ax.set_xlim(-0.6, len(names) - 0.4)  # a missing last value keeps its slot (its note is not drawn on the frame)


def show_nearest_neighbours(ax: plt.Axes, generated: np.ndarray, training: np.ndarray, indices: np.ndarray,
                            title: str | None = None) -> np.ndarray:
    """Memorisation check (ReGene Sec. 5.3, Fig. 6a; AugIntAE Fig. 3): one row per generated image, the image first,
    then its nearest training images ``training[indices[i]]`` (``indices`` ``(N,)`` or ``(N, k)``, nearest first, from
    :func:`colalib.metrics.nearest_training_neighbours`). Returns the arranged images (``N * (k + 1)``, NHWC)."""
    idx = np.asarray(indices).reshape(len(generated), -1)
    rows = np.concatenate([np.asarray(generated)[:, None], np.asarray(training)[idx]], axis=1)
    tiles = rows.reshape(-1, *rows.shape[2:])
    show_grid(ax, tiles, nrow=idx.shape[1] + 1, title=title)
    return tiles


def plot_gap_readings(summary: Sequence[dict], size: int, published_mix: float | None = None,
                      profile: str = "quick") -> plt.Figure:
    """Notebook 05, "Where the gap to Table 5.1 comes from": for each reading at ``size`` images per class,
    (left) Mix and Real accuracy, mean and 95 % interval over the subsets, with the published Mix beside them;
    (right) the reading's Mix minus the default's Mix on the same subsets (paired), with its 95 % interval.
    ``summary``: rows of :func:`colalib.experiments.gap_study.summarise_readings`. Readings with one subset get no
    interval (a single run, said in the axis label)."""
    rows = [r for r in summary if r["size"] == size]
    default_steps = next((r.get("steps") for r in rows if r.get("kind") == "default"), None)
    names = [r["reading"] + (f" ({int(r['steps']):,} steps here)" if r.get("steps") and default_steps
                             and r["steps"] != default_steps else "") for r in rows][::-1]
    rows = rows[::-1]
    y = np.arange(len(rows))
    fig, (ax_acc, ax_vs) = plt.subplots(1, 2, figsize=(11, 0.45 * len(rows) + 1.8), sharey=True,
                                        gridspec_kw={"width_ratios": [1.3, 1]})

    def err(values: Sequence[float]) -> np.ndarray | None:
        arr = np.nan_to_num(np.asarray(values, dtype=float) * 100, nan=0.0)
        return arr if np.any(arr > 0) else None

    ax_acc.errorbar([100 * r["real_mean"] for r in rows], y + 0.15, xerr=err([r["real_ci95"] for r in rows]),
                    fmt="s", color="0.5", capsize=2, label="Real (its own recipe)")
    ax_acc.errorbar([100 * r["mix_mean"] for r in rows], y - 0.15, xerr=err([r["mix_ci95"] for r in rows]),
                    fmt="o", color="C0", capsize=2, label="Mix")
    if published_mix is not None:
        ax_acc.axvline(published_mix, color="C3", ls="--", label=f"sCOLA Mix, {PUBLISHED_LABEL}: {published_mix}")
    ax_acc.set_yticks(y)
    ax_acc.set_yticklabels(names, fontsize=8)
    counts = sorted({r["n"] for r in rows})
    ax_acc.set_xlabel(f"test accuracy (%), {size} images per class; mean and 95 % interval over "
                      f"{'-'.join(map(str, counts))} subsets", fontsize=8)
    ax_acc.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    vs = [100 * r["vs_default_mean"] for r in rows]
    ax_vs.errorbar(vs, y, xerr=err([r["vs_default_ci95"] for r in rows]), fmt="o", color="C2", capsize=2)
    ax_vs.axvline(0, color="0.3", lw=0.8)
    if published_mix is not None:
        default = [r for r in rows if r["kind"] == "default"]
        if default:
            ax_vs.axvline(published_mix - 100 * default[0]["mix_mean"], color="C3", ls="--",
                          label="gap of the default's Mix to the published Mix")
            ax_vs.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    ax_vs.set_xlabel("Mix minus the default's Mix, same subsets (pp, 95 % interval)", fontsize=8)
    for ax in (ax_acc, ax_vs):
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.text(0.01, -0.06, profile_caption(profile, "transductive row: a labelled variant, never the reproduction"),
             fontsize=7)
    return fig
