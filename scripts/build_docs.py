#!/usr/bin/env python
"""Generate the Markdown pages of ``docs/`` from the committed results files (``make docs``).

    python scripts/build_docs.py                 # writes docs/*.md (verdicts, timings, coverage, datasets) and
                                                 # figures/INDEX.md
    python scripts/build_docs.py --out /tmp/docs # the docs pages somewhere else (no figure index)
    python scripts/build_docs.py --check         # exit 1 when a committed page differs from a fresh one

Every number comes from ``results/*/vs_thesis.csv``, ``run.json`` and ``fill_units.csv``, and every figure file named
on the coverage page is checked under ``figures/`` (the logic is :mod:`colalib.reporting_docs`). The hand-written
pages (``docs/known_gaps.md``, ``docs/CONVENTIONS.md``) are not touched.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from colalib.figure_index import index_is_stale, write_index  # noqa: E402
from colalib.reporting_docs import PAGES, build, stale_pages  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate docs/" + ", docs/".join(PAGES) + " from the committed "
        "results files (never from numbers typed by hand)."
    )
    parser.add_argument(
        "--repo", type=Path, default=REPO, help="repository whose results/ and figures/ are read (default: this one)"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder the pages are written to (default: REPO/docs)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a page in --out is missing or differs from a freshly generated one",
    )
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    out = args.out if args.out is not None else repo / "docs"
    if not (repo / "results").is_dir():
        parser.error(f"no results/ folder in {repo}: give the repository root with --repo")
    with_index = args.out is None  # figures/INDEX.md belongs to the repository's own figures/
    if args.check:
        stale = [str(out / name) for name in stale_pages(repo, out)]
        stale += [str(repo / "figures" / "INDEX.md")] if with_index and index_is_stale(repo) else []
        for name in stale:
            print(f"{name} is out of date: run `make docs` (python scripts/build_docs.py)")
        return 1 if stale else 0
    for path in build(repo, out) + ([write_index(repo)] if with_index else []):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
