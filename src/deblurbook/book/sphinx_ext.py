"""A small Sphinx extension for the rendered book (listed in ``_config.yml``).

* MathJax from the built site, not from a CDN: the MathJax 3 files of the
  pinned PyPI package ``django-static-mathjax`` (importable as ``mathjax``;
  no Django needed) are copied to ``_static/mathjax/es5``, and
  ``mathjax_path`` points there, so equations render with no network.
* Each inline script is emitted once per page: Jupyter Book 1.x registers
  sphinx-thebe's configuration script twice, which the browser reports as an
  error (``THEBE_JS_URL`` declared twice).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

# the MathJax components a page loads: the TeX-to-HTML bundle, its fonts,
# the TeX extensions it loads on demand, and its menu
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui")
MATHJAX_PATH = "mathjax/es5/tex-chtml.js"


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed MathJax package."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the MathJax package (django-static-mathjax) is not installed")
    return Path(spec.submodule_search_locations[0]) / "static" / "mathjax" / "es5"


def copy_mathjax(destination: Path) -> Path:
    """Copy the parts of MathJax a page needs to ``destination/mathjax/es5``."""
    source, target = mathjax_source(), destination / "mathjax" / "es5"
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    return target


def _copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        copy_mathjax(Path(app.outdir) / "_static")


def _point_mathjax_here(app, config) -> None:
    config.mathjax_path = MATHJAX_PATH


def _one_of_each_script(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None or "" depending on who added it
        key = (getattr(script, "filename", None) or None, getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("config-inited", _point_mathjax_here)
    app.connect("html-page-context", _one_of_each_script, priority=900)  # after every handler that adds scripts
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
