"""Datasets as in-memory uint8 arrays, class-balanced small-sample draws, tensor conversion.

Datasets of the thesis (Table 4.1): ``cifar10``, ``cifar100`` (32x32), ``stl10`` (labelled images only,
resized to 48x48), ``tinyimagenet`` (64x64); plus scikit-learn's bundled ``digits`` (8x8, resized to
32x32 RGB) for tests and demos, and any torchvision ``ImageFolder`` tree or zip of one
(``train/<class>/*``, ``test/<class>/*``) for a user's own data.

Where the files come from (``data_dir()`` = ``COLA_DATA_DIR``, default ``<repo>/data``):
  * the official files in ``data_dir()`` (torchvision's layout), downloaded by torchvision when
    ``download=True`` or ``COLA_DOWNLOAD=1``;
  * offline CIFAR-10: ``data_dir()/cifar10-jpeg.zip`` (an ImageFolder zip, JPEG quality 75: pixels differ
    slightly from the official files; ``ImageDataset.source`` says so);
  * offline CIFAR-100: ``data_dir()/cifar100-jpeg.zip`` (the official train/test split, 100 fine classes whose
    sorted folder names give the official fine labels, JPEG quality 95).
The official files win when both are present. ``ImageDataset.source`` names the copy, and every cached unit's key
holds it (through :func:`dataset_fingerprint`), so results from the two copies never mix.
Decoded arrays are cached once under ``<cache>/datasets`` (never in the data folder, which may be read-only).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .cache import atomic_write_bytes, default_cache_dir
from .config import config_key
from .dataset_registry import DATASET_INFO
from .readers import (  # noqa: F401  (re-exported)
    IMAGEFOLDER_LAYOUT,
    _bad_zip,
    _decode,
    _read_member,
    _stack,
    _unpickle,
    _zip_prefix,
    read_cifar_python,
    read_imagefolder_tree,
    read_imagefolder_zip,
    read_stl10_binary,
    read_tinyimagenet,
    resize_images,
)
from .utils import REPO_ROOT

DATASETS = tuple(DATASET_INFO)  # cifar10 cifar100 stl10 tinyimagenet digits (:mod:`colalib.dataset_registry`)
IMAGE_SIZE = {name: info.image_size for name, info in DATASET_INFO.items()}
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
HOW_TO_GET = {
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz (extract to <data>/cifar-10-batches-py), "
               "or an ImageFolder zip <data>/cifar10-jpeg.zip",
    "cifar100": "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz (extract to <data>/cifar-100-python), "
                "or an ImageFolder zip <data>/cifar100-jpeg.zip",
    "stl10": "https://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz (extract to <data>/stl10_binary)",
    "tinyimagenet": "http://cs231n.stanford.edu/tiny-imagenet-200.zip (extract to <data>/tiny-imagenet-200)",
}


@dataclass
class ImageDataset:
    """Images ``uint8 (N, H, W, 3)``, labels ``int64 (N,)`` and class names."""

    images: np.ndarray
    labels: np.ndarray
    classes: list[str]
    name: str
    split: str
    indices: np.ndarray | None = None
    source: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 4 or self.images.shape[-1] != 3:
            raise ValueError(f"images must be uint8 (N, H, W, 3), got {self.images.dtype} {self.images.shape}")
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.labels) != len(self.images):
            raise ValueError("images and labels differ in length")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def image_size(self) -> int:
        return int(self.images.shape[1])

    def per_class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.num_classes)

    def subset(self, idx: np.ndarray) -> "ImageDataset":
        """The images at positions ``idx``; ``indices`` stay relative to the root dataset."""
        idx = np.asarray(idx, dtype=np.int64)
        root_idx = idx if self.indices is None else self.indices[idx]
        return ImageDataset(self.images[idx], self.labels[idx], list(self.classes), self.name, self.split,
                            root_idx, self.source, dict(self.meta))


def data_dir() -> Path:
    """The data folder: ``COLA_DATA_DIR`` or ``<repo>/data``."""
    return Path(os.environ.get("COLA_DATA_DIR", REPO_ROOT / "data"))


def to_tensor(images: np.ndarray, device: str | torch.device | None = None) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` -> float32 ``(N, 3, H, W)`` in ``[-1, 1]``."""
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    return x.permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0).contiguous()


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float ``(N, 3, H, W)`` in ``[-1, 1]`` -> uint8 ``(N, H, W, 3)`` (rounded, clipped)."""
    x = ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


# ----------------------------------------------------------------------------------------- cache

def _cache_path(key: str) -> Path:
    return default_cache_dir() / "datasets" / f"{key}.npz"


def _load_cached(key: str) -> ImageDataset | None:
    path = _cache_path(key)
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        return ImageDataset(z["images"], z["labels"], [str(c) for c in z["classes"]], str(z["name"]),
                            str(z["split"]), source=str(z["source"]))


def _store_cached(key: str, ds: ImageDataset) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, images=ds.images, labels=ds.labels, classes=np.array(ds.classes), name=ds.name,
             split=ds.split, source=ds.source)
    atomic_write_bytes(_cache_path(key), buffer.getvalue())


# ----------------------------------------------------------------------------------------- readers


def load_digits_dataset(split: str) -> ImageDataset:
    """scikit-learn's 1,797 bundled 8x8 digits, bilinear-resized to 32x32, grey replicated to RGB.

    Deterministic split: a stratified 70/30 split with seed 0.
    """
    from sklearn.datasets import load_digits  # local: scikit-learn costs ~1 s at import, only digits needs it
    from sklearn.model_selection import train_test_split  # local: as above
    bunch = load_digits()
    grey = (bunch.images / 16.0 * 255.0).round().astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    images = resize_images(rgb, 32)
    idx = np.arange(len(images))
    train_idx, test_idx = train_test_split(idx, test_size=0.3, stratify=bunch.target, random_state=0)
    chosen = np.sort(train_idx if split == "train" else test_idx)
    return ImageDataset(images[chosen], bunch.target[chosen], [str(d) for d in range(10)], "digits", split,
                        source="scikit-learn load_digits (8x8, resized to 32x32)")


# ----------------------------------------------------------------------------------------- entry point

def _download(name: str, root: Path) -> None:
    import torchvision.datasets as tvd  # local: only for a download
    if name == "cifar10":
        tvd.CIFAR10(str(root), download=True)
    elif name == "cifar100":
        tvd.CIFAR100(str(root), download=True)
    elif name == "stl10":
        tvd.STL10(str(root), split="train", download=True)
    else:
        raise FileNotFoundError(f"{name} cannot be downloaded automatically; get {HOW_TO_GET[name]}")


def _missing(name: str, root: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"Dataset {name!r} not found in {root} (COLA_DATA_DIR). Get it from {HOW_TO_GET[name]}, "
        f"set COLA_DATA_DIR to the folder that holds it, or, when online, set COLA_DOWNLOAD=1 "
        f"(or load_dataset(..., download=True)) to let torchvision download it.")


def _read_official(name: str, split: str, root: Path) -> tuple[np.ndarray, np.ndarray, list[str], str] | None:
    if name == "cifar10" and (root / "cifar-10-batches-py" / "batches.meta").exists():
        return (*read_cifar_python(root / "cifar-10-batches-py", split), "official CIFAR-10 python batches")
    if name == "cifar10" and (root / "cifar10-jpeg.zip").exists():
        x, y, c = read_imagefolder_zip(root / "cifar10-jpeg.zip", split)
        return x, y, c, "cifar10-jpeg.zip (JPEG quality 75, not the official pixels)"
    if name == "cifar100" and (root / "cifar-100-python" / "meta").exists():
        return (*read_cifar_python(root / "cifar-100-python", split), "official CIFAR-100 python files")
    if name == "cifar100" and (root / "cifar100-jpeg.zip").exists():
        x, y, c = read_imagefolder_zip(root / "cifar100-jpeg.zip", split)
        if len(c) != 100:
            raise ValueError(f"{root / 'cifar100-jpeg.zip'} holds {len(c)} classes in {split}/, not CIFAR-100's 100")
        return x, y, c, "cifar100-jpeg.zip (JPEG quality 95, not the official pixels)"
    if name == "stl10" and (root / "stl10_binary" / "class_names.txt").exists():
        x, y, c = read_stl10_binary(root / "stl10_binary", split)
        return resize_images(x, 48), y, c, "official STL-10 binaries (labelled only), resized to 48x48"
    if name == "tinyimagenet" and (root / "tiny-imagenet-200" / "wnids.txt").exists():
        return (*read_tinyimagenet(root / "tiny-imagenet-200", split), "official tiny-imagenet-200 (val as test)")
    return None


def load_dataset(name: str, split: str = "train", root: str | Path | None = None,
                 download: bool | None = None, image_size: int | None = None) -> ImageDataset:
    """Load a dataset split as uint8 arrays (decoded once, then cached).

    ``name``: one of :data:`DATASETS`, a path to an ImageFolder tree or zip, or ``"imagefolder:<path>"``.
    ``split``: ``"train"`` or ``"test"``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if name.startswith("imagefolder:") or (name not in DATASETS and Path(name).exists()):
        return _load_imagefolder(Path(name.removeprefix("imagefolder:")), split, image_size)
    if name not in DATASETS and (name.endswith(".zip") or os.sep in name):
        raise FileNotFoundError(f"No file or folder exists at {name!r}: give the path of an existing ImageFolder "
                                f"tree or zip (train/<class>/*, test/<class>/*), or one of {', '.join(DATASETS)}.")
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Choose one of {', '.join(DATASETS)}, or give the path "
                         f"of an ImageFolder tree / zip (train/<class>/*, test/<class>/*).")
    if name == "digits":
        return load_digits_dataset(split)
    root = Path(root) if root is not None else data_dir()
    key = f"{name}-{split}-{config_key(str(root.resolve()), 8)}"
    cached = _load_cached(key)
    if cached is not None:
        return cached
    found = _read_official(name, split, root)
    if found is None:
        if download is None:
            download = os.environ.get("COLA_DOWNLOAD") == "1"
        if not download:
            raise _missing(name, root)
        _download(name, root)
        found = _read_official(name, split, root)
        if found is None:
            raise _missing(name, root)
    images, labels, classes, source = found
    ds = ImageDataset(images, labels, classes, name, split, source=source)
    _store_cached(key, ds)
    return ds


