"""Evaluation: FID (pytorch-fid), CAS, clustering scores, intra-class diversity.

FID (Heusel et al. 2017; thesis Eq. 4.2, App. C.4) uses pytorch-fid's Inception network (pool3, 2048-d).
Its weights are read from the torch hub cache (``$TORCH_HOME/hub/checkpoints/pt_inception-2015-12-05-6726825d.pth``).
Offline, ``scripts/install_fid_weights.py`` puts the reconstruction from ``../shared/weights`` there (identical
up to pool3; its unused ``fc`` layer is NaN). :func:`fid_weights_info` says which file is in use; every FID
result carries it and both sample sizes (FID is biased by sample size: compare equal sizes only). Without
weights and without network, FID fails before any download attempt; it never switches to another network.

CAS (Ravuri & Vinyals 2019; thesis Sec. 4.1): a classifier trained only on generated images, top-1 accuracy on
the real test set, with the classifier recipe of :mod:`colalib.classification`.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from tqdm.auto import tqdm

from .utils import get_device

FID_WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL = ("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + FID_WEIGHTS_NAME)
OFFICIAL_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
RECONSTRUCTED_SHA256 = "b819afcf1ffe1e4f23ada6407c24766ae79043acfba4ada367f8cf920e64aa39"


def fid_weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_NAME


@lru_cache(maxsize=4)
def _sha256(path: str, size: int, mtime: float) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def fid_weights_info() -> dict:
    """Which Inception weights FID uses: path, sha256 and a human-readable name."""
    path = fid_weights_path()
    if not path.exists():
        raise FileNotFoundError(
            f"FID Inception weights not found at {path}. Offline: run `make fid-weights` (copies the "
            f"reconstruction from ../shared/weights into the torch hub cache). Online: download {FID_WEIGHTS_URL} "
            f"to that path. FID is never computed with another network.")
    stat = path.stat()
    digest = _sha256(str(path), stat.st_size, stat.st_mtime)
    name = {OFFICIAL_SHA256: "pytorch-fid official Inception (pt_inception-2015-12-05)",
            RECONSTRUCTED_SHA256: "pytorch-fid Inception reconstructed up to pool3 (fc NaN; "
                                  "pool3 features identical to the official weights)"}.get(digest, "unrecognised file")
    return {"path": str(path), "sha256": digest, "weights": name}


@lru_cache(maxsize=2)
def _inception(device_str: str) -> torch.nn.Module:
    fid_weights_info()  # fail early with the clear message, before pytorch-fid tries to download
    from pytorch_fid.inception import InceptionV3
    model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]])  # pool3 only: fc is never used
    return model.to(device_str).eval()


@torch.no_grad()
def inception_features(images: np.ndarray, batch_size: int = 100, device: str | torch.device | None = None,
                       progress: bool = True) -> np.ndarray:
    """Pool3 (2048-d) Inception features of uint8 NHWC images (pytorch-fid resizes to 299 internally)."""
    device = get_device(device)
    model = _inception(str(device))
    feats = []
    for s in tqdm(range(0, len(images), batch_size), desc="Inception features", disable=not progress, leave=False):
        x = torch.from_numpy(np.ascontiguousarray(images[s:s + batch_size])).to(device)
        x = x.permute(0, 3, 1, 2).float() / 255.0
        feats.append(model(x)[0].flatten(1).cpu().numpy().astype(np.float64))
    return np.concatenate(feats)


def frechet_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(stats_a: tuple[np.ndarray, np.ndarray], stats_b: tuple[np.ndarray, np.ndarray]) -> float:
    """pytorch-fid's Frechet distance, its BLAS on one thread: scipy's ``sqrtm`` of the 2048x2048 product was 4-5x
    slower with two BLAS threads beside torch's on a busy 2-core CPU (measured 100 s against 22 s)."""
    from pytorch_fid.fid_score import calculate_frechet_distance
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        return float(calculate_frechet_distance(stats_a[0], stats_a[1], stats_b[0], stats_b[1]))


def fid(images_a: np.ndarray, images_b: np.ndarray, device=None, progress: bool = True) -> dict:
    """FID between two uint8 image sets, with the weights used and both sample sizes."""
    a = frechet_stats(inception_features(images_a, device=device, progress=progress))
    b = frechet_stats(inception_features(images_b, device=device, progress=progress))
    return {"fid": frechet_distance(a, b), "n_a": len(images_a), "n_b": len(images_b), **fid_weights_info()}


