"""Networks: one module per paper, plus the shared building blocks in ``blocks``."""
