"""colalib: reference reproduction of COLA (Clustered Optimization of LAtent space).

COLA is a non-adversarial generative model for small data (see ``../shared/papers`` and README):
  step I   cluster the data onto K targets on the unit sphere (``colalib.clustering``),
  step II  train a generator jointly with per-image latent codes (``colalib.latent``),
  step III fit one Gaussian per cluster in latent space and sample (``colalib.sampling``).
sCOLA replaces step I by the labels (``colalib.cola.SCOLA``).

Conventions used across the package
  * images in datasets: ``uint8`` arrays ``(N, H, W, 3)``; in models: float tensors ``(N, 3, H, W)``
    in ``[-1, 1]`` (``colalib.data.to_tensor`` / ``to_uint8``);
  * every experiment has one config dataclass (``colalib.config``) with profiles smoke/quick/paper;
  * expensive results are cached by config hash (``colalib.cache``), written atomically.
"""
__version__ = "0.1.0"
