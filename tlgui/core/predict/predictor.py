"""Top-k prediction with a trained Classifier: one image, many paths, or whole folders.

Many photos go through extraction's pipeline (``decoded_batches``): a small thread pool decodes a
few batches ahead (Pillow releases the GIL; JPEGs decode in draft mode at reduced scale) while the
network runs the current one, with the same precision and memory format as extraction
(``InferenceSettings.forward_uint8``). A photo that cannot be read becomes a ``Prediction`` with
``error`` set, so one bad file never stops a folder of thousands.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import nn

from tlgui.core.data.images import image_suffix_kind, opened_image_rgb
from tlgui.core.data.items import SkippedFile
from tlgui.core.data.walk import walk_photos
from tlgui.core.errors import ImageDecodeError, ModelFileError
from tlgui.core.i18n import _
from tlgui.core.models.classifier import Classifier
from tlgui.core.progress import CancelToken, Phase, ProgressFn, RateMeter
from tlgui.core.runtime.folding import folded_for_inference, worth_folding
from tlgui.core.runtime.inference import InferenceSettings, torch_threads
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, decoded_batches


@dataclass
class Prediction:
    """The ``top`` (class, probability) pairs for one image, best first; or ``error`` if unreadable."""

    path: Path | None
    top: list[tuple[str, float]]
    error: str | None = None

    @property
    def label(self) -> str | None:
        return self.top[0][0] if self.top else None

    @property
    def probability(self) -> float | None:
        return self.top[0][1] if self.top else None


class Predictor:
    """Runs a Classifier on photos, in eval mode, on the chosen device; many photos run through a copy
    with its batch norms folded (``network_for``).

    On a GPU it runs a copy of the classifier's network: a project (and the window's other threads:
    a save, the best model so far being copied) holds that classifier on the CPU, and moving its
    network in place would leave it on the GPU, or half there while another thread reads it.
    """

    def __init__(self, classifier: Classifier, device: str = "auto", *, mixed_precision: bool = True):
        self.classifier = classifier
        self.settings = InferenceSettings.choose(device, mixed_precision=mixed_precision)
        network = classifier.network
        if self.settings.device.type != "cpu":
            network = copy.deepcopy(network)
        self.network = self.settings.prepare(network).eval()
        self._recipe = ViewRecipe(classifier.preprocessing)
        self._folded: nn.Module | None = None
        self._folding = threading.Lock()

    def network_for(self, photos: int) -> nn.Module:
        """The network ``photos`` photos run through: from ``FOLD_FROM_PHOTOS`` on, a copy made once
        with its batch norms folded into their convolutions (the same predictions, faster:
        ``runtime.folding``), else the classifier's own (the copy would cost more than it saves)."""
        if not worth_folding(photos):
            return self.network
        with self._folding:
            if self._folded is None:
                self._folded = folded_for_inference(self.network, self.classifier.preprocessing.input_size)
            return self._folded

    @property
    def class_names(self) -> list[str]:
        return self.classifier.class_names

    def top_count(self, top_k: int = 3) -> int:
        """How many (class, probability) pairs ``top_k`` gives each readable photo: the output's
        columns, known before the first photo is read."""
        return max(1, min(int(top_k), len(self.class_names)))

    def predict_image(self, image: Image.Image | Path | str, top_k: int = 3) -> Prediction:
        """Predict one image, given as a file path or an already opened PIL image (read as a file is:
        EXIF orientation applied, transparency on white; a damaged one is a Prediction's error)."""
        if isinstance(image, Image.Image):
            try:
                rgb = opened_image_rgb(image)
            except ImageDecodeError as exc:
                return Prediction(None, [], error=exc.reason)
            tensor = self.classifier.preprocessing.eval_uint8(rgb)
            with self._single_image_threads():
                return self._predict_batch(tensor.unsqueeze(0), [None], top_k)[0]
        with self._single_image_threads():
            return self.predict_paths([Path(image)], top_k=top_k, batch_size=1)[0]

    def _single_image_threads(self) -> contextlib.AbstractContextManager:
        # One photo: one thread is as fast on an idle CPU and far steadier on a busy one
        # (measured 29-32 ms vs 30 ms-1.7 s per call with two threads under load).
        if self.settings.device.type == "cpu":
            return torch_threads(1)
        return contextlib.nullcontext()

    def predict_paths(
        self,
        paths: Iterable[Path | str],
        top_k: int = 3,
        batch_size: int = 32,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> list[Prediction]:
        """One Prediction per path, in the same order. Raises ``Cancelled`` if ``cancel`` is set, and
        ``ModelFileError`` if the model computes NaN or infinity (``_predict_batch``).

        Progress is reported in phase ``"predict"``; Stop is noticed before each batch's forward pass.
        """
        batches = self.predict_batches(paths, top_k, batch_size, progress=progress, cancel=cancel)
        return [prediction for batch in batches for prediction in batch]

    def predict_batches(
        self,
        paths: Iterable[Path | str],
        top_k: int = 3,
        batch_size: int = 32,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[list[Prediction]]:
        """``predict_paths`` batch by batch: each batch's predictions as soon as it is done, in order.

        A window shows the first photos while the rest are still decoding. Progress is reported
        before each batch is handed out. Once ``cancel`` is set, ``Cancelled`` is raised before the
        next forward pass, even while that batch is still decoding; that and closing the generator
        early drop the decodes queued ahead (a few batches: memory never holds the whole folder).
        """
        requests = [ViewRequest(Path(p)) for p in paths]
        network = self.network_for(len(requests))  # before decoding starts (``compute_activations``)
        size = max(1, batch_size)
        meter = RateMeter(Phase.PREDICT, len(requests), progress)
        meter.update(0, _("Predicting"), force=True)
        done = 0
        batches = decoded_batches(requests, self._recipe.make, size, self.settings.decode_workers, cancel=cancel)
        try:
            for good, batch, failures in batches:
                # decoded_batches yields batches in order, so this batch is the next slice of requests.
                chunk = requests[done : done + size]
                predictions = self._batch_predictions(network, chunk, good, batch, failures, top_k)
                done += len(chunk)
                meter.update(done, _("Predicting"))
                yield predictions
        finally:
            batches.close()  # cancels decodes queued ahead when stopped early

    def predict_folder(self, folder: Path | str, **kwargs) -> list[Prediction]:
        """Every supported image under ``folder`` (recursive, sorted); same options as predict_paths."""
        return self.predict_paths(collect_images([Path(folder)]), **kwargs)

    # ---- internals ----------------------------------------------------------------------------
    def _batch_predictions(
        self,
        network: nn.Module,
        chunk: Sequence[ViewRequest],
        good: list[ViewRequest],
        batch: torch.Tensor | None,
        failures: list[ImageDecodeError],
        top_k: int,
    ) -> list[Prediction]:
        """Predictions for one batch of requests in request order, failures included."""
        decoded = self._predict_batch(batch, [r.path for r in good], top_k, network) if batch is not None else []
        by_request = {id(r): p for r, p in zip(good, decoded, strict=True)}
        reasons = {f.path: f.reason for f in failures}
        return [
            by_request.get(id(r)) or Prediction(r.path, [], error=reasons.get(r.path, "cannot be read"))
            for r in chunk
        ]

    def _predict_batch(
        self, batch_uint8: torch.Tensor, paths: Sequence[Path | None], top_k: int, network: nn.Module | None = None,
    ) -> list[Prediction]:
        """Softmax top-k for a uint8 Bx3xHxW batch, normalised on the device (through ``network``,
        default the classifier's own).

        Never hands out a probability that is not a finite number: logits that overflowed (NaN or
        infinity) are computed again in fp32 through the classifier's own network, as reduced
        precision (fp16 on a GPU) or the folded copy can overflow where it does not; when even that
        is not finite, the model itself computes nonsense (finite weights can still overflow: a head
        of 3e38s) and ModelFileError says so, the same kind of refusal as for its file's NaN weights.
        """
        k = self.top_count(top_k)
        network = self.network if network is None else network
        # Eval every call: someone may have put the shared network back in train mode meanwhile.
        network.eval()
        logits = self.settings.forward_uint8(network, batch_uint8, self.classifier.preprocessing)
        if not bool(torch.isfinite(logits).all()):
            logits = self._fp32_logits(batch_uint8, network)
        probs = torch.softmax(logits.float(), dim=1)
        values, indices = probs.topk(k, dim=1)
        names = self.class_names
        return [
            Prediction(path, [(names[j], float(v)) for v, j in zip(vals.tolist(), idx.tolist(), strict=True)])
            for path, vals, idx in zip(paths, values.cpu(), indices.cpu(), strict=True)
        ]

    def _fp32_logits(self, batch_uint8: torch.Tensor, first: nn.Module) -> torch.Tensor:
        """The batch's logits again, in fp32 through the classifier's own network, after ``first``
        gave some that are not finite; ModelFileError when these are not either, or when that is
        exactly how the first pass ran."""
        logits = None
        if first is not self.network or self.settings.autocast_dtype is not None:
            self.network.eval()
            with torch.inference_mode():
                logits = self.network(self.settings.network_input(batch_uint8, self.classifier.preprocessing))
        if logits is None or not bool(torch.isfinite(logits).all()):
            raise ModelFileError(_(
                "The model cannot be used: it computes NaN or infinity instead of probabilities, so its "
                "predictions would be meaningless; its weights are damaged or unusable. Train it again, "
                "or use another model."
            ))
        return logits


def collect_images(paths: Iterable[Path | str], skipped: list[SkippedFile] | None = None) -> list[Path]:
    """Files and folders -> image paths, in the order given (each folder's photos sorted), each
    once; folders are walked as the intake walks them. The folders inside that cannot be listed, or
    that the walk does not enter (a link to a folder holding the one given, a system folder), go to
    ``skipped``, with the reason, when it is given.

    Inside folders, files with an image suffix are taken, read or not (a HEIC photo gets a
    prediction saying "unsupported format (HEIC)", as training lists it, instead of vanishing), and
    hidden files (``.DS_Store``, macOS ``._x`` copies) are ignored. A photo-named pipe or device is
    kept, never opened here, so that its prediction says why it cannot be read. A file named
    explicitly is kept whatever its suffix, so the user gets a prediction saying why it cannot be
    read instead of silence.
    """
    found: dict[Path, None] = {}  # ordered: the user's order is the output's
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            walk = walk_photos(path)
            if skipped is not None:
                skipped.extend(walk.folders_left_out)
            names = walk.files + [str(entry.path) for entry in walk.not_files]
            found.update(dict.fromkeys(sorted(Path(name) for name in names if _is_predictable(name))))
        else:
            found.setdefault(path)
    return list(found)


def _is_predictable(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(".") and image_suffix_kind(name) in ("supported", "unsupported")