def _load_imagefolder(path: Path, split: str, image_size: int | None) -> ImageDataset:
    if not path.exists():
        raise FileNotFoundError(f"No ImageFolder tree or zip at {path}")
    # checked before any image is decoded: a plain file, a damaged zip or a folder without <split>/ fail here
    if path.is_file():
        if not zipfile.is_zipfile(path):
            if path.suffix == ".zip":
                raise _bad_zip(path, "no zip central directory")
            raise ValueError(f"{path} is a file but not a zip archive, so it cannot be a dataset. Give the path of "
                             f"{IMAGEFOLDER_LAYOUT}, or one of {', '.join(DATASETS)}.")
        x, y, c = read_imagefolder_zip(path, split, image_size)
    else:
        if not (path / split).is_dir():
            raise FileNotFoundError(f"{path} has no '{split}/' folder; expected {IMAGEFOLDER_LAYOUT}.")
        x, y, c = read_imagefolder_tree(path, split, image_size)
    return ImageDataset(x, y, c, path.stem, split, source=f"ImageFolder {path}")


def small_sample(ds: ImageDataset, per_class: int, seed: int) -> ImageDataset:
    """A class-balanced random subset with ``per_class`` images of every class (deterministic in ``seed``)."""
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(ds.num_classes):
        pool = np.flatnonzero(ds.labels == c)
        if len(pool) < per_class:
            raise ValueError(f"Class {c} ({ds.classes[c]!r}) of {ds.name}/{ds.split} has {len(pool)} images, "
                             f"fewer than the {per_class} per class asked for; ask for at most {len(pool)}.")
        chosen.append(rng.choice(pool, size=per_class, replace=False))
    return ds.subset(np.sort(np.concatenate(chosen)))


