#!/usr/bin/env python
"""Install pytorch-fid's Inception weights into the torch hub cache when they are missing.

Offline machines cannot download the official file. When the cache lacks it and ``<shared>/weights`` holds
the reconstruction (identical up to pool3, ``fc`` NaN; see its README), copy it there under the official
name. Never copies anything into this repository. Idempotent; prints what it did.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

OFFICIAL_NAME = "pt_inception-2015-12-05-6726825d.pth"
RECONSTRUCTED = "fid-inception-2015-12-05-reconstructed-fc-nan.pth"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default="../shared", help="folder holding weights/")
    args = parser.parse_args()
    target = Path(torch.hub.get_dir()) / "checkpoints" / OFFICIAL_NAME
    if target.exists():
        print(f"FID weights present: {target}")
        return 0
    source = Path(args.shared) / "weights" / RECONSTRUCTED
    if not source.exists():
        print(
            f"FID weights missing at {target} and no offline copy at {source}: pytorch-fid will download "
            f"them when online; offline, FID cells fail with instructions."
        )
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    print(f"Installed {source} -> {target} (reconstructed weights: pool3 identical to official, fc NaN)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
