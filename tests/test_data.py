"""Dataset readers on small files in the official formats, the offline CIFAR-10 zip, small-sample draws."""

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colalib import data as D

SHARED_ZIP = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "cifar10-jpeg.zip"


def _cifar10_files(root: Path, per_batch: int = 6) -> np.ndarray:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    pickle.dump({"label_names": D.CIFAR10_CLASSES}, open(folder / "batches.meta", "wb"))
    first = None
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        first = x if first is None else first
        pickle.dump({"data": x, "labels": list(rng.integers(0, 10, per_batch))}, open(folder / name, "wb"))
    return first


def test_cifar10_official_pickles(tmp_path):
    first = _cifar10_files(tmp_path)
    ds = D.load_dataset("cifar10", "train", root=tmp_path)
    assert ds.images.shape == (30, 32, 32, 3) and ds.images.dtype == np.uint8
    assert ds.classes == D.CIFAR10_CLASSES and "official" in ds.source
    # channel-first rows of 1024 red, 1024 green, 1024 blue values
    assert np.array_equal(ds.images[0], first[0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert len(D.load_dataset("cifar10", "test", root=tmp_path)) == 6


def test_cifar100_official_pickles(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    names = [f"c{i}" for i in range(100)]
    pickle.dump({"fine_label_names": names, "coarse_label_names": names[:20]}, open(folder / "meta", "wb"))
    for split, n in (("train", 8), ("test", 4)):
        pickle.dump(
            {"data": np.zeros((n, 3072), np.uint8), "fine_labels": list(range(n)), "coarse_labels": [0] * n},
            open(folder / split, "wb"),
        )
    ds = D.load_dataset("cifar100", "train", root=tmp_path)
    assert ds.num_classes == 100 and list(ds.labels) == list(range(8))


def test_stl10_binary_resized_to_48(tmp_path):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    x = np.zeros((3, 3, 96, 96), np.uint8)
    x[1, 0] = 200  # red channel of image 1
    x.transpose(0, 1, 3, 2).tofile(folder / "train_X.bin")  # column-major storage, as the official files
    np.array([1, 2, 10], np.uint8).tofile(folder / "train_y.bin")
    (folder / "class_names.txt").write_text("\n".join(f"k{i}" for i in range(10)))
    ds = D.load_dataset("stl10", "train", root=tmp_path)
    assert ds.images.shape == (3, 48, 48, 3)
    assert list(ds.labels) == [0, 1, 9]
    assert ds.images[1, ..., 0].min() == 200 and ds.images[1, ..., 1].max() == 0


def test_tinyimagenet_layout(tmp_path):
    root = tmp_path / "tiny-imagenet-200"
    wnids = ["n01", "n02"]
    (root / "val" / "images").mkdir(parents=True)
    (root / "wnids.txt").write_text("\n".join(wnids))
    (root / "words.txt").write_text("n01\tgoldfish, fish\nn02\tcat")
    lines = []
    for i, w in enumerate(wnids):
        (root / "train" / w / "images").mkdir(parents=True)
        Image.new("RGB", (64, 64), (i * 100, 0, 0)).save(root / "train" / w / "images" / f"{w}_0.JPEG")
        Image.new("RGB", (64, 64), (i * 100, 0, 0)).save(root / "val" / "images" / f"val_{i}.JPEG")
        lines.append(f"val_{i}.JPEG\t{w}\t0\t0\t63\t63")
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines))
    tr = D.load_dataset("tinyimagenet", "train", root=tmp_path)
    te = D.load_dataset("tinyimagenet", "test", root=tmp_path)
    assert tr.images.shape == (2, 64, 64, 3) and tr.classes == ["goldfish", "cat"]
    assert list(te.labels) == [0, 1]


def _imagefolder(root: Path) -> None:
    for split in ("train", "test"):
        for c, colour in (("apple", (255, 0, 0)), ("pear", (0, 255, 0))):
            (root / split / c).mkdir(parents=True)
            for i in range(3):
                Image.new("RGB", (16, 16), colour).save(root / split / c / f"{i}.png")


def test_imagefolder_tree_and_zip(tmp_path):
    _imagefolder(tmp_path / "fruit")
    tree = D.load_dataset(str(tmp_path / "fruit"), "train")
    assert tree.classes == ["apple", "pear"] and tree.images.shape == (6, 16, 16, 3)
    with zipfile.ZipFile(tmp_path / "fruit.zip", "w") as zf:
        for p in sorted((tmp_path / "fruit").rglob("*.png")):
            zf.write(p, p.relative_to(tmp_path))
    zipped = D.load_dataset(f"imagefolder:{tmp_path / 'fruit.zip'}", "test")
    assert np.array_equal(zipped.labels, tree.labels) and zipped.images[0, 0, 0, 0] == 255


def test_imagefolder_mixed_sizes_needs_image_size(tmp_path):
    _imagefolder(tmp_path / "f")
    Image.new("RGB", (20, 20)).save(tmp_path / "f" / "train" / "apple" / "big.png")
    with pytest.raises(ValueError, match="image_size"):
        D.load_dataset(str(tmp_path / "f"), "train")
    assert D.load_dataset(str(tmp_path / "f"), "train", image_size=16).images.shape[1:] == (16, 16, 3)


def test_unknown_and_missing_datasets_fail_clearly(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="Unknown dataset 'cifar11'.*cifar10"):
        D.load_dataset("cifar11")
    monkeypatch.delenv("COLA_DOWNLOAD", raising=False)
    with pytest.raises(FileNotFoundError, match="COLA_DOWNLOAD=1"):
        D.load_dataset("stl10", root=tmp_path)


def test_missing_imagefolder_path_says_no_file_exists(tmp_path):
    with pytest.raises(FileNotFoundError, match="No file or folder exists"):
        D.load_dataset(str(tmp_path / "nothing.zip"))


def test_a_plain_file_as_dataset_names_the_path_and_the_layout(tmp_path):
    text = tmp_path / "x.txt"
    text.write_text("not a dataset\n")
    with pytest.raises(ValueError) as err:
        D.load_dataset(str(text))
    message = str(err.value)
    assert str(text) in message and "not a zip archive" in message
    assert "ImageFolder tree" in message and "train/<class>/<image>" in message


def test_a_folder_without_the_split_names_the_path_and_the_layout(tmp_path):
    (tmp_path / "fruit" / "apple").mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as err:
        D.load_dataset(str(tmp_path / "fruit"))
    assert str(tmp_path / "fruit") in str(err.value) and "train/<class>/<image>" in str(err.value)


def test_a_truncated_zip_names_the_path_and_the_layout(tmp_path):
    _imagefolder(tmp_path / "fruit")
    whole = tmp_path / "fruit.zip"
    with zipfile.ZipFile(whole, "w") as zf:
        for p in sorted((tmp_path / "fruit").rglob("*.png")):
            zf.write(p, p.relative_to(tmp_path / "fruit"))
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # a download that stopped half-way
    for name in (str(cut), f"imagefolder:{cut}"):
        with pytest.raises(ValueError) as err:
            D.load_dataset(name)
        message = str(err.value)
        assert str(cut) in message and "truncated or corrupt" in message
        assert "ImageFolder tree" in message and "train/<class>/<image>" in message
    # the offline CIFAR-10 copy goes through the same reader
    data = tmp_path / "data"
    data.mkdir()
    (data / "cifar10-jpeg.zip").write_bytes(cut.read_bytes())
    with pytest.raises(ValueError, match="cifar10-jpeg.zip is not a readable zip archive"):
        D.load_dataset("cifar10", root=data)


def test_a_zip_with_a_damaged_member_names_the_path_and_the_member(tmp_path):
    _imagefolder(tmp_path / "fruit")
    path = tmp_path / "fruit.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for p in sorted((tmp_path / "fruit").rglob("*.png")):
            zf.write(p, p.relative_to(tmp_path / "fruit"))
    blob = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("train/apple/0.png")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    blob[start + 20] ^= 0xFF  # one flipped byte inside the stored image: a CRC error on reading
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError) as err:
        D.load_dataset(str(path))
    assert str(path) in str(err.value) and "train/apple/0.png" in str(err.value)
    assert "train/<class>/<image>" in str(err.value)


