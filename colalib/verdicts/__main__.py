"""``python -m colalib.verdicts results/03_generation ...``: rewrite each folder's ``vs_thesis.csv`` from its saved
tables (:func:`colalib.verdicts.saved.main`)."""
from .saved import main

if __name__ == "__main__":
    raise SystemExit(main())
