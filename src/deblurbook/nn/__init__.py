"""Building blocks shared by several papers' networks: blocks and padding,
the spatially variant RNN scan, losses (small modules with their weights).

Imports ``core`` and ``imaging`` of the package; knows nothing of models,
training, chapters or the book.
"""
