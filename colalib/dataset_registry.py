"""The datasets colalib loads, as one registry: what each holds (classes, training and test images per class, image
size), where the thesis uses it (Table 4.1) and what a machine without internet has of it. ``docs/datasets.md``
(Table 4.1 beside the thesis's) is generated from it, and a test checks its counts against the loaded data."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: ``train_per_class`` / ``test_per_class`` images per class in the split colalib loads (``None``
    where classes are unequal), ``image_size`` the side colalib loads it at (pixels, RGB), ``thesis_use`` where the
    thesis uses it (empty: not in the thesis), ``offline`` the copy an offline machine has (``../shared/datasets``)."""

    name: str
    title: str
    classes: int
    train_per_class: int | None
    test_per_class: int | None
    image_size: int
    thesis_use: str
    offline: str
    split_sizes: tuple[int, int] | None = None  # (train, test) images, where classes are unequal

    @property
    def train_images(self) -> int:
        return self.split_sizes[0] if self.split_sizes else self.classes * (self.train_per_class or 0)

    @property
    def test_images(self) -> int:
        return self.split_sizes[1] if self.split_sizes else self.classes * (self.test_per_class or 0)


DATASET_INFO: dict[str, DatasetInfo] = {d.name: d for d in (
    DatasetInfo("cifar10", "CIFAR-10", 10, 5000, 1000, 32, "Table 4.1; chapters 3-5, App. A-B",
                "`cifar10-jpeg.zip`: the official split as JPEG quality 75 (lossy: FID not comparable to published)"),
    DatasetInfo("cifar100", "CIFAR-100", 100, 500, 100, 32, "Table 4.1; Figs. 4.1, 4.5, 5.1",
                "`cifar100-jpeg.zip`: the official split as JPEG quality 95"),
    DatasetInfo("stl10", "STL-10 (labelled part)", 10, 500, 800, 48, "Table 4.1; Figs. 3.2, 4.1, 4.5, 5.1",
                "none: torchvision downloads it for a user online"),
    DatasetInfo("tinyimagenet", "Tiny ImageNet", 200, 500, 50, 64, "Table 4.1; Table 5.1",
                "none: the official zip, for a user online"),
    DatasetInfo("digits", "scikit-learn digits", 10, None, None, 32, "",
                "bundled with scikit-learn (1,797 images of 8x8, resized to 32x32; a stratified 70/30 split): "
                "the smoke profile's data", split_sizes=(1257, 540)),
)}


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry of ``name`` (one of :data:`DATASET_INFO`)."""
    if name not in DATASET_INFO:
        raise ValueError(f"no registry entry for {name!r}; the registry holds {', '.join(DATASET_INFO)}")
    return DATASET_INFO[name]
