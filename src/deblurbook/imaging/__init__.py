"""Images and how blur forms: the camera response, frame averaging, motion
kernels (Eq. 12 of the optical-flow paper), warping, image files, metrics,
and the classical restorations every learned model must beat.

Imports only ``core`` of the package; numpy/scipy/scikit-image/torch level.
"""
