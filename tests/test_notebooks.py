"""Every numbered notebook executes end-to-end with the smoke profile (papermill), writing its
figures, tables and run.json into temporary folders (the committed quick-profile outputs are not touched)."""
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_numbered_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_smoke(notebook, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    nb = json.loads(notebook.read_text())
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]), \
        f"{notebook.name} has no cell tagged 'parameters'"
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), \
        f"{notebook.name} is committed with outputs: clear them"
    monkeypatch.setenv("COLA_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("COLA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("COLA_PROGRESS", "0")
    papermill.execute_notebook(str(notebook), str(tmp_path / notebook.name), parameters={"PROFILE": "smoke"},
                               cwd=str(notebook.parent), progress_bar=False, kernel_name="python3")
    record = json.loads((tmp_path / "results" / f"{notebook.stem}_smoke" / "run.json").read_text())
    assert record["profile"] == "smoke"
    figures = list((tmp_path / "figures" / f"{notebook.stem}_smoke").glob("*.png"))
    assert figures, f"{notebook.name} saved no figure"
    executed = json.loads((tmp_path / notebook.name).read_text())
    residue = [o for c in executed["cells"] for o in c.get("outputs", [])
               if o.get("name") == "stderr" and not "".join(o.get("text", "")).strip()]
    assert not residue, f"{notebook.name}: {len(residue)} blank stderr outputs (progress-bar residue)"
