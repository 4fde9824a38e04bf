#!/usr/bin/env python
"""``make book``: the course book, an HTML site of the executed notebooks built offline with Jupyter Book 1.

    python scripts/build_book.py                          # notebooks/executed/ -> build/book/_build/html
    python scripts/build_book.py --notebooks DIR --out D  # other executed notebooks (the test: the smoke ones)
    python scripts/build_book.py --screenshots intro 03_generation   # and docs/book_<page>.png (chromium)

The book's configuration, table of contents and home page live in ``docs/book/``. This script stages them with the
executed notebooks (named as their sources, so that a launch button opens ``notebooks/NN_name.ipynb``), the
reference pages of ``docs/`` (glossary, datasets, verdicts, coverage) and MathJax 2.7 from the
``jupyter-server-mathjax`` wheel, builds with ``execute_notebooks: off`` (nothing re-runs), then checks that every
page and image exists and that no page loads anything over the network. Needs ``pip install -e .[book]``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOOK_SOURCE = REPO / "docs" / "book"
REFERENCE_PAGES = ("glossary", "datasets", "verdicts", "coverage")
# what makes a browser fetch something: script and image sources, stylesheets and other <link>s it loads, frames,
# CSS imports and url()s. An <a href> to another site is a link a reader may follow, not a load.
LOADING_TAG = re.compile(r"<(script|img|iframe|source|video|audio|embed)\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", re.I)
LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
CSS_URL = re.compile(r"(?:@import\s+|url\()\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.I)


def is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def toc_pages(toc: dict) -> list[str]:
    """Every page a Jupyter Book ``_toc.yml`` names (root first)."""
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part.get("chapters", [])]
    return pages


def repository_url() -> str | None:
    """This clone's GitHub address (``git remote get-url origin``), or None: the launch buttons need a public repo."""
    try:
        url = subprocess.run(
            ["git", "remote", "get-url", "origin"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.match(r"(?:https://github\.com/|git@github\.com:)([^/]+/[^/]+?)(?:\.git)?$", url)
    return f"https://github.com/{match.group(1)}" if match else None


def stage(notebooks: Path, docs: Path, src: Path) -> list[str]:
    """Copy the book's sources into ``src``; returns the pages left out of the table of contents (no such file)."""
    import yaml

    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    config = yaml.safe_load((BOOK_SOURCE / "_config.yml").read_text())
    url = repository_url()
    if url:
        config["repository"]["url"] = url
        config["html"]["use_repository_button"] = True
    else:
        config.pop("launch_buttons")  # no public repository to launch from
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copy(BOOK_SOURCE / "intro.md", src / "intro.md")
    for name in REFERENCE_PAGES:
        if (docs / f"{name}.md").exists():
            shutil.copy(docs / f"{name}.md", src / f"{name}.md")
    sources = {p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for nb in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        shutil.copy(nb, src / nb.name)
        base = next((s for s in sources if nb.stem.startswith(s + "_")), None)
        if base:  # a run with other parameters (05 on CIFAR-100): its own title, not its source's
            title_extra_run(src / nb.name, nb.stem[len(base) + 1 :])
    toc = yaml.safe_load((BOOK_SOURCE / "_toc.yml").read_text())
    left_out = []
    for part in toc["parts"]:
        kept = [c for c in part["chapters"] if list(src.glob(c["file"] + ".*"))]
        left_out += [c["file"] for c in part["chapters"] if c not in kept]
        part["chapters"] = kept
    toc["parts"] = [p for p in toc["parts"] if p["chapters"]]
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    import jupyter_server_mathjax

    # not under the book's _static/, whose every .js Jupyter Book would add to each page: a static path of its own
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", src / "_mathjax" / "mathjax")
    return left_out


def title_extra_run(path: Path, run: str) -> None:
    """Append ``, <run> run`` to the first heading of the executed notebook at ``path`` (e.g. notebook 05 on
    CIFAR-100), so that the book's table of contents tells it from the default run."""
    import json

    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.startswith("# "):
            first, _, rest = source.partition("\n")
            cell["source"] = f"{first}, {run.replace('_', ' ')} run\n{rest}"
            break
    path.write_text(json.dumps(nb))


def build(src: Path, out: Path) -> Path:
    """Run Jupyter Book on the staged ``src`` into ``out``; returns the HTML folder."""
    jb = Path(sys.executable).parent / "jupyter-book"
    command = [str(jb) if jb.exists() else "jupyter-book", "build", str(src), "--path-output", str(out), "--all"]
    subprocess.run(command, check=True)
    return out / "_build" / "html"


def network_loads(html: Path) -> list[str]:
    """``page: url`` for everything a page of the book would load over the network (none may)."""
    found = []
    for page in sorted(html.rglob("*.html")) + sorted(html.rglob("*.css")):
        text = page.read_text(encoding="utf-8", errors="replace")
        urls = [m.group(2) for m in LOADING_TAG.finditer(text)] + CSS_URL.findall(text)
        for tag in LINK_TAG.findall(text):
            rel = re.search(r"\brel\s*=\s*[\"']([^\"']+)", tag)
            href = re.search(r"\bhref\s*=\s*[\"']([^\"']+)", tag)
            if href and rel and rel.group(1).lower() in ("stylesheet", "preload", "modulepreload", "icon", "prefetch"):
                urls.append(href.group(1))
        found += [f"{page.relative_to(html)}: {u}" for u in urls if is_remote(u)]
    return found


def missing_files(html: Path, pages: list[str]) -> list[str]:
    """Pages of the table of contents without an HTML file, and local images or scripts a page names that do not
    exist."""
    missing = [f"{p}.html" for p in pages if not (html / f"{p}.html").exists()]
    for page in html.glob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        for _, url in LOADING_TAG.findall(text):
            target = url.split("?")[0].split("#")[0]
            if (
                target
                and not is_remote(target)
                and not target.startswith("data:")
                and not (page.parent / target).exists()
            ):
                missing.append(f"{page.name}: {target}")
    return missing


def screenshot(page: Path, png: Path, width: int = 1400, height: int = 900) -> None:
    """A PNG of ``page`` as headless Chromium (Debian's ``chromium``) shows it after MathJax has typeset."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("no chromium on PATH: apt-get install chromium (or leave out --screenshots)")
    subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            "--virtual-time-budget=10000",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=REPO / "notebooks" / "executed",
        help="folder of executed NN_name.ipynb notebooks (default: notebooks/executed)",
    )
    parser.add_argument("--docs", type=Path, default=REPO / "docs", help="folder of the reference pages")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "book", help="build folder (default: build/book)")
    parser.add_argument(
        "--screenshots",
        nargs="*",
        metavar="PAGE",
        default=None,
        help="also save PNGs of these pages (e.g. intro 03_generation) as docs/book_<page>.png, with headless chromium",
    )
    args = parser.parse_args(argv)
    if not list(args.notebooks.glob("[0-9][0-9]_*.ipynb")):
        parser.error(
            f"no executed notebooks NN_name.ipynb in {args.notebooks}: run `make figures` first, or give --notebooks"
        )
    try:
        import jupyter_book  # noqa: F401
        import jupyter_server_mathjax  # noqa: F401
    except ImportError as err:
        parser.error(f"{err.name} is missing: pip install -e '.[book]' (jupyter-book<2, jupyter-server-mathjax)")
    src = args.out / "src"
    left_out = stage(args.notebooks, args.docs, src)
    if left_out:
        print("pages without a file, left out of the book: " + ", ".join(left_out))
    html = build(src, args.out)
    import yaml

    pages = toc_pages(yaml.safe_load((src / "_toc.yml").read_text()))
    problems = [f"missing {m}" for m in missing_files(html, pages)] + [
        f"loads over the network {u}" for u in network_loads(html)
    ]
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"book: {len(pages)} pages, nothing loaded over the network: {html / 'index.html'}")
    for page in args.screenshots or []:
        png = args.docs / f"book_{page}.png"
        screenshot(html / f"{page}.html", png)
        print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
