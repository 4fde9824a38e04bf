""""Result vs thesis" tables: each notebook ends with the thesis's claims, the published value, ours and a status
computed from our results (never typed by hand), saved as ``results/NN_name/vs_thesis.csv``.

Statuses:
  ``holds``            our result supports the claim (an ordering claim: the paired 95 % interval excludes 0 in the
                       claimed direction; a claim of "barely" or "no notable" difference: the whole interval lies
                       inside a stated margin, :func:`margin_claim`);
  ``does not hold``    our result contradicts it (the interval excludes 0 the other way, or a value falls short of
                       the published one beyond our interval);
  ``not resolved``     the interval contains 0, or fewer than 3 subsets were run (not a ranking);
  ``not comparable``   our protocol differs from the thesis's so much that no comparison is meaningful (said why).

The package, in layers: :mod:`.rules` (statuses, ordering / margin / value claims, subsets needed and their hours),
:mod:`.generation` (chapter 4), :mod:`.chapters` (step I, chapters 5 and 6, Appendix A), :mod:`.studies` (notebooks 07
and 08, beyond the thesis), :mod:`.saved` (verdict tables from saved results; ``python -m colalib.verdicts``).
"""
from .chapters import (
                       TRANSFER_GENERATORS,
                       UNSUPERVISED_SIMILARITIES,
                       ablation_claims,
                       cas_at_chance,
                       class_transfer_claims,
                       classification_claims,
                       classifier_size_claims,
                       clustering_claims,
                       fid_inadequacy_claims,
                       generator_ordering_reading,
                       theory_claims,
)
from .generation import (
                       COMPARISONS,
                       FULL_PER_CLASS,
                       METHOD_NAMES,
                       collapse_reading,
                       failed_methods,
                       failed_sizes,
                       generation_claims,
                       unsupervised_generation_claims,
)
from .rules import (
                       BARELY_RELATIVE_PCT,
                       NOTABLE_PP,
                       STATUSES,
                       claim_row,
                       hours_per_subset,
                       margin_claim,
                       needed_for,
                       not_comparable,
                       ordering_claim,
                       value_claim,
                       with_cost,
)
from .saved import FROM_RESULTS, claims_from_results, clustering_verdicts, cola_glo_units, generation_verdicts, main
from .studies import THESIS_PEER_COMPARISONS, gap_claims, peers_claims, peers_reading

__all__ = ["BARELY_RELATIVE_PCT", "COMPARISONS", "FROM_RESULTS", "FULL_PER_CLASS", "METHOD_NAMES", "NOTABLE_PP",
           "STATUSES",
           "THESIS_PEER_COMPARISONS", "TRANSFER_GENERATORS", "UNSUPERVISED_SIMILARITIES", "ablation_claims",
           "cas_at_chance", "claim_row", "class_transfer_claims",
           "claims_from_results", "classification_claims", "classifier_size_claims", "clustering_claims",
           "clustering_verdicts", "collapse_reading",
           "failed_methods", "failed_sizes", "fid_inadequacy_claims", "gap_claims", "generation_claims",
           "cola_glo_units", "generation_verdicts",
           "unsupervised_generation_claims",
           "generator_ordering_reading", "hours_per_subset", "main", "margin_claim", "needed_for", "not_comparable",
           "ordering_claim", "peers_claims", "peers_reading", "theory_claims", "value_claim", "with_cost"]
