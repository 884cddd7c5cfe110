"""Grad-CAM heatmaps: the photo's shape, the seen square only, the shared network left alone, and a
peak on the evidence for a classifier trained to find a bright square on a flat background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.data.images import load_rgb
from tlgui.core.models.classifier import Classifier
from tlgui.core.predict.explain import Explainer, HeatmapUnavailable, colour_map, explain_photo
from tlgui.core.predict.predictor import Predictor

SQUARE = 56  # edge of the bright square, in pixels of a 256 x 256 photo


def _tiny_classifier(spatial: bool = True) -> Classifier:
    torch.manual_seed(0)
    if spatial:
        stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.BatchNorm2d(8), nn.ReLU())
        pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    else:  # pools straight away: nothing spatial is left to explain
        stem = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 8))
        pool = nn.Identity()
    net = StagedNetwork([("stem", stem), ("pre_logits", pool), ("head", nn.Linear(8, 3))], backbone_id="tiny")
    return Classifier(net.eval(), ["a", "b", "c"], "tiny", Preprocessing(input_size=32, resize_size=40))


def _photo(size=(90, 60), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def test_the_heatmap_has_the_photos_shape_and_covers_only_the_seen_square():
    classifier = _tiny_classifier()
    photo = _photo((90, 60))
    explanation = Explainer(classifier, "cpu").explain(photo)
    assert explanation.heatmap.shape == (60, 90) and explanation.heatmap.dtype == np.float32
    assert 0.0 <= explanation.heatmap.min() and explanation.heatmap.max() <= 1.0
    # Shorter side 60 -> 40, then the centre 32 x 32: 48 x 48 photo pixels from (21, 6).
    assert explanation.crop_box == pytest.approx((21, 6, 69, 54))
    inside = np.zeros_like(explanation.heatmap, dtype=bool)
    inside[6:54, 21:69] = True
    assert not explanation.heatmap[~inside].any()
    assert explanation.heatmap[inside].max() > 0.9  # 1 at the peak, a little less once resampled
    assert sum(explanation.probabilities) == pytest.approx(1.0, abs=1e-5)
    assert explanation.class_index == int(np.argmax(explanation.probabilities))


def test_probabilities_are_the_predictors_and_any_class_can_be_explained(tmp_path):
    classifier = _tiny_classifier()
    path = tmp_path / "photo.png"
    _photo((70, 50), seed=3).save(path)
    predicted = Predictor(classifier, device="cpu", mixed_precision=False).predict_paths([path], top_k=3)[0]
    explainer = Explainer(classifier, "cpu")
    image, explanation = explain_photo(explainer, path)
    assert image.size == (70, 50) and explanation.heatmap.shape == (50, 70)
    by_name = dict(zip(classifier.class_names, explanation.probabilities, strict=True))
    for label, probability in predicted.top:
        assert by_name[label] == pytest.approx(probability, abs=1e-5)
    assert classifier.class_names[explanation.class_index] == predicted.label
    other = (explanation.class_index + 1) % 3
    assert explainer.explain(image, other).class_index == other
    with pytest.raises(ValueError):
        explainer.explain(image, 3)


def test_the_shared_network_is_left_as_it_was():
    classifier = _tiny_classifier()
    network = classifier.network
    for parameter in network.stages["head"].parameters():
        parameter.requires_grad_(False)  # a frozen part, as after head-only training
    before = {name: (p.requires_grad, p.detach().clone()) for name, p in network.named_parameters()}
    explainer = Explainer(classifier, "cpu")
    explainer.explain(_photo())
    assert all(not m._forward_hooks and not m._backward_hooks for m in network.modules())
    assert explainer.network is not network
    for name, parameter in network.named_parameters():
        assert parameter.requires_grad == before[name][0]
        assert parameter.grad is None
        assert torch.equal(parameter.detach(), before[name][1])
    assert not network.training


def test_a_network_without_a_spatial_map_says_so_in_a_sentence():
    classifier = _tiny_classifier(spatial=False)
    with pytest.raises(HeatmapUnavailable, match="not available for this model"):
        Explainer(classifier, "cpu").explain(_photo())


def test_the_crop_box_is_the_square_eval_uint8_keeps():
    preprocessing = Preprocessing(input_size=224, resize_size=256)
    photo = _photo((400, 300), seed=5)
    box = preprocessing.crop_box(photo.size)
    by_box = np.asarray(photo.resize((224, 224), preprocessing.pil_filter, box=box)).astype(int)
    by_eval = preprocessing.eval_uint8(photo).permute(1, 2, 0).numpy().astype(int)
    assert np.abs(by_box - by_eval).mean() < 2


def test_colour_map_runs_from_blue_to_red():
    colours = colour_map(np.array([[0.0, 1.0]], dtype=np.float32))
    assert colours.shape == (1, 2, 3) and colours.dtype == np.uint8
    cold, hot = colours[0, 0].astype(int), colours[0, 1].astype(int)
    assert cold[2] > cold[0] and hot[0] > hot[2]


@pytest.mark.slow
@pytest.mark.parametrize("backbone_id", ["mobilenet_v3_small", "swin_t", "vit_b_16"])
def test_every_backbone_family_has_a_layer_to_explain(backbone_id):
    """Random weights (no download): the gradient must reach the chosen layer and give a real map."""
    from tlgui.core.backbones import torchvision_zoo
    from tlgui.core.backbones.catalogue import get_spec
    from tlgui.core.backbones.staged import replace_head

    torch.manual_seed(0)
    network = torchvision_zoo.stage_model(backbone_id, torchvision_zoo.build_architecture(backbone_id))
    network = replace_head(network, 2).eval()
    classifier = Classifier(network, ["x", "y"], backbone_id, get_spec(backbone_id).preprocessing)
    explanation = Explainer(classifier, "cpu").explain(_photo((300, 240), seed=1))
    assert explanation.heatmap.shape == (240, 300)
    assert explanation.heatmap.max() > 0.5 and explanation.heatmap.std() > 0.01


# ---- a classifier that finds a bright square ---------------------------------------------------------
def _square_photo(rng, corner: tuple[int, int] | None) -> Image.Image:
    """A flat grey field with faint noise and, at ``corner`` (x, y), a bright square."""
    level = int(rng.integers(90, 150))
    pixels = np.clip(level + rng.integers(-6, 7, (256, 256, 3)), 0, 255).astype(np.uint8)
    if corner is not None:
        x, y = corner
        pixels[y : y + SQUARE, x : x + SQUARE] = 250
    return Image.fromarray(pixels)


@pytest.fixture(scope="module")
def square_detector(tmp_path_factory) -> Classifier:
    """EfficientNet-Lite0, head only, trained on squares anywhere vs no square."""
    from tlgui.core.data.bins import scan
    from tlgui.core.training.feature_cache import FeatureCache
    from tlgui.core.training.trainer import TrainConfig, train

    root = tmp_path_factory.mktemp("squares")
    rng = np.random.default_rng(0)
    for i in range(14):
        corner = (int(rng.integers(8, 256 - SQUARE - 8)), int(rng.integers(8, 256 - SQUARE - 8)))
        _square_photo(rng, corner).save(_folder(root / "square") / f"s{i}.png")
        _square_photo(rng, None).save(_folder(root / "plain") / f"p{i}.png")
    config = TrainConfig(epochs=12, freeze_level=0, device="cpu")
    result = train(scan([root]), config, cache=FeatureCache(tmp_path_factory.mktemp("cache")))
    return result.classifier


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("corner", [(40, 44), (150, 140)])
def test_the_heatmap_peaks_on_the_square(square_detector, corner):
    rng = np.random.default_rng(99)
    photo = _square_photo(rng, corner)
    square = square_detector.class_names.index("square")
    explanation = Explainer(square_detector, "cpu").explain(photo, square)
    assert explanation.probabilities[square] > 0.5  # it does see the square
    heat = explanation.heatmap
    peak_y, peak_x = np.unravel_index(np.argmax(heat), heat.shape)
    x, y = corner
    # The map comes from a 7 x 7 grid (32 photo pixels a cell here): allow half a cell around it.
    assert x - 16 <= peak_x < x + SQUARE + 16 and y - 16 <= peak_y < y + SQUARE + 16
    inside = heat[y : y + SQUARE, x : x + SQUARE].mean()
    outside = np.delete(heat, np.s_[y : y + SQUARE], axis=0).mean()
    assert inside > 2 * outside
    # The other class's evidence is everywhere but the square.
    plain = Explainer(square_detector, "cpu").explain(photo, 1 - square).heatmap
    assert plain[y : y + SQUARE, x : x + SQUARE].mean() < np.delete(plain, np.s_[y : y + SQUARE], axis=0).mean()


def test_explaining_a_photo_decodes_it_as_the_predictor_does(tmp_path):
    classifier = _tiny_classifier()
    path = tmp_path / "big.jpg"
    _photo((640, 480), seed=4).save(path, quality=90)
    image, explanation = explain_photo(Explainer(classifier, "cpu"), path)
    expected = load_rgb(path, min_size=classifier.preprocessing.resize_size)
    assert image.size == expected.size and explanation.heatmap.shape == (expected.height, expected.width)
