"""Shared test setup: one CPU thread, a private cache folder, deterministic seeds."""

import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _single_thread_and_private_cache(tmp_path_factory):
    torch.set_num_threads(int(os.environ.get("COLA_TEST_THREADS", "1")))
    os.environ.setdefault("COLA_CACHE_DIR", str(tmp_path_factory.mktemp("cola_cache")))
    yield


def pytest_collection_modifyitems(config, items):
    """A notebook test is a slow test too: ``-m "not slow"`` leaves the notebooks out as well."""
    for item in items:
        if item.get_closest_marker("notebook") is not None and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
