"""Training the token classifier, off the inference path (nothing that reads reports imports it):

- :mod:`~gkml.training.configfile` — YAML configs read, merged and checked one way (both configs);
- :mod:`~gkml.training.config`     — the training config: schema and value checks;
- :mod:`~gkml.training.data`       — reports with spans → tagged windows, and the data sources;
- :mod:`~gkml.training.train`      — the Hugging Face Trainer run and its entity scores;
- :mod:`~gkml.training.synth`      — the synthetic report generator.
"""
