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
import pickle
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .cache import atomic_write_bytes, default_cache_dir
from .config import config_key
from .utils import REPO_ROOT

DATASETS = ("cifar10", "cifar100", "stl10", "tinyimagenet", "digits")
IMAGE_SIZE = {"cifar10": 32, "cifar100": 32, "stl10": 48, "tinyimagenet": 64, "digits": 32}
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


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear (antialiased) resize of uint8 NHWC images to ``size`` x ``size``."""
    if images.shape[1] == size and images.shape[2] == size:
        return images
    import torch.nn.functional as F
    out = []
    for start in range(0, len(images), 2000):
        x = torch.from_numpy(images[start:start + 2000]).permute(0, 3, 1, 2).float()
        y = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        out.append(y.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


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

def _decode(blob: bytes) -> np.ndarray:
    from PIL import Image
    with Image.open(io.BytesIO(blob)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


IMAGEFOLDER_LAYOUT = "an ImageFolder tree or a zip of one (train/<class>/<image>, test/<class>/<image>)"


def _bad_zip(path: Path, why: str) -> ValueError:
    return ValueError(f"{path} is not a readable zip archive ({why}): it looks truncated or corrupt. Expected "
                      f"{IMAGEFOLDER_LAYOUT}; download or re-create the zip, or give the path of the unpacked folder.")


def read_imagefolder_zip(path: Path, split: str,
                         image_size: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read ``<split>/<class>/<file>`` members of an ImageFolder zip (classes sorted as torchvision does)."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:  # e.g. a truncated download: no central directory at the end
        raise _bad_zip(path, str(err)) from err
    with zf:
        members = [m for m in zf.namelist() if not m.endswith("/")]
        prefix = _zip_prefix(members, split)
        if prefix is None:
            raise FileNotFoundError(f"{path} has no '{split}/<class>/<image>' entries; expected {IMAGEFOLDER_LAYOUT}")
        entries = sorted(m for m in members if m.startswith(prefix) and m[len(prefix):].count("/") == 1)
        classes = sorted({m[len(prefix):].split("/")[0] for m in entries})
        cidx = {c: i for i, c in enumerate(classes)}
        images = [_decode(_read_member(zf, path, m)) for m in entries]
        labels = [cidx[m[len(prefix):].split("/")[0]] for m in entries]
    return _stack(images, image_size, str(path)), np.array(labels, dtype=np.int64), classes


def _read_member(zf: zipfile.ZipFile, path: Path, member: str) -> bytes:
    try:
        return zf.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:  # a damaged member (bad CRC, cut-off data)
        raise _bad_zip(path, f"member {member!r}: {err}") from err


def _zip_prefix(members: list[str], split: str) -> str | None:
    for m in members:
        parts = m.split("/")
        if split in parts[:-2]:
            i = parts.index(split)
            return "/".join(parts[: i + 1]) + "/"
    return None


def read_imagefolder_tree(root: Path, split: str,
                          image_size: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read a torchvision ``ImageFolder`` tree ``root/<split>/<class>/<image>``."""
    from torchvision.datasets import ImageFolder
    folder = ImageFolder(str(root / split))
    images = [np.asarray(folder.loader(p).convert("RGB"), dtype=np.uint8) for p, _ in folder.samples]
    return _stack(images, image_size, str(root)), np.array(folder.targets, dtype=np.int64), list(folder.classes)


def _stack(images: list[np.ndarray], image_size: int | None, where: str) -> np.ndarray:
    if image_size is not None:
        return np.concatenate([resize_images(im[None], image_size) for im in images])
    shapes = {im.shape for im in images}
    if len(shapes) != 1:
        raise ValueError(f"Images in {where} have different sizes {sorted(shapes)[:3]}...; "
                         f"pass image_size=<pixels> to load_dataset to resize them.")
    return np.stack(images)


def _unpickle(path: Path) -> dict:
    with open(path, "rb") as handle:
        return pickle.load(handle, encoding="latin1")


def read_cifar_python(folder: Path, split: str, fine: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Official CIFAR python pickles (``cifar-10-batches-py`` or ``cifar-100-python``), read directly.

    Read without torchvision's md5 check so that both the official files and the tests' small files
    in the same format load.
    """
    if (folder / "batches.meta").exists():  # CIFAR-10
        classes = _unpickle(folder / "batches.meta")["label_names"]
        files = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        key = "labels"
    else:  # CIFAR-100
        meta = _unpickle(folder / "meta")
        classes = meta["fine_label_names"] if fine else meta["coarse_label_names"]
        files = ["train" if split == "train" else "test"]
        key = "fine_labels" if fine else "coarse_labels"
    data, labels = [], []
    for name in files:
        entry = _unpickle(folder / name)
        data.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        labels += list(entry[key])
    images = np.concatenate(data).transpose(0, 2, 3, 1).copy()
    return images, np.array(labels, dtype=np.int64), list(classes)


def read_stl10_binary(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Official STL-10 binaries (``stl10_binary``): uint8 column-major (N, 3, 96, 96), 1-based labels."""
    raw = np.fromfile(folder / f"{split}_X.bin", dtype=np.uint8)
    images = raw.reshape(-1, 3, 96, 96).transpose(0, 3, 2, 1).copy()
    labels = np.fromfile(folder / f"{split}_y.bin", dtype=np.uint8).astype(np.int64) - 1
    classes = (folder / "class_names.txt").read_text().split()
    return images, labels, classes


def read_tinyimagenet(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Official ``tiny-imagenet-200`` layout; the labelled ``val`` split serves as the test set."""
    from PIL import Image
    wnids = (folder / "wnids.txt").read_text().split()
    widx = {w: i for i, w in enumerate(wnids)}
    words = {}
    if (folder / "words.txt").exists():
        for line in (folder / "words.txt").read_text().splitlines():
            wid, _, name = line.partition("\t")
            words[wid] = name.split(",")[0]
    items: list[tuple[Path, int]] = []
    if split == "train":
        for w in wnids:
            items += [(p, widx[w]) for p in sorted((folder / "train" / w / "images").glob("*.JPEG"))]
    else:
        for line in (folder / "val" / "val_annotations.txt").read_text().splitlines():
            parts = line.split("\t")
            items.append((folder / "val" / "images" / parts[0], widx[parts[1]]))
    images = [np.asarray(Image.open(p).convert("RGB"), dtype=np.uint8) for p, _ in items]
    return _stack(images, 64, str(folder)), np.array([label for _, label in items], dtype=np.int64), \
        [words.get(w, w) for w in wnids]


def load_digits_dataset(split: str) -> ImageDataset:
    """scikit-learn's 1,797 bundled 8x8 digits, bilinear-resized to 32x32, grey replicated to RGB.

    Deterministic split: a stratified 70/30 split with seed 0.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
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
    import torchvision.datasets as tvd
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
