"""The int8 ONNX Runtime backend: the local sentence-transformers model exported to ONNX and
dynamically quantised for AVX-512 VNNI, made offline from the weights on disk (scripts/setup,
or on first use), never downloaded.

Why not sentence-transformers' own `backend="onnx"` and `export_dynamic_quantized_onnx_model`:
both need `optimum-onnx`, whose only release (0.1.0) requires transformers < 4.58, while
sentence-transformers 6 requires transformers >= 5 (installed alongside, its export fails
to import: `get_parameter_dtype` is gone from transformers 5). So this module does what
they do underneath with the same libraries: torch's ONNX exporter, then onnxruntime's
dynamic quantiser with the settings of sentence-transformers' "avx512_vnni" config (int8
weights, symmetric, per channel; uint8 activations; no reduced range), and at inference the
model's own tokenizer, pooling and normalisation. Vectors are within cosine 0.990 of torch
float32's on the calibration texts (tests/integration/test_onnx_backend.py holds >= 0.98).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

QUANTISED = "model_qint8_avx512_vnni.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxUnavailable(Exception):
    """The ONNX backend cannot run for this model on this machine (the message says why)."""


def pooling_of(model_dir: str) -> str:
    """'mean' or 'cls': the model's pooling, if its modules are ones this backend reproduces
    (Transformer, Pooling, optionally Normalize); else OnnxUnavailable."""
    folder = Path(model_dir)
    try:
        modules = json.loads((folder / "modules.json").read_text())
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"{model_dir} is not a local sentence-transformers model ({exc})") from exc
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailable(f"the ONNX backend handles Transformer + Pooling (+ Normalize) models, not {kinds}")
    config = json.loads((folder / modules[1]["path"] / "config.json").read_text())
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    raise OnnxUnavailable(f"the ONNX backend handles mean or CLS pooling, not {config}")


def export(model_dir: str, out_dir: Path) -> Path:
    """Export and quantise the model into `out_dir` (atomically); return the model file."""
    try:
        import onnx  # noqa: F401  (the exporter and the quantiser both need it)
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise OnnxUnavailable(f"cannot export to ONNX: {exc} (pip install -e '.[onnx]')") from exc
    pooling_of(model_dir)

    class Hidden(torch.nn.Module):  # keyword arguments: BertModel.forward's order changed in transformers 5
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        model = Hidden(AutoModel.from_pretrained(model_dir).eval())
        sample = AutoTokenizer.from_pretrained(model_dir)(["an example", "a second, longer example"],
                                                           padding=True, return_tensors="pt")
        axes = {"batch": 0, "tokens": 1}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter is marked deprecated; it still works
            torch.onnx.export(model, tuple(sample[k] for k in _INPUTS), str(tmp / "model.onnx"),
                              input_names=list(_INPUTS), output_names=["last_hidden_state"],
                              dynamic_axes={n: {v: k for k, v in axes.items()} for n in (*_INPUTS, "last_hidden_state")},
                              opset_version=17, dynamo=False)
        logging.disable(logging.WARNING)  # the quantiser's "consider pre-processing" advice, on the root logger
        try:
            quantize_dynamic(str(tmp / "model.onnx"), str(tmp / QUANTISED), per_channel=True, reduce_range=False,
                             weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
        (tmp / "model.onnx").unlink()  # 90 MB; only the 23 MB int8 model is used
        (tmp / "export.json").write_text(json.dumps({"from": model_dir, "torch": torch.__version__,
                                                     "opset": 17, "quantisation": "dynamic int8, avx512_vnni"}))
        shutil.rmtree(out_dir, ignore_errors=True)
        tmp.rename(out_dir)
    except OnnxUnavailable:
        raise
    except Exception as exc:  # exporter and quantiser fail in many ways; all mean "use torch"
        raise OnnxUnavailable(f"ONNX export of {model_dir} failed: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir / QUANTISED


def ensure_export(model_dir: str, out_dir: Path) -> Path:
    """The quantised model, exported now if it is not there yet."""
    path = out_dir / QUANTISED
    return path if path.is_file() else export(model_dir, out_dir)


class OnnxEncoder:
    """`encode` like sentence-transformers': tokenise (truncated to the model's window),
    run the int8 graph, pool; vectors are normalised by the caller.

    One text per run: dynamic quantisation scales activations per input tensor, so in a
    batch a text's vector depends on its neighbours (measured: cosine 0.988 between a text
    embedded alone and in a batch of 24), and a query (always alone) would be quantised
    unlike the passages. Texts come sorted by length, so batching saved only padding, and
    runs of one were as fast as batches of 32 here (`python -m ingest --calibrate` times this path).
    """

    def __init__(self, model_dir: str, out_dir: Path, tokenizer: Callable[[], Any], max_tokens: Callable[[], int]):
        """`tokenizer` and `max_tokens` are asked for once the model is known to be usable."""
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise OnnxUnavailable("onnxruntime is not installed (pip install -e '.[onnx]')") from exc
        self.pooling = pooling_of(model_dir)
        path = ensure_export(model_dir, out_dir)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # no per-session info lines
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.wanted = [i.name for i in self.session.get_inputs()]
        self.tokenizer = tokenizer()
        self.max_tokens = max_tokens()

    def encode(self, texts: Sequence[str], batch_size: int = 1) -> np.ndarray:
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_tokens)
        out = np.empty((len(texts), 0), dtype=np.float32)
        rows = []
        for i in range(len(texts)):
            feed = {name: np.asarray([enc[name][i]], dtype=np.int64) for name in self.wanted}
            hidden = self.session.run(None, feed)[0][0]  # (tokens, dim): no padding, every token counts
            rows.append(hidden[0] if self.pooling == "cls" else hidden.mean(axis=0))
        return np.vstack(rows).astype(np.float32) if rows else out
