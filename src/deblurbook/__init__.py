"""deblurbook: the package behind *Deblurring, reproduced*.

Every notebook of the book imports from here; nothing a notebook shows is
defined in the notebook itself. See ``deblurbook.profiles`` for the budgets
(``smoke``, ``small``, ``paper``) and ``python -m deblurbook.reproduce`` for
running the whole book.
"""

__version__ = "0.1.0"
