"""nbval over the notebooks, a chapter per pytest-xdist worker (``-n N --dist loadgroup``):
a chapter's notebooks run in order on one worker (later ones read what earlier ones wrote)."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        chapter = item.path.parent.name
        if chapter.startswith("ch"):
            item.add_marker(pytest.mark.xdist_group(chapter))
