"""Baselines with the same ``fit`` / ``sample`` interface as sCOLA.

GLO (Bojanowski et al. 2018; thesis Sec. 2.1.4 and ch. 4): the same generator and loss as COLA, but codes
drawn uniformly on the unit sphere of R^(K+d) with no cluster structure and the whole code projected back
onto that sphere every epoch. For sampling, a K-component Gaussian mixture (scikit-learn, full covariances,
``reg_covar`` 1e-4) is fitted on the learned codes, as the thesis does ("after training we fit a Gaussian
Mixture Model to the learned latent space").

GLO is unsupervised, so its mixture components carry no class. To score it with CAS, components are matched
to classes by the Hungarian algorithm on the (component, true label) contingency of the training codes
(:func:`match_components_to_classes`); every GLO CAS in this repository says so.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from .cola import LatentGenerativeModel
from .data import as_arrays
from .latent import project_whole
from .sampling import match_components_to_classes  # noqa: F401  (re-exported: part of this module's API)


class GLO(LatentGenerativeModel):
    """Generative Latent Optimization with a GMM sampler; ``sample`` returns Hungarian-matched class ids."""

    name = "GLO"

    def fit(self, x, y: np.ndarray | None = None, num_classes: int | None = None) -> "GLO":
        images, labels, k = as_arrays(x, y)
        k = num_classes or k or (int(labels.max()) + 1 if labels is not None else 10)
        gen = torch.Generator().manual_seed(self.config.seed)
        codes = project_whole(torch.randn(len(images), k + self.config.latent_dim, generator=gen))
        self._true_labels = labels
        # labels_ only carry the number of components; the generator ignores them (unconditional)
        return self._fit_codes(images, codes, np.zeros(len(images), dtype=np.int64) if labels is None else labels, k)

    def _conditional(self) -> bool:
        return False

    def _project(self, codes: torch.Tensor) -> torch.Tensor:
        return project_whole(codes)

    def _fit_sampler(self) -> None:
        codes = self.codes_.cpu().numpy().astype(np.float64)
        self.gmm_ = GaussianMixture(self.num_classes_, covariance_type="full", reg_covar=1e-4,
                                    random_state=self.config.seed).fit(codes)
        components = self.gmm_.predict(codes)
        self.component_to_class_ = match_components_to_classes(components, self.labels_, self.num_classes_)
        self.code_classes_ = self.component_to_class_[components]  # codes are fixed after fit: predict once

    def _sample_codes(self, labels: np.ndarray, spread: float, seed: int | None) -> np.ndarray:
        """Codes from the GMM component matched to each requested class (uniform mixture when balanced)."""
        rng = np.random.default_rng(seed)
        class_to_component = np.argsort(self.component_to_class_)
        comps = class_to_component[labels]
        out = np.empty((len(labels), self.gmm_.means_.shape[1]))
        for c in np.unique(comps):
            sel = comps == c
            chol = np.linalg.cholesky(self.gmm_.covariances_[c])
            eps = rng.standard_normal((sel.sum(), out.shape[1]))
            out[sel] = self.gmm_.means_[c] + spread * eps @ chol.T
        return out

    def _code_classes(self) -> np.ndarray:
        """GLO has no classes: the class of a code is that matched to its GMM component (as in ``sample``)."""
        return self.code_classes_

    def _code_parts(self) -> list[slice]:
        return [slice(None)]  # the whole code lives on one sphere

    def _sampler_state(self):
        return {"gmm": self.gmm_, "component_to_class": self.component_to_class_}

    def _load_sampler(self, state) -> None:
        self.gmm_, self.component_to_class_ = state["gmm"], state["component_to_class"]
        self.code_classes_ = self.component_to_class_[self.gmm_.predict(self.codes_.cpu().numpy().astype(np.float64))]