def _cifar100_jpeg_zip(path: Path, per_class: dict[str, int]) -> list[str]:
    """A small zip in the layout of ../shared/datasets/cifar100-jpeg.zip: 100 fine classes, train/ and test/."""
    classes = sorted(f"class_{i:03d}" for i in range(100))
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, "w") as zf:
        number = 0
        for split, n in per_class.items():
            for c in classes:
                for _ in range(n):
                    buf = io.BytesIO()
                    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buf, "JPEG", quality=95)
                    zf.writestr(f"{split}/{c}/{number:05d}.jpg", buf.getvalue())
                    number += 1
    return classes


def test_cifar100_offline_zip_with_100_classes(tmp_path, monkeypatch):
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path / "cache"))
    classes = _cifar100_jpeg_zip(tmp_path / "cifar100-jpeg.zip", {"train": 3, "test": 1})
    train, test = D.load_dataset("cifar100", "train", root=tmp_path), D.load_dataset("cifar100", "test", root=tmp_path)
    assert train.classes == classes and train.num_classes == 100 and np.all(train.per_class_counts() == 3)
    assert len(test) == 100 and "JPEG quality 95" in train.source and train.images.shape[1:] == (32, 32, 3)
    sub = D.small_sample(train, 2, 0)
    assert np.all(sub.per_class_counts() == 2)
    # the official files win when both are present, and say so
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    pickle.dump({"fine_label_names": classes}, open(folder / "meta", "wb"))
    for split, n in (("train", 200), ("test", 100)):
        pickle.dump(
            {"data": np.zeros((n, 3072), np.uint8), "fine_labels": list(np.arange(n) % 100)}, open(folder / split, "wb")
        )
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path / "cache2"))
    assert "official" in D.load_dataset("cifar100", "train", root=tmp_path).source


