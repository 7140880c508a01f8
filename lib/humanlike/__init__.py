"""humanlike: a living version of Geirhos et al. (2020), "On the surprising similarities between
supervised and self-supervised models", built on the public model-vs-human data."""

__version__ = "0.1.0"
