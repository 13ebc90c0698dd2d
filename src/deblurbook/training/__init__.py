"""Training: the shared trainer (checkpoints, resume, AMP, DDP), evaluation on
test sets, and the experiment registry that discovers the chapters' named
experiments.

Imports ``core``, ``imaging``, ``data``, ``nn`` and ``models``; finds the
chapters' experiments by discovery, never by importing a chapter by name.
"""
