"""Networks: one module per paper, named after its method, holding the
paper's modules (classes named as in the paper), its variants and its own
named loss; plus ``unet``, the book's generic baseline.

Imports ``core``, ``imaging`` and ``nn``; never ``data``, ``training``,
``chapters`` or ``book``.
"""
