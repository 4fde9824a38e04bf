"""Experiment runners behind the notebooks, as a package of small modules:

  * :mod:`.units` — each unit of work (one model fit, one classifier arm, one FID, ...) is a function of frozen configs,
    cached by the hash of everything that determines it, so an interrupted ``make figures`` resumes where it stopped;
  * :mod:`.registry` — the estimators by name, their configs, and the :class:`GenerativeEstimator` interface;
  * one driver module per notebook: :mod:`.clustering_study` (Sec. 3.1, notebook 02), :mod:`.generation_study`
    (ch. 4, notebook 03), :mod:`.ablations` (Sec. 4.3.1 and 5.3.1, notebook 04), :mod:`.classification_study`
    (ch. 5, notebook 05), :mod:`.fid_inadequacy` (App. A, notebook 06), :mod:`.peers_study` (notebook 07),
    :mod:`.gap_study` with :mod:`.readings` (notebook 08). Every driver has one signature, ``driver(exp,
    cache=None, executor=None, *, workers=None, scheduler=None, device=None, progress=True)``: one experiment config
    (its recipes come from it, :class:`~.registry.ProfileRecipes`), the cache, and an executor (None: compute each
    unit in this process when it is needed; ``"local"`` or ``"dask"``: fill the driver's plan in parallel first,
    :func:`.executors.prefill`);
  * :mod:`.graph`, :mod:`.steps`, :mod:`.executors` and :mod:`.plan` — each study declares its units once
    (``*_units(exp)``: :class:`~.graph.Unit` objects with their configs, dependencies and run steps) and assembles its
    tables from their results (``*_rows(exp, results)``); the driver, the plan and the parallel fill (locally or on
    Dask) all derive from that declaration;
  * :mod:`colalib.stats` — summaries and paired differences with 95 % intervals;
  * ``python -m colalib.experiments`` (:mod:`.__main__`) — fill the cache headlessly.

Everything public is importable from ``colalib.experiments`` directly.
"""
from ..stats import paired_differences, summarise
from .ablations import AblationExperimentConfig, generator_ablation, similarity_ablation
from .classification_study import (
                                   ClassificationExperimentConfig,
                                   classification_experiment,
                                   classification_units,
                                   classifier_ablation,
)
from .clustering_study import (
                                   ClusteringExperimentConfig,
                                   clustering_experiment,
                                   clustering_units,
                                   unsupervised_generation,
)
from .fid_inadequacy import FIDInadequacyConfig, class_transfer_experiment, fid_inadequacy_experiment
from .generation_study import (
                                   GenerationExperimentConfig,
                                   generation_experiment,
                                   generation_summary,
                                   t_scale_experiment,
                                   train_times,
)
from .mean_estimation import mean_estimation_study, mean_estimation_summary
from .peers_study import PeersExperimentConfig, peers_experiment, sampler_ablation, sampler_summary
from .registry import (
                                   PEER_METHODS,
                                   PEER_SAMPLERS,
                                   SIMILARITY_LABELS,
                                   SIMILARITY_MEASURES,
                                   GenerativeEstimator,
                                   ProfileRecipes,
                                   method_class,
                                   method_classes,
                                   model_config,
)
from .units import (
                                   arm_unit,
                                   clustering_unit,
                                   fid_unit,
                                   fit_model,
                                   fit_or_load,
                                   method_model,
                                   reference_classifier,
                                   sample_quality_unit,
                                   spread_unit,
                                   toy_unit,
                                   transductive_images,
)

__all__ = [
    "AblationExperimentConfig", "arm_unit", "classification_experiment", "ClassificationExperimentConfig",
    "classifier_ablation",
    "clustering_experiment", "clustering_units", "clustering_unit", "ClusteringExperimentConfig",
    "unsupervised_generation",
    "class_transfer_experiment", "fid_inadequacy_experiment", "fid_unit", "FIDInadequacyConfig",
    "fit_model", "fit_or_load", "generation_experiment", "generation_summary", "GenerationExperimentConfig",
    "GenerativeEstimator", "generator_ablation", "mean_estimation_study", "mean_estimation_summary", "method_model",
    "classification_units",
    "model_config", "paired_differences", "PEER_METHODS", "PEER_SAMPLERS", "peers_experiment",
    "PeersExperimentConfig", "ProfileRecipes", "reference_classifier", "sample_quality_unit", "sampler_ablation",
    "sampler_summary",
    "similarity_ablation", "SIMILARITY_LABELS", "SIMILARITY_MEASURES", "spread_unit", "summarise",
    "t_scale_experiment", "toy_unit", "train_times", "transductive_images", "method_class", "method_classes",
]
