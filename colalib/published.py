"""Numbers published in the thesis (../shared/papers/000_0a4686cadedbf9ca.txt), as data.

The text is OCR: where a value could not be read with confidence it is ``None``, never guessed. Accuracies
are in percent. Every row is labelled ``published (thesis)`` when drawn.

Table 5.1 (CIFAR-10 columns 100/50/20/10/5 images per class; Tiny ImageNet 100/50/20/10): the competitor
rows (DADA, TANDA, CFVAE-DHN) are the thesis's copies of the best results reported in [49]. Their standard
deviations are garbled in the OCR ("§.23" ...) and omitted; sCOLA's are legible. For CFVAE-DHN the OCR row
is "55.58 52.06 32.65 34.11 | 35.97 28.82 21.37" with a "-" for 5 per class: the 20 and 10 values are kept as
read, although 32.65 < 34.11 looks like a transcription error in the source.
"""
from __future__ import annotations

LABEL = "published (thesis)"

TABLE_5_1 = {
    "cifar10": {
        "sizes": (100, 50, 20, 10, 5),
        "rows": {
            "DADA": {"mean": (48.32, 40.48, 30.44, 21.67, None), "std": None},
            "TANDA": {"mean": (45.17, 39.16, 29.84, 20.18, None), "std": None},
            "CFVAE-DHN": {"mean": (55.58, 52.06, 32.65, 34.11, None), "std": None},
            "sCOLA": {"mean": (58.59, 54.51, 49.63, 42.86, 29.05), "std": (0.58, 0.22, 1.29, 2.04, 1.09)},
        },
    },
    "tinyimagenet": {
        "sizes": (100, 50, 20, 10),
        "rows": {
            "DADA": {"mean": (17.64, 14.97, 10.13, None), "std": None},
            "TANDA": {"mean": (27.07, 17.95, 13.92, None), "std": None},
            "CFVAE-DHN": {"mean": (35.97, 28.82, 21.37, None), "std": None},
            "sCOLA": {"mean": (35.24, 29.70, 23.99, 17.14), "std": None},
        },
    },
}

# The training-set sizes (images per class) the thesis reports on CIFAR-10 (Table 5.1, Figs. 4.1, 4.5): tick marks.
SIZES = tuple(sorted(TABLE_5_1["cifar10"]["sizes"]))

# Table 5.2: Mix accuracy at 100 images per class of CIFAR-10 by classifier (only ResNet-20 is legible).
TABLE_5_2 = {"resnet20": {"params": "0.27M", "accuracy": 59.03},
             "resnet32": {"params": "0.46M", "accuracy": None},
             "wrn28_10": {"params": "36.5M", "accuracy": None}}

# Table 4.1: the datasets (classes, training / test images per class, dimension); the thesis uses the labelled
# STL-10 images only (Sec. 4.1).
TABLE_4_1 = {"cifar10": {"classes": 10, "train_test": "5000/1000", "dimension": "32x32x3"},
             "cifar100": {"classes": 100, "train_test": "500/100", "dimension": "32x32x3"},
             "stl10": {"classes": 10, "train_test": "500/800", "dimension": "48x48x3"},
             "tinyimagenet": {"classes": 200, "train_test": "500/50", "dimension": "64x64x3"}}

# Table 4.2: generator parameter counts; Table 4.3: sCOLA on the full CIFAR-10 train set (stds illegible).
TABLE_4_2_PARAMS = {"infogan": 8.6e6, "dcgan_res": 4.1e6, "cgan_res": 4.1e6}
TABLE_4_3 = {"infogan": {"fid": 49.38, "cas": 67.65}, "dcgan_res": {"fid": 85.94, "cas": 61.48},
             "cgan_res": {"fid": 39.49, "cas": 70.66}}


def table_5_1(dataset: str = "cifar10") -> list[dict]:
    """Rows ``{method, size, accuracy, std, source}`` of Table 5.1 for ``dataset`` (empty if not in the table)."""
    table = TABLE_5_1.get(dataset)
    if table is None:
        return []
    rows = []
    for method, entry in table["rows"].items():
        for i, size in enumerate(table["sizes"]):
            rows.append({"method": method, "size": size, "accuracy": entry["mean"][i],
                         "std": entry["std"][i] if entry["std"] else None, "source": LABEL + ", Table 5.1"})
    return rows


def scola_mix(dataset: str = "cifar10") -> dict[int, float | None]:
    """The thesis's sCOLA Mix accuracy per size (percent)."""
    table = TABLE_5_1.get(dataset)
    if table is None:
        return {}
    return dict(zip(table["sizes"], table["rows"]["sCOLA"]["mean"]))


def table_5_1_beside_ours(summary: list[dict], dataset: str, sizes: tuple[int, ...]) -> list[dict]:
    """Table 5.1 as notebook 05 shows it: per size (largest first) our Real and Mix accuracy (mean ± std over the
    subsets, from :func:`colalib.stats.summarise` rows ``{size, arm, mean, std}`` in [0, 1]), the thesis's sCOLA Mix
    and our Mix minus it, and the published DADA, TANDA and CFVAE-DHN accuracies (percent, as strings; "" where the
    thesis has no value)."""
    ours = {(r["size"], r["arm"]): r for r in summary}
    pub = scola_mix(dataset)
    others = {method: {r["size"]: r["accuracy"] for r in table_5_1(dataset) if r["method"] == method}
              for method in ("DADA", "TANDA", "CFVAE-DHN")}
    table = []
    for size in sorted(sizes, reverse=True):
        row: dict = {"size": size}
        for arm in ("real", "mix"):
            if (size, arm) in ours:
                o = ours[(size, arm)]
                row[f"ours {arm}"] = (f"{100 * o['mean']:.2f} ± {100 * o['std']:.2f} (std, {o['n']} subsets)"
                                      if o.get("n", 1) > 1 else f"{100 * o['mean']:.2f} (one subset)")
        p = pub.get(size)
        row["sCOLA mix, published (thesis)"] = "" if p is None else f"{p:.2f}"
        if p is not None and (size, "mix") in ours:
            row["ours mix − published"] = f"{100 * ours[(size, 'mix')]['mean'] - p:+.2f}"
        for method, values in others.items():
            value = values.get(size)
            row[f"{method}, published"] = "" if value is None else f"{value:.2f}"
        table.append(row)
    return table