def real_stats(dataset: str, split: str = "test", n: int | None = None, seed: int = 0, device=None,
               progress: bool = True) -> dict:
    """Inception statistics of ``n`` images of a real split (all when None), cached per dataset/split/size, with
    their intra-class diversity (:func:`intra_class_diversity`) as the real reference of appendix A."""
    from .cache import ArtifactCache
    from .data import load_dataset
    key = {"dataset": dataset, "split": split, "n": n, "seed": seed, "weights": fid_weights_info()["sha256"],
           "data_dir": os.environ.get("COLA_DATA_DIR", "")}
    cache = ArtifactCache()
    cached = cache.load("fid_stats", key, kind="torch")
    if cached is not None:
        return cached
    ds = load_dataset(dataset, split)
    images = ds.images
    if n is not None and n < len(images):
        images = images[np.sort(np.random.default_rng(seed).choice(len(images), n, replace=False))]
    labels = ds.labels
    if n is not None and n < len(ds.images):
        labels = labels[np.sort(np.random.default_rng(seed).choice(len(ds.images), n, replace=False))]
    features = inception_features(images, device=device, progress=progress)
    mu, sigma = frechet_stats(features)
    stats = {"mu": mu, "sigma": sigma, "n": len(images), "source": ds.source,
             "diversity": intra_class_diversity(features, labels)["mean"]}
    cache.save("fid_stats", key, stats, kind="torch")
    return stats


def fid_against_dataset(gen_images: np.ndarray, dataset: str, split: str = "test", n_real: int | None = None,
                        device=None, progress: bool = True) -> dict:
    """FID of generated images against a real split (thesis App. C.4: the test set)."""
    real = real_stats(dataset, split, n_real, device=device, progress=progress)
    gen = frechet_stats(inception_features(gen_images, device=device, progress=progress))
    return {"fid": frechet_distance(gen, (real["mu"], real["sigma"])), "n_fake": len(gen_images),
            "n_real": real["n"], "real": f"{dataset}/{split} ({real['source']})", **fid_weights_info()}


def cas(gen_images: np.ndarray, gen_labels: np.ndarray, test_images: np.ndarray, test_labels: np.ndarray,
        num_classes: int, classifier_config=None, device=None, progress: bool = True) -> dict:
    """Classification Accuracy Score: train on generated images only, accuracy on the real test set."""
    from .classification import ClassifierConfig, evaluate, train_classifier
    config = classifier_config or ClassifierConfig()
    model = train_classifier(gen_images, gen_labels, num_classes, config, device=device, progress=progress)
    return {"cas": evaluate(model, test_images, test_labels, device=device), "n_train": len(gen_images),
            "n_test": len(test_images), "classifier": config.arch}


def match_clusters_to_labels(y_true: np.ndarray, y_pred: np.ndarray) -> dict[int, int]:
    """Cluster -> label mapping maximising agreement (Hungarian algorithm, scipy)."""
    labels, clusters = np.unique(y_true), np.unique(y_pred)
    table = np.zeros((len(clusters), len(labels)), dtype=np.int64)
    ci = {c: i for i, c in enumerate(clusters)}
    li = {c: i for i, c in enumerate(labels)}
    np.add.at(table, ([ci[c] for c in y_pred], [li[c] for c in y_true]), 1)
    rows, cols = linear_sum_assignment(-table)
    return {int(clusters[r]): int(labels[c]) for r, c in zip(rows, cols)}


def clustering_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Accuracy after the best one-to-one matching of clusters to labels (unmatched clusters count as wrong)."""
    mapping = match_clusters_to_labels(y_true, y_pred)
    mapped = np.array([mapping.get(int(c), -1) for c in y_pred])
    return float((mapped == np.asarray(y_true)).mean())


def clustering_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Hungarian-matched accuracy, NMI and ARI (scikit-learn)."""
    return {"acc": clustering_accuracy(y_true, y_pred), "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
            "ari": float(adjusted_rand_score(y_true, y_pred))}


def intra_class_diversity(features: np.ndarray, labels: np.ndarray, max_per_class: int = 500, seed: int = 0) -> dict:
    """Mean pairwise Euclidean feature distance within each class, and their average (what FID misses, App. A)."""
    rng = np.random.default_rng(seed)
    per_class = {}
    for c in np.unique(labels):
        f = features[labels == c]
        if len(f) > max_per_class:
            f = f[rng.choice(len(f), max_per_class, replace=False)]
        if len(f) < 2:
            continue
        sq = (f ** 2).sum(1)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * f @ f.T, 0.0)
        iu = np.triu_indices(len(f), 1)
        per_class[int(c)] = float(np.sqrt(d2[iu]).mean())
    return {"mean": float(np.mean(list(per_class.values()))) if per_class else float("nan"), "per_class": per_class}
