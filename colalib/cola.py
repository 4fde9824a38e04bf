"""The COLA and sCOLA estimators (thesis ch. 3): scikit-learn-like ``fit`` / ``sample`` / ``reconstruct``.

    model = SCOLA(SCOLAConfig.for_profile("quick")).fit(train)     # an ImageDataset, or (images, labels)
    images, labels = model.sample(1000)                            # uint8 NHWC and class ids
    model.save("scola.pt"); model = SCOLA.load("scola.pt")

sCOLA (Sec. 3.4): the t part of every code is the one-hot label; with the ``cgan_res`` generator the label
also enters through conditional batch norm. COLA (unsupervised): the t part is the step-I target
(``colalib.clustering``), and the clusters play the role of classes in step III.
Settings of App. C.2: small sample -> InfoGAN generator, Laplacian loss, d = 64; full data -> d = 128
(sCOLA with the CGAN generator, COLA with InfoGAN; the thesis used the VGG perceptual loss there).
Configs: :class:`DecoderConfig` holds the generator, loss and schedule that sCOLA shares with the related methods
(``colalib.peers``); :class:`SCOLAConfig` adds the codes (Sec. 3.2) and step III (Sec. 3.3).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from .cache import ArtifactCache, atomic_torch_save
from .cola_config import DecoderConfig, SCOLAConfig  # noqa: F401  (re-exported)
from .data import ImageDataset, as_arrays, to_tensor, to_uint8
from .latent import init_codes, optimise_latent, project_codes
from .models import build_generator
from .sampling import (
    SAMPLERS,
    ClassGaussians,
    balanced_labels,
    check_step_iii,
    convex_combination_codes,
    fit_class_gaussians,
    match_components_to_classes,
    reconstruction_codes,
    sample_codes,
    slerp_codes,
)
from .stats import (
    TRANSFER_MAX_RELATIVE_ERROR,  # noqa: F401  (App. B's threshold, re-exported)
    relative_reconstruction_error,
)
from .utils import get_device, seed_everything


class LatentGenerativeModel:
    """Shared machinery of sCOLA, COLA and GLO (and of the related methods, :mod:`colalib.peers`): a generator, one
    code per training image, a sampler.

    The machinery reads the config's :class:`DecoderConfig` fields itself; what belongs to sCOLA's codes and step III
    (:class:`SCOLAConfig`: ``t_scale``, ``lr_codes``, the step-III reading) it reads through the hooks below only
    (``_project``, ``_code_lr``, ``_step_iii``, ``_fit_sampler``, ``reconstruct``), which a model whose config
    has no such fields overrides (``colalib.peers._PeerModel``). ``from_state`` rebuilds ``cls.config_class``.
    """

    name = "latent"
    config_class: ClassVar[type[DecoderConfig]] = SCOLAConfig

    def __init__(self, config: DecoderConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True, cache: ArtifactCache | None = None):
        self.config = self.config_class() if config is None else config
        self.device = get_device(device)
        self.progress = progress
        self.cache = cache  # where a trained perceptual network is cached (None: not cached)
        self.generator: torch.nn.Module | None = None
        self.codes_: torch.Tensor | None = None
        self.labels_: np.ndarray | None = None
        self.num_classes_: int | None = None
        self.image_size_: int | None = None
        self.history_: list[float] = []
        self.train_seconds_: float = 0.0
        self.images_per_second_: float = 0.0

    # -- hooks overridden by the subclasses ------------------------------------------------------------
    def _conditional(self) -> bool:
        return self.config.generator == "cgan_res"

    def _project(self, codes: torch.Tensor) -> torch.Tensor:
        return project_codes(codes, self.num_classes_, self.config.t_scale)

    def _code_lr(self) -> float:
        """Adam step of the codes in step II (App. C.2: 0.01, ``config.lr_codes``); 0 keeps them fixed."""
        return self.config.lr_codes

    def _step_iii(self) -> dict[str, Any]:
        """The reading of step III (:mod:`colalib.sampling`) that ``sample`` and the class Gaussians use: the
        config's ``covariance``, ``spread_space``, ``reproject`` and default ``spread`` (Sec. 3.3)."""
        cfg = self.config
        return {"covariance": cfg.covariance, "spread_space": cfg.spread_space, "reproject": cfg.reproject,
                "spread": cfg.spread}

    def _fit_sampler(self) -> None:
        """Step III on the codes of the labelled training images (config: covariance, spread_space)."""
        step3 = self._step_iii()
        k = self.num_classes_
        d = self.codes_.shape[1]
        self.gaussians_ = fit_class_gaussians(self.codes_.cpu().numpy(), self.labels_, step3["covariance"],
                                              step3["spread_space"], parts=[(0, k), (k, d)],
                                              radii=[self.config.t_scale, 1.0])

    def _sample_codes(self, labels: np.ndarray, spread: float, seed: int | None) -> np.ndarray:
        return sample_codes(self.gaussians_, labels, spread, seed)

    # -- training ------------------------------------------------------------------------------------
    def _fit_codes(self, images: np.ndarray, codes: torch.Tensor, labels: np.ndarray, num_classes: int,
                   n_labelled: int | None = None) -> "LatentGenerativeModel":
        """Step II on all ``images``; the first ``n_labelled`` (default all) are kept as the model's codes and
        enter step III (the rest: a transductive variant's unlabelled images)."""
        cfg = self.config
        seed_everything(cfg.seed)
        self.labels_ = np.asarray(labels, dtype=np.int64)
        self.num_classes_ = int(num_classes)
        self.image_size_ = int(images.shape[1])
        loss = cfg.build_loss(images, self.labels_, self.num_classes_, self.device, self.cache, self.progress)
        seed_everything(cfg.seed)
        self.generator = build_generator(cfg.generator, codes.shape[1], self.image_size_,
                                         num_classes=self.num_classes_ if self._conditional() else None,
                                         width=cfg.generator_width)
        x = to_tensor(images, self.device)
        if self.device.type == "cpu":
            self.generator = self.generator.to(memory_format=torch.channels_last)
        gen_labels = torch.as_tensor(self.labels_, device=self.device) if self._conditional() else None
        result = optimise_latent(
            self.generator, x, codes, loss.to(self.device), labels=gen_labels, epochs=cfg.epochs,
            batch_size=cfg.batch_size, lr_codes=self._code_lr(), lr_generator=cfg.lr_generator,
            lr_decay=cfg.lr_decay, lr_step_epochs=cfg.lr_step_epochs, project=self._project, seed=cfg.seed,
            progress=self.progress, desc=f"{self.name} ({len(images)} images)")
        n_labelled = len(images) if n_labelled is None else n_labelled
        self.codes_ = result.codes.cpu()[:n_labelled]
        self.labels_ = self.labels_[:n_labelled]
        self.history_ = result.history
        self.train_seconds_ = result.seconds
        self.images_per_second_ = result.images_per_second
        self.generator.eval()
        self._fit_sampler()
        return self

    def use_sampling(self, config: SCOLAConfig) -> "LatentGenerativeModel":
        """This fitted model with step III (Sec. 3.3) read from ``config``'s sampling fields
        (:attr:`SCOLAConfig.SAMPLING_FIELDS`); the fit stays as it is, so ``config`` must not differ elsewhere."""
        if config.fit_key() != self.config.fit_key():
            raise ValueError("use_sampling changes only the sampling fields "
                             f"({', '.join(SCOLAConfig.SAMPLING_FIELDS)}); refit for any other change of the config")
        self.config = config
        self._fit_sampler()
        return self

    # -- generation ----------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, codes: np.ndarray | torch.Tensor, labels: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Images G(z, y) as uint8 NHWC (eval mode: batch-norm running statistics)."""
        self.generator.eval()
        codes = torch.as_tensor(np.asarray(codes), dtype=torch.float32)
        out = []
        for s in range(0, len(codes), batch_size):
            z = codes[s:s + batch_size].to(self.device)
            y = torch.as_tensor(labels[s:s + batch_size], device=self.device) if self._conditional() else None
            out.append(to_uint8(self.generator(z, y)))
        return np.concatenate(out) if out else np.zeros((0, self.image_size_, self.image_size_, 3), np.uint8)

    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, spread: float | None = None,
               seed: int | None = None, method: str = "gaussian", n_mix: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """``n`` new images and their classes. ``classes``: None (uniform mixture, stratified), one class, or a
        list of classes to draw from uniformly.

        ``method`` chooses how new codes are drawn from the learned ones:
          ``"gaussian"`` (the thesis, Sec. 3.3): the class's Gaussian (``config.covariance``,
          ``config.spread_space``), standard deviation scaled by ``spread`` (>= 0; 0 gives the class mean;
          default ``config.spread``);
          ``"convex"`` (ReGene): Dirichlet-weighted convex combination of ``n_mix`` same-class codes;
          ``"slerp"`` (AugIntAE): SLERP between two same-class codes, on each sphere of the code;
          ``"reconstruction"``: the codes of random training images of the class (no new code: a control).
        Codes are projected back onto the code's spheres before decoding (Gaussian codes only when
        ``config.reproject``; tangent-space codes are on the spheres already).
        """
        self._check_fitted()
        if method not in SAMPLERS:
            raise ValueError(f"Unknown sampling method {method!r}; choose one of {SAMPLERS}.")
        rng = np.random.default_rng(seed)
        pool = np.arange(self.num_classes_) if classes is None else np.atleast_1d(np.asarray(classes))
        labels = balanced_labels(n, pool, rng)
        step3 = self._step_iii()
        spread = step3["spread"] if spread is None else spread
        check_step_iii(step3["covariance"], step3["spread_space"], spread)
        sub_seed = int(rng.integers(2**31))
        if method == "gaussian":
            raw = self._sample_codes(labels, spread, sub_seed)
        else:
            codes, code_classes = self.codes_.cpu().numpy(), self._code_classes()
            if method == "convex":
                raw = convex_combination_codes(codes, code_classes, labels, n_mix=n_mix, seed=sub_seed)
            elif method == "slerp":
                raw = slerp_codes(codes, code_classes, labels, self._code_parts(), seed=sub_seed)
            else:
                raw = reconstruction_codes(codes, code_classes, labels, seed=sub_seed)
        codes = torch.as_tensor(raw, dtype=torch.float32)
        if step3["reproject"] or method != "gaussian":
            codes = self._project(codes)
        return self.decode(codes, labels), labels

    def _code_classes(self) -> np.ndarray:
        """The class (cluster) of every training code, as ``sample`` understands classes."""
        return np.asarray(self.labels_)

    def _code_parts(self) -> list[slice]:
        """The unit-sphere parts of a code: t (the first K coordinates) and v."""
        return [slice(0, self.num_classes_), slice(self.num_classes_, None)]

    def reconstruct(self, indices: np.ndarray | list[int] | None = None,
                    labels: np.ndarray | None = None) -> np.ndarray:
        """G(z_i) of training images ``indices`` (all when None); ``labels`` overrides the class given to a
        conditional generator and the t part (appendix B, class-content transfer)."""
        self._check_fitted()
        idx = np.arange(len(self.codes_)) if indices is None else np.asarray(indices)
        codes = self.codes_[idx].clone()
        y = self.labels_[idx] if labels is None else np.asarray(labels)
        if labels is not None and self.num_classes_:
            codes[:, :self.num_classes_] = 0.0
            codes[np.arange(len(idx)), y] = self.config.t_scale
        return self.decode(codes, y)

    def transfer_classes(self, indices: np.ndarray | list[int]) -> np.ndarray:
        """Appendix B, class-content transfer: ``out[i, c]`` = training image ``indices[i]`` decoded from its own
        code with the class code of class ``c`` (t part and, for the conditional generator, its batch norm);
        ``out[i, labels_[i]]`` is the plain reconstruction. Shape ``(len(indices), K, H, W, 3)``, uint8."""
        idx = np.asarray(indices)
        per_class = [self.reconstruct(idx, labels=np.full(len(idx), c)) for c in range(self.num_classes_)]
        return np.stack(per_class, axis=1)

    def class_transfer(self, images: np.ndarray, n_rows: int = 6, seed: int = 0) -> dict:
        """Appendix B's figure, measured: one training image (drawn at random, seeded) of each of the first ``n_rows``
        classes, decoded with every class code (:meth:`transfer_classes`). ``images`` are the training images the
        model was fitted on, in its order. Returns ``originals`` (rows, H, W, 3), ``grid`` (rows, K, H, W, 3),
        ``own`` (each row's class, the column that is its plain reconstruction) and ``relative_error``: the RMS
        pixel error of those reconstructions divided by that of the training mean image (0: perfect; 1: no better
        than the mean image), so a panel whose own-class column does not reconstruct can be flagged
        (:data:`TRANSFER_MAX_RELATIVE_ERROR`)."""
        self._check_fitted()
        if len(images) != len(self.codes_):
            raise ValueError(f"images has {len(images)} images but the model was fitted on {len(self.codes_)}: "
                             "pass the training images the model was fitted on, in the same order")
        rng = np.random.default_rng(seed)
        labels = np.asarray(self.labels_)
        idx = np.array([rng.choice(np.flatnonzero(labels == c)) for c in range(min(self.num_classes_, n_rows))])
        grid = self.transfer_classes(idx)
        own = labels[idx]
        originals = np.asarray(images)[idx]
        mean_image = np.asarray(images, dtype=np.float64).mean(axis=0)
        error = relative_reconstruction_error(grid[np.arange(len(idx)), own], originals, mean_image)
        return {"indices": idx, "originals": originals, "grid": grid, "own": own, "relative_error": error}

    # -- persistence ---------------------------------------------------------------------------------
    def state(self) -> dict:
        self._check_fitted()
        return {"class": type(self).__name__, "config": self.config.to_dict(),
                "generator": {k: v.cpu() for k, v in self.generator.state_dict().items()},
                "codes": self.codes_, "labels": self.labels_, "num_classes": self.num_classes_,
                "image_size": self.image_size_, "history": self.history_, "train_seconds": self.train_seconds_,
                "images_per_second": self.images_per_second_, "sampler": self._sampler_state()}

    def _sampler_state(self) -> Any:
        return self.gaussians_.to_dict()

    def _load_sampler(self, state: Any) -> None:
        self.gaussians_ = ClassGaussians.from_dict(state)
        step3 = self._step_iii()
        if (self.gaussians_.covariance, self.gaussians_.space) != (step3["covariance"], step3["spread_space"]):
            self._fit_sampler()  # a cached model sampled with another reading of step III: refit (cheap)

    def save(self, path: str | Path) -> Path:
        return atomic_torch_save(self.state(), path)

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device | None = None) -> "LatentGenerativeModel":
        cfg = cls.config_class(**state["config"])
        model = cls(cfg, device=device)
        model.codes_, model.labels_ = state["codes"], np.asarray(state["labels"])
        model.num_classes_, model.image_size_ = state["num_classes"], state["image_size"]
        model.history_, model.train_seconds_ = state["history"], state["train_seconds"]
        model.images_per_second_ = state.get("images_per_second", 0.0)
        model.generator = build_generator(cfg.generator, model.codes_.shape[1], model.image_size_,
                                          num_classes=model.num_classes_ if model._conditional() else None,
                                          width=cfg.generator_width)
        model.generator.load_state_dict(state["generator"])
        model.generator.to(model.device).eval()
        model._load_sampler(state["sampler"])
        return model

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> "LatentGenerativeModel":
        return cls.from_state(torch.load(path, map_location="cpu", weights_only=False), device)

    def _check_fitted(self) -> None:
        if self.generator is None or self.codes_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() first")


