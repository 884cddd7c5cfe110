"""Every speed trick keeps predictions the same within a stated tolerance.

Tricks: JPEG draft-mode decoding, resampling only the centre-crop box, channels_last, bf16 autocast on CPUs with native bf16, float16
storage of cached features, batched uint8 normalisation. The reference is the plain path: full
decode, float32, default memory format, one image at a time.

Tolerance: the top-1 class never changes on these photos and no class probability moves by more
than 0.05 (measured: well under 0.02).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.backbones.preprocess import (
    Preprocessing,
    center_crop,
    pil_to_uint8_tensor,
    resize_shorter_side,
)
from tlgui.core.data.demo import demo_dataset
from tlgui.core.data.images import load_rgb
from tlgui.core.predict.predictor import Predictor
from tlgui.core.runtime.inference import InferenceSettings, cpu_supports_bf16
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, compute_activations
from tlgui.core.training.trainer import TrainConfig, train

PROBABILITY_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def demo_classifier(bundled_network, tmp_path_factory):
    from tlgui.core.training.feature_cache import FeatureCache

    cache = FeatureCache(tmp_path_factory.mktemp("fast-cache"))
    result = train(demo_dataset(), TrainConfig(epochs=10, freeze_level=0), backbone=bundled_network, cache=cache)
    return result.classifier


def _reference_probabilities(classifier, paths) -> np.ndarray:
    net = classifier.network.to(memory_format=torch.contiguous_format).eval()
    prep = classifier.preprocessing
    rows = []
    with torch.inference_mode():
        for path in paths:
            # Resize the whole photo, then crop: the textbook way the fast path shortcuts.
            img = center_crop(resize_shorter_side(load_rgb(path), prep.resize_size, prep.pil_filter), prep.input_size)
            x = prep.normalize(pil_to_uint8_tensor(img).unsqueeze(0))
            rows.append(net(x).softmax(dim=1)[0].numpy())
    return np.stack(rows)


@pytest.mark.slow
def test_fast_prediction_matches_the_plain_path(demo_classifier):
    paths = [item.path for item in demo_dataset().items()][:24]
    reference = _reference_probabilities(demo_classifier, paths)
    fast = Predictor(demo_classifier, device="cpu")  # draft decode, channels_last, bf16 where native
    predictions = fast.predict_paths(paths, top_k=len(demo_classifier.class_names), batch_size=8)
    names = demo_classifier.class_names
    got = np.array([[dict(p.top)[n] for n in names] for p in predictions])
    assert (got.argmax(1) == reference.argmax(1)).all()
    assert np.abs(got - reference).max() < PROBABILITY_TOLERANCE


def test_draft_decoding_keeps_the_shorter_side_and_the_content():
    path = next(item.path for item in demo_dataset().items() if item.path.suffix.lower() in (".jpg", ".jpeg"))
    full = load_rgb(path)
    draft = load_rgb(path, min_size=96)
    assert min(draft.size) >= 96
    assert draft.size[0] / draft.size[1] == pytest.approx(full.size[0] / full.size[1], rel=0.05)
    small_full = np.asarray(full.resize(draft.size)).astype(float)
    assert np.abs(np.asarray(draft).astype(float) - small_full).mean() < 8


@pytest.mark.slow
@pytest.mark.skipif(not cpu_supports_bf16(), reason="this CPU has no native bf16: the engine runs fp32")
def test_bf16_features_stay_close_to_fp32(bundled_network):
    items = demo_dataset().items()[:16]
    requests = [ViewRequest(i.path, 0) for i in items]
    recipe = ViewRecipe(get_spec("efficientnet_lite0").preprocessing)
    boundary = len(bundled_network.stage_names) - 1
    net = bundled_network.eval()
    fp32 = InferenceSettings(channels_last=False, autocast_dtype=None)
    bf16 = InferenceSettings(channels_last=True, autocast_dtype=torch.bfloat16)
    a, _ = compute_activations(net, boundary, requests, recipe, fp32, cache=None, namespace="a")
    b, _ = compute_activations(net, boundary, requests, recipe, bf16, cache=None, namespace="b")
    net.to(memory_format=torch.contiguous_format)
    for key in a:
        va, vb = a[key].astype(np.float32), b[key].astype(np.float32)
        cosine = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))
        assert cosine > 0.99


def test_float16_feature_storage_changes_head_outputs_negligibly(demo_classifier):
    head = demo_classifier.network.head
    features = torch.randn(64, head.in_features).abs()
    with torch.inference_mode():
        exact = head(features).softmax(1)
        stored = head(features.half().float()).softmax(1)
    assert (exact - stored).abs().max() < 1e-3


def test_a_large_batch_goes_through_the_network_in_slices_with_the_same_answers():
    """Memory stays bounded whatever batch size the user chose: at most most_photos_per_forward
    photos are in the network at once."""
    settings = InferenceSettings(channels_last=False, autocast_dtype=None)
    most = settings.most_photos_per_forward
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2)).eval()
    seen: list[int] = []

    def forward(x):
        seen.append(len(x))
        return net(x)

    prep = Preprocessing(input_size=8, resize_size=8)
    batch = torch.randint(0, 256, (2 * most + 3, 3, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    sliced = settings.forward_uint8(forward, batch, prep)
    assert seen == [most, most, 3]
    with torch.inference_mode():
        whole = net(settings.network_input(batch, prep))
    torch.testing.assert_close(sliced, whole)
    seen.clear()
    settings.forward_uint8(forward, batch[:most], prep)
    assert seen == [most]  # a batch of the usual size goes through whole
