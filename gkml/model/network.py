"""The token-classification model: built for training, loaded for prediction.

Kept apart from :mod:`gkml.training.train` so the predictor can load a model without importing
the training stack (Trainer, datasets, seqeval).
"""

from __future__ import annotations

from pathlib import Path

from gkml.labels import ID2LABEL, LABEL2ID, TAGS


def check_checkpoint(model_cfg, window_cfg) -> None:
    """Fail before any data work when ``init_from`` is not a local checkpoint or its
    position table is shorter than a window."""
    from transformers import AutoConfig

    path = Path(model_cfg.init_from)
    if not (path / "config.json").is_file():
        raise ValueError(f"model.init_from: {path} is not a local Hugging Face checkpoint (no config.json)")
    positions = getattr(
        AutoConfig.from_pretrained(path, local_files_only=True), "max_position_embeddings", None
    )
    if positions is not None and positions < window_cfg.max_length:
        raise ValueError(
            f"windowing.max_length ({window_cfg.max_length}) exceeds the checkpoint's "
            f"max_position_embeddings ({positions})"
        )


def build_model(model_cfg, window_cfg, tokenizer):
    """A token classifier (``model.arch``) of the configured size with fresh weights, or the local
    checkpoint ``init_from`` with a new classification head for gkml's labels.

    The window recipe is stored in the model's config (``window_max_length``,
    ``window_stride``) so the predictor reads reports the way the model was trained, and
    ``cell_ordinals: true`` says the model reads :func:`gkml.training.data.cell_ordinals` as its
    ``token_type_ids`` (a checkpoint's two segment embeddings grow to that many rows).
    """
    import torch
    from transformers import AutoModelForTokenClassification, BertConfig, RoFormerConfig

    from gkml.model.features import TYPE_VOCAB

    if model_cfg.init_from:
        check_checkpoint(model_cfg, window_cfg)
        model = AutoModelForTokenClassification.from_pretrained(
            model_cfg.init_from,
            num_labels=len(TAGS),
            id2label=ID2LABEL,
            label2id=LABEL2ID,
            ignore_mismatched_sizes=True,
            local_files_only=True,
        )
        embeddings = getattr(model.base_model, "embeddings", None)
        old = getattr(embeddings, "token_type_embeddings", None)
        if old is None:
            raise ValueError(f"model.init_from: {model_cfg.init_from} has no token type embeddings to carry cell ordinals")
        if old.num_embeddings < TYPE_VOCAB:
            new = torch.nn.Embedding(TYPE_VOCAB, old.embedding_dim).to(old.weight.device, old.weight.dtype)
            with torch.no_grad():
                new.weight.copy_(old.weight[0].expand_as(new.weight))  # every ordinal starts as segment 0
                new.weight[: old.num_embeddings] = old.weight
            embeddings.token_type_embeddings = new
            model.config.type_vocab_size = TYPE_VOCAB
    else:
        config_class = {"bert": BertConfig, "roformer": RoFormerConfig}[model_cfg.arch]
        config = config_class(
            vocab_size=len(tokenizer),
            hidden_size=model_cfg.hidden,
            num_hidden_layers=model_cfg.layers,
            num_attention_heads=model_cfg.heads,
            intermediate_size=model_cfg.ffn,
            max_position_embeddings=model_cfg.max_positions or window_cfg.max_length,
            type_vocab_size=TYPE_VOCAB,
            hidden_dropout_prob=model_cfg.dropout,
            attention_probs_dropout_prob=model_cfg.dropout,
            pad_token_id=tokenizer.pad_token_id,
            num_labels=len(TAGS),
            id2label=ID2LABEL,
            label2id=LABEL2ID,
        )
        model = AutoModelForTokenClassification.from_config(config)
    model.config.cell_ordinals = True
    model.config.window_max_length = window_cfg.max_length
    model.config.window_stride = window_cfg.stride
    return model


def load_model(model_dir: str | Path, device: str | None = None):
    """``(tokenizer, model)`` of a trained model directory, the model in eval mode.

    The labels are the model's own (``model.config.id2label``), which may be older than
    :mod:`gkml.labels`; the window recipe is ``model.config.window_max_length`` and
    ``window_stride`` (absent in foreign checkpoints: fall back to 512 / 128).
    """
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ValueError(
            f"{model_dir}: not a model directory (no config.json); train one with `gkml train CONFIG`"
        )
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True)
    model.eval()
    if device:
        model.to(device)
    return tokenizer, model
