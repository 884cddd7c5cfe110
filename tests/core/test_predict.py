"""Prediction: generated photos of every format, a corrupt one, folders, top-k, progress, stop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from tlgui.core.backbones import create_backbone, get_spec
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.data.images import load_rgb
from tlgui.core.errors import Cancelled, ModelFileError
from tlgui.core.models.classifier import Classifier
from tlgui.core.predict.predictor import Prediction, Predictor, collect_images
from tlgui.core.progress import CancelToken
from tlgui.core.resources import demo_dir
from tlgui.core.runtime.folding import FOLD_FROM_PHOTOS

CLASSES = ["cat", "dog", "bird", "fish"]
FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF", "tif": "TIFF"}


def _tiny_classifier() -> Classifier:
    """A real StagedNetwork small enough that weights and speed do not matter."""
    torch.manual_seed(0)
    net = StagedNetwork(
        [
            ("stem", nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.BatchNorm2d(8), nn.ReLU())),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(8, len(CLASSES))),
        ],
        backbone_id="tiny",
    )
    return Classifier(net.eval(), list(CLASSES), "tiny", Preprocessing(input_size=32, resize_size=40))


@pytest.fixture()
def predictor() -> Predictor:
    return Predictor(_tiny_classifier(), device="cpu", mixed_precision=False)


def _photo(seed: int, size=(64, 48)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


@pytest.fixture()
def photo_folder(tmp_path) -> Path:
    """One photo per format (plus RGBA and greyscale), a corrupt file and an empty one."""
    folder = tmp_path / "照片 folder"
    (folder / "sub dir").mkdir(parents=True)
    for i, (suffix, fmt) in enumerate(FORMATS.items()):
        _photo(i).save(folder / f"img{i}.{suffix}", fmt)
    _photo(10).convert("RGBA").save(folder / "sub dir" / "alpha.png")
    _photo(11).convert("L").save(folder / "sub dir" / "grey.jpg")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg" * 10)
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.jpg").write_bytes(b"")
    return folder


def _expected_probs(classifier: Classifier, path: Path) -> torch.Tensor:
    """The plain, unbatched computation the Predictor must reproduce."""
    prep = classifier.preprocessing
    x = prep.normalize(prep.eval_uint8(load_rgb(path, min_size=prep.resize_size)).unsqueeze(0))
    with torch.inference_mode():
        return torch.softmax(classifier.network(x), dim=1)[0]


# ---- collecting -----------------------------------------------------------------------------------
def test_collect_images_is_recursive_sorted_and_filtered(photo_folder):
    found = collect_images([photo_folder])
    names = [p.name for p in found]
    assert found == sorted(found)
    assert "notes.txt" not in names and ".hidden.jpg" not in names
    assert {"alpha.png", "grey.jpg", "corrupt.jpg", "empty.png"} <= set(names)
    assert len(found) == len(FORMATS) + 4


def test_collect_images_keeps_named_files_once(photo_folder):
    named = photo_folder / "notes.txt"
    found = collect_images([named, photo_folder, photo_folder / "img0.jpg"])
    assert named in found  # named explicitly: predicted, and told why it cannot be read
    assert len(found) == len(set(found)) == len(FORMATS) + 5


def test_collect_images_keeps_the_order_given(photo_folder):
    last, first = sorted(photo_folder.glob("*.png"))[:2]
    found = collect_images([first, last, first, photo_folder])
    assert found[:2] == [first, last]  # as named, each once
    assert found[2:] == sorted(found[2:])  # then the folder's other photos, sorted


def test_a_heic_photo_in_a_folder_is_predicted_as_unreadable_not_left_out(predictor, tmp_path):
    """Training lists it as skipped, "unsupported format (HEIC)"; prediction said nothing at all."""
    folder = tmp_path / "phone"
    folder.mkdir()
    _photo(1).save(folder / "a.jpg")
    (folder / "b.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    (folder / "notes.txt").write_text("not a photo")
    found = collect_images([folder])
    assert [p.name for p in found] == ["a.jpg", "b.heic"]
    results = {r.path.name: r.error for r in predictor.predict_paths(found)}
    assert results["a.jpg"] is None and "unsupported format (HEIC)" in results["b.heic"]


# ---- predicting -----------------------------------------------------------------------------------
def test_every_format_predicts_and_bad_files_report_errors(predictor, photo_folder):
    paths = collect_images([photo_folder])
    results = predictor.predict_paths(paths, top_k=2, batch_size=3)

    assert [r.path for r in results] == paths
    failed = {r.path.name: r.error for r in results if r.error}
    assert set(failed) == {"corrupt.jpg", "empty.png"}
    assert all(isinstance(reason, str) and reason for reason in failed.values())
    for r in results:
        if r.error:
            assert r.top == [] and r.label is None and r.probability is None
        else:
            assert len(r.top) == 2 and r.label in CLASSES
            expected = _expected_probs(predictor.classifier, r.path)
            assert r.probability == pytest.approx(float(expected.max()), abs=1e-5)


def test_batch_size_does_not_change_results(predictor, photo_folder):
    paths = collect_images([photo_folder])
    one = predictor.predict_paths(paths, batch_size=1)
    many = predictor.predict_paths(paths, batch_size=64)
    assert [(r.path, r.error, r.label) for r in one] == [(r.path, r.error, r.label) for r in many]
    for a, b in zip(one, many, strict=True):
        assert [p for _, p in a.top] == pytest.approx([p for _, p in b.top], abs=1e-5)


@pytest.mark.parametrize(("top_k", "expected"), [(1, 1), (3, 3), (4, 4), (10, 4), (0, 1)])
def test_top_k_is_clipped_sorted_and_sums_to_at_most_one(predictor, photo_folder, top_k, expected):
    result = predictor.predict_image(photo_folder / "img0.jpg", top_k=top_k)
    probs = [p for _, p in result.top]
    assert len(result.top) == expected
    assert probs == sorted(probs, reverse=True)
    assert len({name for name, _ in result.top}) == expected
    assert 0.0 < sum(probs) <= 1.0 + 1e-6
    if expected == len(CLASSES):
        assert sum(probs) == pytest.approx(1.0, abs=1e-5)


def test_predict_image_accepts_pil_images_and_paths(predictor, photo_folder):
    path = photo_folder / "img1.png"
    from_file = predictor.predict_image(path)
    from_pil = predictor.predict_image(Image.open(path))
    assert from_file.path == path and from_pil.path is None
    assert from_file.label == from_pil.label
    assert from_file.probability == pytest.approx(from_pil.probability, abs=1e-5)


def test_an_opened_pil_image_is_read_as_its_file_is(predictor, tmp_path):
    """EXIF orientation applied, and a truncated file an error in the prediction, not OSError."""
    pixels = np.random.default_rng(2).integers(0, 256, (60, 90, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    rotated = tmp_path / "rotated.png"
    Image.fromarray(pixels).save(rotated, exif=exif.tobytes())
    from_file, from_pil = predictor.predict_image(rotated), predictor.predict_image(Image.open(rotated))
    assert from_file.probability == pytest.approx(from_pil.probability, abs=1e-5)
    unrotated = predictor.predict_image(Image.fromarray(pixels))
    assert unrotated.probability != pytest.approx(from_pil.probability, abs=1e-5)
    whole = tmp_path / "whole.jpg"
    Image.fromarray(pixels).save(whole, quality=90)
    cut = tmp_path / "cut.jpg"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    failed = predictor.predict_image(Image.open(cut))
    assert failed.label is None and failed.error == "truncated file"


def test_unreadable_single_image_is_a_prediction_not_an_exception(predictor, photo_folder, tmp_path):
    assert predictor.predict_image(photo_folder / "corrupt.jpg").error
    missing = predictor.predict_image(tmp_path / "gone.jpg")
    assert isinstance(missing, Prediction) and missing.error and missing.label is None


def test_folder_prediction(predictor, photo_folder):
    results = predictor.predict_folder(photo_folder, top_k=1)
    assert len(results) == len(FORMATS) + 4
    assert sum(r.error is None for r in results) == len(FORMATS) + 2


def test_repeated_paths_each_get_a_prediction(predictor, photo_folder):
    path = photo_folder / "img0.jpg"
    bad = photo_folder / "empty.png"
    results = predictor.predict_paths([path, bad, path, bad, path], batch_size=2)
    assert [r.path for r in results] == [path, bad, path, bad, path]
    assert [r.error is None for r in results] == [True, False, True, False, True]


def test_network_is_put_in_eval_mode(predictor, photo_folder):
    predictor.classifier.network.train()
    first = predictor.predict_image(photo_folder / "img0.jpg")
    second = predictor.predict_image(photo_folder / "img0.jpg")
    # In train mode BatchNorm would use the batch statistics of a single image and change them.
    assert first.top == second.top
    assert not predictor.classifier.network.training


def test_empty_input(predictor):
    assert predictor.predict_paths([]) == []


# ---- progress and stopping ------------------------------------------------------------------------
def test_progress_reports_phase_predict(predictor, photo_folder):
    events = []
    paths = collect_images([photo_folder])
    predictor.predict_paths(paths, batch_size=4, progress=events.append)
    assert events and all(e.phase == "predict" for e in events)
    assert events[-1].done == events[-1].total == len(paths)
    assert [e.done for e in events] == sorted(e.done for e in events)


def test_cancel_between_batches(predictor, photo_folder, monkeypatch):
    token = CancelToken()
    paths = collect_images([photo_folder])
    forward = predictor._predict_batch
    calls = []

    def forward_then_stop(*args, **kwargs):
        calls.append(1)
        token.cancel()  # the user presses Stop while the first batch runs
        return forward(*args, **kwargs)

    monkeypatch.setattr(predictor, "_predict_batch", forward_then_stop)
    with pytest.raises(Cancelled):
        predictor.predict_paths(paths, batch_size=2, cancel=token)
    assert len(calls) == 1


def test_cancel_before_start(predictor, photo_folder):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        predictor.predict_paths(collect_images([photo_folder]), cancel=token)


# ---- the real bundled backbone -------------------------------------------------------------------
@pytest.fixture(scope="module")
def lite0_classifier() -> Classifier:
    backbone = "efficientnet_lite0"
    net = replace_head(create_backbone(backbone), 2, seed=3).eval()
    return Classifier(net, ["ants", "bees"], backbone, get_spec(backbone).preprocessing)


def test_bundled_backbone_predictions_match_a_plain_forward(lite0_classifier):
    paths = [sorted((demo_dir() / "val" / label).glob("*.jpg"))[0] for label in ("ants", "bees")]
    predictor = Predictor(lite0_classifier, device="cpu", mixed_precision=False)
    results = predictor.predict_paths(paths, top_k=2)
    for result in results:
        expected = _expected_probs(lite0_classifier, result.path)
        got = dict(result.top)
        assert [got["ants"], got["bees"]] == pytest.approx(expected.tolist(), abs=1e-4)
        assert sum(got.values()) == pytest.approx(1.0, abs=1e-5)


def test_many_photos_run_through_a_copy_with_the_norms_folded_and_predict_the_same(tmp_path):
    classifier = _tiny_classifier()
    norm = classifier.network.stages["stem"][1]
    generator = torch.Generator().manual_seed(3)
    norm.running_mean.copy_(torch.randn(8, generator=generator))
    norm.running_var.copy_(torch.rand(8, generator=generator) + 0.5)
    norm.weight.data.copy_(torch.randn(8, generator=generator))
    paths = []
    for i in range(FOLD_FROM_PHOTOS):
        paths.append(tmp_path / f"p{i}.png")
        _photo(100 + i).save(paths[-1])
    predictor = Predictor(classifier, device="cpu", mixed_precision=False)

    # A few photos: the classifier's own network; a folder's worth: one folded copy, made once.
    assert predictor.network_for(FOLD_FROM_PHOTOS - 1) is predictor.network
    folded = predictor.network_for(FOLD_FROM_PHOTOS)
    assert folded is not predictor.network and predictor.network_for(10 * FOLD_FROM_PHOTOS) is folded
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert isinstance(classifier.network.stages["stem"][1], nn.BatchNorm2d)  # the classifier's is untouched

    predictions = predictor.predict_paths(paths, top_k=len(CLASSES))
    for path, prediction in zip(paths, predictions, strict=True):
        expected = _expected_probs(classifier, path)
        got = dict(prediction.top)
        assert prediction.label == CLASSES[int(expected.argmax())]
        assert all(abs(got[name] - float(expected[i])) < 1e-5 for i, name in enumerate(CLASSES))


def test_on_a_gpu_the_classifier_a_project_holds_stays_on_the_cpu(monkeypatch):
    # The meta device stands in for a GPU (this machine has none): the predictor runs a copy there,
    # and the classifier (the project's, which a save or the best-so-far copy may be reading on
    # another thread) keeps its network on the CPU, as it was.
    from tlgui.core.runtime.inference import InferenceSettings

    choose = InferenceSettings.choose
    monkeypatch.setattr(InferenceSettings, "choose", classmethod(
        lambda cls, device="auto", *, mixed_precision=True: InferenceSettings(
            device=torch.device("meta"), channels_last=True, autocast_dtype=None,
            decode_workers=choose("cpu").decode_workers)))
    classifier = _tiny_classifier()
    before = {name: tensor.clone() for name, tensor in classifier.network.state_dict().items()}
    predictor = Predictor(classifier, device="cuda")
    assert {p.device.type for p in predictor.network.parameters()} == {"meta"}
    assert predictor.network is not classifier.network
    after = classifier.network.state_dict()
    assert {t.device.type for t in after.values()} == {"cpu"}
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_on_the_cpu_the_predictor_runs_the_classifier_s_own_network(predictor):
    # No copy where no device changes: a copy would add its time to every ``tlgui predict``.
    assert predictor.network is predictor.classifier.network


# ---- outputs that are not numbers -----------------------------------------------------------------
def _overflowing_classifier() -> Classifier:
    """Finite weights that overflow: a head of 3e38s makes the logits infinite, the softmax NaN."""
    classifier = _tiny_classifier()
    with torch.no_grad():
        classifier.network.head.weight.fill_(3e38)
    return classifier


def test_a_model_that_computes_nan_is_refused_not_answered(photo_folder):
    # It used to hand out NaN probabilities ("cat nan%"), which the command line printed with exit 0.
    predictor = Predictor(_overflowing_classifier(), device="cpu", mixed_precision=False)
    paths = collect_images([photo_folder])
    readable = [path for path in paths if path.name not in {"corrupt.jpg", "empty.png"}]
    for run in (
        lambda: predictor.predict_paths(paths),
        lambda: predictor.predict_paths(readable * FOLD_FROM_PHOTOS),  # through the folded copy
        lambda: predictor.predict_image(_photo(0)),
        lambda: next(predictor.predict_batches(readable, batch_size=2)),  # on the first batch
    ):
        with pytest.raises(ModelFileError, match=r"^The model cannot be used: it computes NaN or infinity") as caught:
            run()
        assert "\n" not in str(caught.value) and str(caught.value).endswith(".")


class _OverflowsInReducedPrecision(nn.Module):
    """Stands in for activations beyond fp16's range on a GPU: infinite under autocast, fine in fp32."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * float("inf") if torch.is_autocast_enabled(x.device.type) else x


def test_an_overflow_of_reduced_precision_is_computed_again_in_fp32(photo_folder):
    # A sound model must not be refused because fp16 (a GPU's autocast) overflowed where fp32 does not.
    classifier = _tiny_classifier()
    classifier.network.stages["head"] = nn.Sequential(classifier.network.head, _OverflowsInReducedPrecision())
    predictor = Predictor(classifier, device="cpu", mixed_precision=False)
    predictor.settings.autocast_dtype = torch.bfloat16  # what runs on a GPU, or a CPU with bf16
    predictions = [p for p in predictor.predict_paths(collect_images([photo_folder]), top_k=4) if p.error is None]
    assert len(predictions) == 8
    for prediction in predictions:
        expected = _expected_probs(classifier, prediction.path)
        got = dict(prediction.top)
        assert all(abs(got[name] - float(expected[i])) < 1e-5 for i, name in enumerate(CLASSES))
