"""Readers of the image formats :func:`colalib.data.load_dataset` accepts: ImageFolder zips and trees, CIFAR's
python pickles, STL-10's binaries, Tiny ImageNet's folders; each returns uint8 NHWC images, int64 labels and the
class names. Bad files fail with a message that names the path and the expected layout."""
from __future__ import annotations

import io
import pickle
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear (antialiased) resize of uint8 NHWC images to ``size`` x ``size``."""
    if images.shape[1] == size and images.shape[2] == size:
        return images
    out = []
    for start in range(0, len(images), 2000):
        x = torch.from_numpy(images[start:start + 2000]).permute(0, 3, 1, 2).float()
        y = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        out.append(y.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


def _decode(blob: bytes) -> np.ndarray:
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
    from torchvision.datasets import ImageFolder  # local: torchvision.datasets costs start-up; one reader
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
