"""Where things live: the repository, its results, its build tree and the
bundled real samples.

The package is installed editable from a checkout, so the repository root is
found from this file. ``DEBLURBOOK_ROOT`` overrides it (a copied tree) and
``DEBLURBOOK_REAL_DATA`` the folder of real samples (``data/real`` in the
repository by default). Nothing here looks outside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout's top folder (the one holding ``_toc.yml``)."""
    env = os.environ.get("DEBLURBOOK_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_toc.yml").is_file() and (parent / "pyproject.toml").is_file():
            return parent
    raise FileNotFoundError(
        f"no repository root (a folder with _toc.yml and pyproject.toml) above {here}; "
        "install the package editable from a checkout or set DEBLURBOOK_ROOT"
    )


def real_data_dir() -> Path:
    """The bundled real evaluation samples (GoPro crops, REDS clips, Levin kernels):
    ``data/real`` in the repository, or ``DEBLURBOOK_REAL_DATA``."""
    env = os.environ.get("DEBLURBOOK_REAL_DATA")
    return Path(env).resolve() if env else repo_root() / "data" / "real"


def results_dir(profile: str, chapter: str | None = None) -> Path:
    """``results/<profile>[/<chapter>]`` under the repository root."""
    path = repo_root() / "results" / profile
    return path / chapter if chapter else path


def build_dir() -> Path:
    """``_build`` under the repository root: executed notebooks, HTML, screenshots."""
    return repo_root() / "_build"
