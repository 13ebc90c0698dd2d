"""The book's machinery: the table of contents, the papermill runner, the
Jupyter Book renderer, statistics and verdicts, figures, widgets, tables and
timing helpers.

Imports ``core``, ``imaging``, ``data``, ``nn`` and ``models``; never
``training`` or ``chapters`` (chapters use the book, not the other way round).
"""
