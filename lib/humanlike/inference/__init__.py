"""The inference stage, the only part of the package that imports torch: models -> decisions -> trial files.

* :mod:`.models` (model specs -> torch module + preprocessing), :mod:`.weights` (checkpoints: sources, downloads,
  checks), :mod:`.zoo` (the zoo as a table for ``humanlike models``);
* :mod:`.stimuli` (the images of a dataset), :mod:`.loading` (decoding them in batches);
* :mod:`.decisions` (1,000 ImageNet logits -> the 16-class decision), :mod:`.run` (one model on one or more
  datasets: :func:`humanlike.inference.run.evaluate`), :mod:`.outputs` (the files a run writes);
* :mod:`.runs` (several models, in turn or on Dask workers, one at a time per GPU).
"""