def test_small_sample_balanced_deterministic():
    ds = D.load_dataset("digits")
    a, b, c = D.small_sample(ds, 5, 0), D.small_sample(ds, 5, 0), D.small_sample(ds, 5, 1)
    assert np.all(a.per_class_counts() == 5)
    assert np.array_equal(a.indices, b.indices) and not np.array_equal(a.indices, c.indices)
    assert np.array_equal(ds.images[a.indices], a.images)
    nested = D.small_sample(a, 2, 0)
    assert np.array_equal(ds.images[nested.indices], nested.images)


def test_small_sample_too_many_per_class():
    ds = D.load_dataset("digits")
    with pytest.raises(ValueError, match=r"has \d+ images, fewer than the 500 per class"):
        D.small_sample(ds, 500, 0)


def test_digits_split_disjoint_and_tensor_round_trip():
    tr, te = D.load_dataset("digits", "train"), D.load_dataset("digits", "test")
    assert len(tr) + len(te) == 1797
    flat = {x.tobytes() for x in tr.images}
    assert sum(x.tobytes() in flat for x in te.images) < 0.05 * len(te)  # a few digits repeat pixel-for-pixel
    x = D.to_tensor(tr.images[:10])
    assert x.shape == (10, 3, 32, 32) and x.min() >= -1 and x.max() <= 1
    assert np.array_equal(D.to_uint8(x), tr.images[:10])


@pytest.mark.skipif(not SHARED_ZIP.exists(), reason="offline CIFAR-10 zip not available")
def test_offline_cifar10_zip(monkeypatch, tmp_path):
    monkeypatch.setenv("COLA_DATA_DIR", str(SHARED_ZIP.parent))
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path))
    ds = D.load_dataset("cifar10", "test")
    assert len(ds) == 10_000 and np.all(ds.per_class_counts() == 1000)
    assert ds.classes == D.CIFAR10_CLASSES and "JPEG" in ds.source
    assert list((tmp_path / "datasets").glob("cifar10-test-*.npz"))
    again = D.load_dataset("cifar10", "test")
    assert np.array_equal(again.images, ds.images)


def test_dataset_label_names_result_folders_by_the_zip_stem():
    from colalib.data import dataset_label

    assert dataset_label("cifar100") == "cifar100"
    assert dataset_label("/path/to/my_flowers.zip") == "my_flowers"
    assert dataset_label("/data/flowers/") == "flowers"
    assert dataset_label("odd name!.zip") == "odd_name_"


def test_the_dataset_registry_matches_the_loaded_data(monkeypatch, tmp_path):
    """Table 4.1 (docs/datasets.md) is generated from the registry: its counts and sizes are those of the data that
    loads (digits always; the offline CIFAR zips' test splits where they exist)."""
    from colalib.dataset_registry import DATASET_INFO, dataset_info

    assert D.DATASETS == tuple(DATASET_INFO) and D.IMAGE_SIZE["stl10"] == 48
    digits = dataset_info("digits")
    tr, te = D.load_dataset("digits", "train"), D.load_dataset("digits", "test")
    assert (len(tr), len(te)) == (digits.train_images, digits.test_images) and tr.num_classes == digits.classes
    assert tr.images.shape[1] == digits.image_size
    monkeypatch.setenv("COLA_DATA_DIR", str(SHARED_ZIP.parent))
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path))
    checked = 0
    for name in ("cifar10", "cifar100"):
        if not (SHARED_ZIP.parent / f"{name}-jpeg.zip").exists():
            continue
        info, test = dataset_info(name), D.load_dataset(name, "test")
        assert test.num_classes == info.classes and np.all(test.per_class_counts() == info.test_per_class)
        assert len(test) == info.test_images and test.images.shape[1:] == (info.image_size, info.image_size, 3)
        checked += 1
    assert checked or not SHARED_ZIP.exists()
    with pytest.raises(ValueError, match="registry holds cifar10"):
        dataset_info("mnist")
