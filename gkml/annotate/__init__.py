"""The annotation loop with Label Studio: reports go out as pre-annotated tasks, people
correct them, the exports come back checked as training records.

- :mod:`gkml.annotate.config`: the labelling config generated from :mod:`gkml.labels`
  (label groups, colours, hotkeys) and the names tasks and regions use;
- :mod:`gkml.annotate.tasks`: import tasks with pre-annotations (regions, task score);
- :mod:`gkml.annotate.export`: the one reader of Label Studio exports (which annotation,
  every region checked), used by ``gkml ls convert`` and by training alike;
- :mod:`gkml.annotate.client`: the server through the SDK (connect, push, pull);
- :mod:`gkml.annotate.backend`: the ML backend ``gkml ls serve`` (routes, labelling workers);
- :mod:`gkml.annotate.server`: its HTTP server (waitress): limits, deadlines, basic auth.

Exports → a training dataset on disk is :mod:`gkml.training.annotations`: training reads
this package, never the other way round.
"""