class SCOLA(LatentGenerativeModel):
    """Supervised COLA (Sec. 3.4): targets are the one-hot labels."""

    name = "sCOLA"

    def fit(self, x: ImageDataset | np.ndarray, y: np.ndarray | None = None, num_classes: int | None = None,
            unlabelled: np.ndarray | None = None) -> "SCOLA":
        """Step II with the labels as t (one-hot), then step III.

        ``config.flip_augment``: the horizontally flipped copy of every image is fitted too, with its own code
        and the image's label. ``unlabelled`` (only with ``config.transductive`` > 0, which must equal its length):
        images without labels whose codes are fitted jointly (t part initialised uniform over the classes and
        learnt); they shape the generator but enter no class Gaussian.
        """
        images, labels, k = as_arrays(x, y)
        if labels is None:
            raise ValueError("SCOLA.fit needs labels: fit(dataset) or fit(images, labels)")
        n_unlabelled = 0 if unlabelled is None else len(unlabelled)
        if n_unlabelled != self.config.transductive:
            raise ValueError(f"config.transductive={self.config.transductive} but {n_unlabelled} unlabelled images "
                             "were given: pass unlabelled=<that many test images> (or set transductive=0).")
        if n_unlabelled and self._conditional():
            raise ValueError("A transductive sCOLA needs an unconditional generator (the unlabelled images have no "
                             "class for conditional batch norm): use generator='infogan' or 'dcgan_res'.")
        k = num_classes or k or int(labels.max()) + 1
        if self.config.flip_augment:
            images = np.concatenate([images, images[:, :, ::-1]])
            labels = np.concatenate([labels, labels])
        targets = np.eye(k, dtype=np.float32)[labels]
        if n_unlabelled:
            images = np.concatenate([images, np.asarray(unlabelled, dtype=images.dtype)])
            targets = np.concatenate([targets, np.full((n_unlabelled, k), 1.0 / k, np.float32)])
            labels = np.concatenate([labels, np.full(n_unlabelled, -1, np.int64)])
        codes = init_codes(targets, self.config.latent_dim, self.config.noise_std, self.config.seed,
                           self.config.t_scale)
        return self._fit_codes(images, codes, labels, k, n_labelled=len(labels) - n_unlabelled)


