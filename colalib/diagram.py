"""Fig. 3.1 of the thesis, drawn in code: COLA's three steps and sCOLA's shortcut, as boxes and arrows (matplotlib).
Notebook 02 opens with it."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# (x, y, text, colour) of each box, in axes coordinates of a 16 x 6.2 canvas
_STEP_COLOURS = {"I": "#dbe9f6", "II": "#e3f1df", "III": "#fbe8d5", "s": "#eeeeee"}
_BOXES = {
    "images": (0.2, 4.5, "training images\n$x_1, \\dots, x_N$\n(5-100 per class)", "s"),
    "encoder": (3.6, 4.5, "Step I (Sec. 3.1): MMDC\nencoder $E_\\theta$, targets $t_i$\non the sphere in $R^K$\n"
                          "Eq. 3.1-3.2, RotNet,\nconsistency", "I"),
    "labels": (3.6, 2.3, "sCOLA: the labels\n$t_i$ = one-hot class\n(no step I)", "s"),
    "codes": (7.2, 4.5, "Step II (Sec. 3.2): codes\n$z_i = (t_i/\\|t_i\\|,\\ v_i/\\|v_i\\|)$\n"
                        "$v_i \\sim N(0, \\sigma^2 I_d)$, learned", "II"),
    "generator": (10.8, 4.5, "generator $G_\\omega(z_i)$\nAlgorithm 1: SGD on $\\omega$ and $z_i$,\n"
                             "Laplacian loss Eq. 3.5,\ncodes re-projected each epoch", "II"),
    "gaussians": (7.2, 0.6, "Step III (Sec. 3.3): one Gaussian\nper cluster $N(\\mu_k, \\Sigma_k)$\n"
                            "fitted to its codes; sample\na cluster, then a code", "III"),
    "samples": (10.8, 0.6, "new images $G_\\omega(z)$\n(generation, ch. 4;\nMix augmentation, ch. 5)", "III"),
}
_ARROWS = [("images", "encoder", ""), ("images", "labels", ""), ("encoder", "codes", "$t_i$"),
           ("labels", "codes", "$t_i$"), ("codes", "generator", ""), ("codes", "gaussians", "trained codes"),
           ("gaussians", "samples", "$z$"), ("generator", "samples", "trained $G$")]
_WIDTH, _HEIGHT = 3.0, 1.55


def _centre(name: str) -> tuple[float, float]:
    x, y, _, _ = _BOXES[name]
    return x + _WIDTH / 2, y + _HEIGHT / 2


def _edge(a: str, b: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Start and end points of an arrow from box ``a`` to box ``b``: from side to side when they sit on one row,
    from bottom to top otherwise."""
    (xa, ya), (xb, yb) = _centre(a), _centre(b)
    if abs(ya - yb) < 1e-6:
        return (xa + _WIDTH / 2, ya), (xb - _WIDTH / 2, yb)
    if abs(xa - xb) < 1e-6:
        return (xa, ya - _HEIGHT / 2), (xb, yb + _HEIGHT / 2)
    return (xa + _WIDTH / 2 if xb > xa else xa, ya - (0 if xb > xa else _HEIGHT / 2)), (xb - _WIDTH / 2, yb)


def pipeline_figure() -> plt.Figure:
    """Fig. 3.1 (the thesis draws steps I and II; here step III and sCOLA too): one box per stage, coloured by step,
    arrows for what flows between them. Returns the figure; every label is text, so a test can read it."""
    fig, ax = plt.subplots(figsize=(13, 5.2))
    for name, (x, y, text, step) in _BOXES.items():
        ax.add_patch(FancyBboxPatch((x, y), _WIDTH, _HEIGHT, boxstyle="round,pad=0.05", fc=_STEP_COLOURS[step],
                                    ec="0.3", lw=1))
        ax.text(x + _WIDTH / 2, y + _HEIGHT / 2, text, ha="center", va="center", fontsize=8.5)
    for a, b, label in _ARROWS:
        start, end = _edge(a, b)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="0.25", lw=1.2))
        if label:
            vertical = abs(start[0] - end[0]) < 1e-6
            x, y = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
            ax.text(x + (0.12 if vertical else 0), y + (0 if vertical else 0.12), label, fontsize=8, color="0.2",
                    ha="left" if vertical else "center", va="center" if vertical else "bottom")
    ax.text(13.95, 5.3, "loss\n$L_{lap}(G_\\omega(z_i), x_i)$", ha="left", va="center", fontsize=8, color="0.2")
    ax.set(xlim=(0, 15.2), ylim=(0.3, 6.4))
    ax.axis("off")
    ax.set_title("COLA in three steps (thesis Fig. 3.1 shows steps I and II); sCOLA replaces step I by the labels",
                 fontsize=10)
    return fig
