"""deblurbook: the package behind *Deblurring, reproduced*.

Layered from the ground up; a layer imports only the layers below it:

    core      paths, atomic writes, results files, profiles, device, seeding
    imaging   image formation, warping, image files, metrics, classical baselines
    data      the scene engine and its content, data sets, test sets, loaders   (with nn)
    nn        shared blocks, the spatially variant RNN scan, losses              (with data)
    models    one module per paper's network
    training  the trainer, evaluation, the experiment registry                  (with book)
    book      runner, renderer, TOC, statistics, figures, widgets, timing        (with training)
    chapters  one module per chapter: budgets, experiments, paper numbers, tables, claims

``python -m deblurbook`` is the command line (reproduce, render, train).
"""

__version__ = "0.1.0"