class COLA(LatentGenerativeModel):
    """Unsupervised COLA: t parts from step-I targets, clusters as classes in step III (ch. 3).

    ``fit(x, targets, clusters)`` never uses labels. For class-based scores (CAS, Mix accuracy) of an unsupervised
    model, ``fit(..., labels=y)`` (or :meth:`match_clusters`) additionally stores the Hungarian matching of clusters
    to classes (scipy, on the training contingency table; evaluation only, as for GLO): ``sample`` then takes and
    returns *matched class* ids instead of cluster ids. Every number computed that way must say so.
    """

    name = "COLA"
    cluster_to_class_: np.ndarray | None = None

    def fit(self, x: ImageDataset | np.ndarray, targets: np.ndarray, clusters: np.ndarray,
            labels: np.ndarray | None = None) -> "COLA":
        images, _, _ = as_arrays(x, None)
        targets = np.asarray(targets, dtype=np.float32)
        codes = init_codes(targets, self.config.latent_dim, self.config.noise_std, self.config.seed,
                           self.config.t_scale)
        self._fit_codes(images, codes, np.asarray(clusters, dtype=np.int64), targets.shape[1])
        return self.match_clusters(labels) if labels is not None else self

    def match_clusters(self, labels: np.ndarray) -> "COLA":
        """Store the Hungarian matching of clusters to the true ``labels`` of the training images (scoring only)."""
        labels = np.asarray(labels, dtype=np.int64)
        if len(labels) != len(self.labels_):
            raise ValueError(f"labels must give one class per training image ({len(self.labels_)}), got {len(labels)}")
        self.cluster_to_class_ = match_components_to_classes(self.labels_, labels, self.num_classes_)
        return self

    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, **kwargs: Any
               ) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`LatentGenerativeModel.sample`; after :meth:`match_clusters`, ``classes`` and the returned ids
        are matched classes (only classes whose cluster holds training images can be drawn)."""
        if classes is None:  # the uniform mixture over the non-empty clusters (MMDC may leave a cluster empty)
            images, drawn = super().sample(n, np.unique(self.labels_), **kwargs)
            return images, drawn if self.cluster_to_class_ is None else self.cluster_to_class_[drawn]
        if self.cluster_to_class_ is None:
            return super().sample(n, classes, **kwargs)
        clusters = np.argsort(self.cluster_to_class_)[np.atleast_1d(np.asarray(classes))]
        empty = set(clusters.tolist()) - set(np.unique(self.labels_).tolist())
        if empty:
            raise ValueError(f"classes {sorted(self.cluster_to_class_[list(empty)].tolist())} are matched to "
                             "clusters without training images; they cannot be sampled")
        images, drawn = super().sample(n, clusters, **kwargs)
        return images, self.cluster_to_class_[drawn]

    def _conditional(self) -> bool:
        return False  # no labels in the unsupervised setting

    def _sampler_state(self) -> Any:
        return {"gaussians": super()._sampler_state(), "cluster_to_class": self.cluster_to_class_}

    def _load_sampler(self, state: Any) -> None:
        if "gaussians" not in state:  # saved before the cluster matching existed
            return super()._load_sampler(state)
        super()._load_sampler(state["gaussians"])
        self.cluster_to_class_ = state["cluster_to_class"]

