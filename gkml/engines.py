"""The engines: every labeller gkml can read reports with, in one registry.

An engine turns a report's normalised text into labelled spans (``labeller(text) ->
list[Span]``, with an optional batched ``labeller.label_many(texts)``); assembly and the
checks are shared, so engines differ only in labelling. Every caller — the CLI (its
``--engine`` choices and defaults), the Label Studio tasks and ML backend, Ray, the
benchmarks — gets its engine and the engine's name from here, so a record, a
pre-annotation and a benchmark row name the same engine the same way.

- ``rules``: the rule labeller (:mod:`gkml.rules`), no model;
- ``model`` (the default): a trained token classifier (:mod:`gkml.model.predictor`), by
  default the one shipped in ``models/gkml-fast`` (a half-width student of
  ``models/gkml-small``, which reads real reports as well and takes half the time: its model
  card), run by ONNX Runtime (or torch: :mod:`gkml.model.loader`);
- ``hybrid``: the model's spans plus the rule spans as fallback candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gkml.labels import Span

Labeller = Callable[[str], list[Span]]
DEFAULT_ENGINE = "model"
DEFAULT_MODEL = "models/gkml-fast"
RULES_PRIOR = 0.8  # a rule span in the hybrid engine: only a model span surer than this outranks it


def rules_labeller(**_: Any) -> Labeller:
    from gkml.rules import label

    return label


def model_labeller(model_dir: str | Path | None = None, **opts: Any) -> Labeller:
    """The model engine: a predictor (:mod:`gkml.model.predictor`, batched ``label_many``).
    ``opts``: ``backend`` (``auto``: ONNX Runtime when the model directory has a
    ``model.onnx``, else torch; or ``onnx``, ``torch``), ``batch_size``, ``quantize``,
    ``threads``. Loaded once per process and options. Raises ValueError (with what to do)
    when ``model_dir`` holds no trained model."""
    from gkml.model.loader import load_predictor

    return load_predictor(resolve_model_dir(model_dir), **opts)


class HybridLabeller:
    """The model's spans plus the rule baseline's, for assembly to choose from.

    Rule spans join as candidates with score :data:`RULES_PRIOR`: where the model is sure
    (and the identities agree) its reading wins; where it found nothing, or a reading that
    breaks an identity the rule reading satisfies, the rules win. Facts are the model's,
    plus the rule facts that overlap none of them (so no count is listed twice)."""

    def __init__(self, model: Labeller):
        from gkml.rules import label

        self.model, self.rules = model, label
        self.version = f"{getattr(model, 'version', 'model')}+rules"

    def __call__(self, text: str) -> list[Span]:
        return self.label_many([text])[0]

    def label_many(self, texts: list[str]) -> list[list[Span]]:
        return [self.merge(m, self.rules(t)) for t, m in zip(texts, label_many(self.model, texts), strict=True)]

    @staticmethod
    def merge(model: list[Span], rules: list[Span]) -> list[Span]:
        facts = [(s.start, s.end) for s in model if s.label.startswith("FACT.")]
        out = list(model)
        for s in rules:
            if s.label.startswith("FACT.") and any(a < s.end and s.start < b for a, b in facts):
                continue
            out.append(Span(s.start, s.end, s.label, min(s.score, RULES_PRIOR)))
        return sorted(out, key=lambda s: (s.start, s.end, s.label))


def hybrid_labeller(model_dir: str | Path | None = None, **opts: Any) -> Labeller:
    """The model engine with the rule spans as fallback candidates (:class:`HybridLabeller`)."""
    return HybridLabeller(model_labeller(model_dir, **opts))


@dataclass(frozen=True)
class Engine:
    """A registered engine: how to build its labeller, and what the user is told about it."""

    factory: Callable[..., Labeller]
    help: str
    uses_model: bool


ENGINES: dict[str, Engine] = {
    "model": Engine(model_labeller, "the trained token classifier (default)", uses_model=True),
    "rules": Engine(rules_labeller, "the rule baseline, no model", uses_model=False),
    "hybrid": Engine(hybrid_labeller, "the model with the rule spans as fallback candidates", uses_model=True),
}


def resolve_model_dir(model: str | Path | None = None) -> Path:
    """The model directory: as given, and for the default (:data:`DEFAULT_MODEL`) also the one
    of this checkout when the working directory has none (``gkml`` run from elsewhere)."""
    path = Path(model or DEFAULT_MODEL)
    if str(model or DEFAULT_MODEL) == DEFAULT_MODEL and not path.exists():
        here = Path(__file__).resolve().parents[1] / DEFAULT_MODEL
        if here.exists():
            return here
    return path


def get_labeller(engine: str = DEFAULT_ENGINE, model: str | Path | None = None, **opts: Any) -> Labeller:
    """The labeller of an engine; ``model`` is the model directory of an engine that uses one,
    ``opts`` its options (``backend``, ``batch_size``, ``quantize``, ``threads``; ignored by the rules)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    spec = ENGINES[engine]
    return spec.factory(model, **opts) if spec.uses_model else spec.factory()


def engine_name(engine: str, labeller: Labeller) -> str:
    """What records, pre-annotations and benchmarks name as the engine: ``rules``, or
    ``model:<model dir name>``, ``hybrid:<model dir name>+rules``."""
    version = getattr(labeller, "version", None)
    return f"{engine}:{version}" if engine != "rules" and version else engine


def label_many(labeller: Labeller, texts: Sequence[str]) -> list[list[Span]]:
    """The batched path when the labeller has one, else one text at a time."""
    batched = getattr(labeller, "label_many", None)
    return batched(list(texts)) if batched is not None else [labeller(t) for t in texts]
