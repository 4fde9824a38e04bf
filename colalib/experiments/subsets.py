"""The data subsets units train on: each worker loads a dataset split once (:func:`split_of`) and draws subset
``seed`` of ``size`` images per class from it (:func:`training_subset`)."""
from __future__ import annotations

import functools

from ..data import ImageDataset, load_dataset, small_sample


@functools.lru_cache(maxsize=4)
def split_of(dataset: str, split: str) -> ImageDataset:
    """``load_dataset(dataset, split)``, loaded once per worker process: a worker runs many tasks on the same data.
    The tasks only read it (subsets are new arrays)."""
    return load_dataset(dataset, split)


def training_subset(dataset: str, size: int | None, seed: int) -> ImageDataset:
    """Subset ``seed`` of ``size`` images per class of ``dataset``'s training split; ``size`` 0 or None: the whole
    split (the thesis's full-data runs)."""
    train = split_of(dataset, "train")
    return train if not size else small_sample(train, size, seed)