def dataset_fingerprint(ds: ImageDataset) -> str:
    """Hash identifying a dataset's content (name, split, chosen indices, labels)."""
    h = hashlib.sha256()
    h.update(f"{ds.name}/{ds.split}/{ds.source}/{len(ds)}".encode())
    h.update(np.ascontiguousarray(ds.indices if ds.indices is not None else np.arange(len(ds))).tobytes())
    h.update(np.ascontiguousarray(ds.labels).tobytes())
    return h.hexdigest()[:16]


def fingerprint(value: object) -> str:
    """Hash of a fit argument for cache keys: a dataset's fingerprint, an array's content, else its repr."""
    if isinstance(value, ImageDataset):
        return dataset_fingerprint(value)
    if isinstance(value, (np.ndarray, torch.Tensor)):
        arr = np.ascontiguousarray(np.asarray(value))
        return hashlib.sha256(arr.tobytes() + str(arr.shape).encode()).hexdigest()[:16]
    return repr(value)


def as_arrays(x: ImageDataset | np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, int | None]:
    """The images, labels and number of classes of an estimator's ``fit(x, y)`` input: an :class:`ImageDataset`
    (its labels and classes), or uint8 NHWC images with optional labels ``y`` (number of classes unknown: None)."""
    if isinstance(x, ImageDataset):
        return x.images, x.labels, x.num_classes
    return np.asarray(x), (None if y is None else np.asarray(y, dtype=np.int64)), None


def dataset_label(name: str) -> str:
    """A short name for a dataset argument, for folder names: a registry name (``"cifar100"``) as it is, a path by
    its file stem (``/data/my_flowers.zip`` -> ``my_flowers``) or folder name, with any character other than
    letters, digits, ``_`` and ``-`` replaced by ``_``."""
    if name in DATASETS:
        return name
    path = Path(str(name).rstrip("/"))
    stem = path.stem if path.suffix.lower() == ".zip" else path.name
    return re.sub(r"[^A-Za-z0-9_-]", "_", stem) or "dataset"
