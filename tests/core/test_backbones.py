"""The backbone catalogue, StagedNetwork adapters, the bundled weights and the weight cache."""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from urllib.error import URLError

import pytest
import torch
from PIL import Image

from tlgui.core.backbones import (
    DEFAULT_BACKBONE,
    create_backbone,
    get_spec,
    import_weights,
    list_backbones,
    torchvision_zoo,
    weights,
    weights_status,
)
from tlgui.core.backbones.staged import replace_head
from tlgui.core.errors import Cancelled, ModelFileError, TlguiError, WeightsUnavailableError
from tlgui.core.progress import CancelToken

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
REQUIRED = [
    "resnet18",
    "resnet34",
    "resnet50",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "convnext_tiny",
    "regnet_y_800mf",
    "vit_b_16",
    "swin_t",
]
SMALL = "mobilenet_v3_small"  # the cheapest torchvision backbone: 10 MB of weights


@pytest.fixture
def lite0(bundled_network):
    """The session's bundled EfficientNet-Lite0 (ImageNet weights) in eval mode, mode restored after."""
    was_training = bundled_network.training
    yield bundled_network.eval()
    bundled_network.train(was_training)


@pytest.fixture
def torch_home(tmp_path, monkeypatch) -> Path:
    """An empty torch hub cache, so no test sees (or fills) the real one."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))
    return tmp_path / "hub" / "checkpoints"


def _random_state(model_id: str, seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return torchvision_zoo.build_architecture(model_id).state_dict()


def _imagenet_probs(net, images: list[Image.Image]) -> torch.Tensor:
    prep = get_spec(net.backbone_id).preprocessing
    batch = torch.stack([prep.eval_uint8(img) for img in images])
    with torch.no_grad():
        return net(prep.normalize(batch)).softmax(dim=1)


class _Served(io.BytesIO):
    """What urlopen returns, serving ``data`` from memory."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


# ---- the catalogue --------------------------------------------------------------------------------
def test_catalogue_lists_the_default_first_and_every_required_backbone():
    ids = [spec.id for spec in list_backbones()]
    assert ids[0] == DEFAULT_BACKBONE == "efficientnet_lite0"
    assert set(REQUIRED) <= set(ids)
    assert len(ids) == len(set(ids))
    for spec in list_backbones():
        assert spec.params > 1_000_000 and spec.summary and spec.title
        assert spec.bundled == (spec.id == DEFAULT_BACKBONE)


def test_bundled_spec_has_tf_preprocessing():
    spec = get_spec(DEFAULT_BACKBONE)
    prep = spec.preprocessing
    assert (prep.mean, prep.std) == ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    assert (prep.input_size, prep.resize_size, prep.interpolation) == (224, 256, "bicubic")
    assert spec.download_mb == 0 and spec.weights_url is None
    assert weights_status(DEFAULT_BACKBONE) == "bundled"


@pytest.mark.parametrize(
    ("model_id", "crop", "resize", "interpolation"),
    [
        ("efficientnet_b3", 300, 320, "bicubic"),
        ("resnet50", 224, 232, "bilinear"),
        ("efficientnet_b2", 288, 288, "bicubic"),
    ],
)
def test_torchvision_specs_follow_the_weights_metadata(model_id, crop, resize, interpolation):
    spec = get_spec(model_id)
    w = torchvision_zoo.default_weights(model_id)
    assert (spec.preprocessing.input_size, spec.preprocessing.resize_size) == (crop, resize)
    assert spec.preprocessing.interpolation == interpolation
    assert spec.params == w.meta["num_params"]
    assert spec.download_mb == pytest.approx(w.meta["_file_size"], abs=0.1)
    assert spec.weights_url == w.url and w.url.endswith("/" + spec.weights_filename)


def test_unknown_backbone_is_a_user_facing_error():
    with pytest.raises(TlguiError, match="no backbone called 'alexnet'.*resnet18"):
        get_spec("alexnet")


# ---- stage adapters -------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("model_id", REQUIRED)
def test_staged_network_computes_what_the_torchvision_model_computes(model_id):
    torch.manual_seed(0)
    model = torchvision_zoo.build_architecture(model_id).eval()
    net = torchvision_zoo.stage_model(model_id, model)
    size = 224 if model_id == "vit_b_16" else 64  # ViT's position embedding fixes its input size
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        expected = model(x)
        assert torch.equal(net(x), expected)
        # Same tensors under the same count of names: stages wrap, they do not copy or drop.
        assert len(net.state_dict()) == len(model.state_dict())
        features = net.forward_until(len(net.stages) - 1, x)
        assert features.shape == (2, net.feature_dim)
        assert net.stage_names[-2:] == ["pre_logits", "head"]
        net.to(memory_format=torch.channels_last)
        out = net(x.contiguous(memory_format=torch.channels_last))
    scale = expected.abs().max().item()
    assert torch.allclose(out, expected, rtol=1e-3, atol=1e-4 * scale + 1e-12)


def test_lite0_stages_follow_timms_grouping(lite0):
    assert lite0.stage_names == [
        "stem",
        *(f"blocks.{i}" for i in range(7)),
        "conv_head",
        "pre_logits",
        "head",
    ]
    assert (lite0.feature_dim, lite0.num_classes, lite0.backbone_id) == (1280, 1000, DEFAULT_BACKBONE)
    keys = lite0.state_dict().keys()
    assert "stages.blocks_3.0.conv_pw.weight" in keys and "stages.head.weight" in keys


def test_forward_splits_anywhere(lite0):
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        full = lite0(x)
        for i in range(len(lite0.stages) + 1):
            assert torch.allclose(lite0.forward_from(i, lite0.forward_until(i, x)), full, atol=1e-5)


# ---- the bundled weights: known ImageNet answers ---------------------------------------------------
def test_bundled_weights_know_chelsea_and_coffee(lite0):
    from skimage import data

    probs = _imagenet_probs(lite0, [Image.fromarray(data.chelsea()), Image.fromarray(data.coffee())])
    assert set(probs[0].topk(3).indices.tolist()) == {282, 285, 281}  # tiger cat, Egyptian cat, tabby
    assert probs[1].argmax().item() == 967  # espresso
    assert probs[1, 967].item() == pytest.approx(0.95, abs=0.03)


@pytest.mark.shared
@pytest.mark.skipif(not (DATASETS / "hymenoptera" / "val").is_dir(), reason="../shared/datasets absent")
@pytest.mark.parametrize(("folder", "imagenet_class"), [("ants", 310), ("bees", 309)])
def test_bundled_head_names_ants_and_bees(lite0, folder, imagenet_class):
    # Measured on the first 30 files: top-1 ants 0.80, bees 0.87; top-5 ants 0.90, bees 0.97.
    files = sorted((DATASETS / "hymenoptera" / "val" / folder).iterdir())[:30]
    probs = _imagenet_probs(lite0, [Image.open(f).convert("RGB") for f in files])
    top1 = (probs.argmax(dim=1) == imagenet_class).float().mean().item()
    top5 = (probs.topk(5).indices == imagenet_class).any(dim=1).float().mean().item()
    assert top1 >= 0.6 and top5 >= 0.8, (top1, top5)


# ---- replace_head ---------------------------------------------------------------------------------
def test_replace_head_swaps_only_the_classifier_and_is_seeded():
    net = create_backbone(DEFAULT_BACKBONE, pretrained=False).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    replace_head(net, 3, seed=7)
    first = net.head.weight.detach().clone()
    after = net.state_dict()
    assert list(after) == list(before)  # same names, head still last
    assert after["stages.head.weight"].shape == (3, 1280) and net.num_classes == 3
    assert all(torch.equal(after[k], v) for k, v in before.items() if not k.startswith("stages.head."))
    assert net.stage_names[-1] == "head" and list(net.stages)[-1] == "head"
    assert net(torch.randn(2, 3, 64, 64)).shape == (2, 3)
    torch.manual_seed(123)  # the global RNG must not matter, only the seed
    assert torch.equal(replace_head(net, 3, seed=7).head.weight, first)
    assert not torch.equal(replace_head(net, 3, seed=8).head.weight, first)
    assert net.head.weight.requires_grad


# ---- the weight cache, downloads and imports -------------------------------------------------------
def test_missing_weights_without_download_say_where_to_put_the_file(torch_home, monkeypatch):
    monkeypatch.setattr(weights, "urlopen", lambda *a, **k: pytest.fail("must not download"))
    spec = get_spec("resnet18")
    assert weights_status("resnet18") == "missing"
    with pytest.raises(WeightsUnavailableError) as info:
        create_backbone("resnet18", allow_download=False)
    error = info.value
    assert (error.filename, error.url, error.target_dir) == (
        spec.weights_filename,
        spec.weights_url,
        torch_home,
    )
    for part in (spec.weights_filename, spec.weights_url, str(torch_home), "Import weights"):
        assert part in str(error)


def test_offline_download_fails_with_the_manual_route(torch_home, monkeypatch):
    def offline(*_args, **_kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(weights, "urlopen", offline)
    with pytest.raises(
        WeightsUnavailableError,
        match="cannot reach download.pytorch.org.*no internet.*resnet18-f37072fd.pth.*Import weights",
    ):
        create_backbone("resnet18")
    assert not torch_home.exists() or not any(torch_home.iterdir())


def test_cached_weights_are_found_and_loaded(torch_home):
    spec = get_spec(SMALL)
    state = _random_state(SMALL, seed=1)
    torch_home.mkdir(parents=True)
    torch.save(state, torch_home / spec.weights_filename)
    assert weights_status(SMALL) == "cached"
    net = create_backbone(SMALL)
    assert torch.equal(
        net.stages["features_1"].state_dict()["block.0.0.weight"], state["features.1.block.0.0.weight"]
    )
    assert torch.equal(net.head.weight, state["classifier.3.weight"])


def test_damaged_cache_file_is_a_model_file_error(torch_home):
    torch_home.mkdir(parents=True)
    (torch_home / get_spec(SMALL).weights_filename).write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError, match="Delete that file"):
        create_backbone(SMALL)


def test_download_streams_into_the_cache_with_progress(torch_home, monkeypatch):
    state = _random_state(SMALL, seed=2)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    requested = []

    def serve(request, timeout):
        requested.append(request.full_url)
        return _Served(payload)

    monkeypatch.setattr(weights, "urlopen", serve)
    # The real file name carries the real file's hash prefix; the hash check has its own tests.
    monkeypatch.setattr(weights, "_check_hash", lambda *args: None)
    events = []
    net = create_backbone(SMALL, progress=events.append)
    assert requested == [get_spec(SMALL).weights_url]
    assert torch.equal(net.head.weight, state["classifier.3.weight"])
    assert weights_status(SMALL) == "cached"
    assert {e.phase for e in events} == {"download"}
    assert (events[-1].done, events[-1].total) == (len(payload), len(payload))
    assert [p.name for p in torch_home.iterdir()] == [get_spec(SMALL).weights_filename]  # no temp file left


def test_download_checks_the_hash_in_the_file_name(torch_home, tmp_path):
    import hashlib

    payload = b"weights" * 50_000
    source = tmp_path / "source.bin"
    source.write_bytes(payload)
    good = weights.cached_path(f"tiny-{hashlib.sha256(payload).hexdigest()[:8]}.pth")
    assert weights.download(source.as_uri(), good).read_bytes() == payload
    bad = weights.cached_path("tiny-deadbeef.pth")
    with pytest.raises(WeightsUnavailableError, match="damaged"):
        weights.download(source.as_uri(), bad)
    assert sorted(p.name for p in torch_home.iterdir()) == [good.name]


def test_download_can_be_cancelled(torch_home, tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(bytes(10 * weights.CHUNK_BYTES))
    token = CancelToken()
    with pytest.raises(Cancelled):
        weights.download(
            source.as_uri(), weights.cached_path("big.pth"), progress=lambda e: token.cancel(), cancel=token
        )
    assert list(torch_home.iterdir()) == []


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_import_weights_validates_and_caches(torch_home, tmp_path, suffix):
    state = _random_state(SMALL, seed=3)
    file = tmp_path / f"downloaded{suffix}"
    if suffix == ".pth":
        torch.save({"state_dict": state}, file)  # a training script's wrapper is accepted
    else:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(file))
    path = import_weights(SMALL, file)
    assert path == torch_home / get_spec(SMALL).weights_filename
    assert weights_status(SMALL) == "cached"
    assert torch.equal(create_backbone(SMALL, allow_download=False).head.weight, state["classifier.3.weight"])


def test_import_rejects_weights_of_another_shape(torch_home, tmp_path):
    state = _random_state(SMALL, seed=4)
    state["classifier.3.weight"] = torch.zeros(10, 1024)
    file = tmp_path / "other.pth"
    torch.save(state, file)
    with pytest.raises(
        ModelFileError, match=r"classifier.3.weight has shape \(10, 1024\) instead of \(1000, 1024\)"
    ):
        import_weights(SMALL, file)
    torch.save({"fc.weight": torch.zeros(2, 2)}, file)
    with pytest.raises(ModelFileError, match="expected weights are missing"):
        import_weights(SMALL, file)
    assert weights_status(SMALL) == "missing"


@pytest.mark.parametrize("name", ["classifier.3.bias", "features.0.1.num_batches_tracked"])
def test_import_refuses_weights_with_no_numbers(torch_home, tmp_path, name):
    # A "meta" tensor has a shape and no data: an integer one was cached, and every run then failed.
    state = _random_state(SMALL, seed=5)
    state[name] = torch.empty(state[name].shape, dtype=state[name].dtype, device="meta")
    file = tmp_path / "meta.pth"
    torch.save(state, file)
    with pytest.raises(ModelFileError, match="holds something other than named weight tensors"):
        import_weights(SMALL, file)
    assert weights_status(SMALL) == "missing"


def test_import_never_runs_code_from_a_pickle(torch_home, tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    file = tmp_path / "evil.pth"
    file.write_bytes(pickle.dumps({"w": Payload()}, protocol=2))
    with pytest.raises(ModelFileError, match="evil.pth is not a PyTorch weights file"):
        import_weights(SMALL, file)
    assert not marker.exists()
    (tmp_path / "junk.pth").write_bytes(b"\x00" * 100)
    with pytest.raises(ModelFileError):
        import_weights(SMALL, tmp_path / "junk.pth")
    with pytest.raises(TlguiError, match="comes with tlgui"):
        import_weights(DEFAULT_BACKBONE, file)


def test_import_refuses_weights_that_hold_no_training(torch_home, tmp_path):
    """All zeros of the right keys and shapes were cached under the official file's name, and a run on
    them learned nothing (loss 0.6931, 50%) without a word (QA)."""
    state = {k: torch.zeros_like(v) for k, v in _random_state(SMALL, seed=6).items()}
    file = tmp_path / "zeros.pth"
    torch.save(state, file)
    with pytest.raises(ModelFileError, match="holds no trained weights for MobileNetV3 Small"):
        import_weights(SMALL, file)
    assert weights_status(SMALL) == "missing"


def test_import_refuses_negative_running_variances(torch_home, tmp_path):
    state = _random_state(SMALL, seed=7)
    name = next(k for k in state if k.endswith("running_var"))
    state[name] = -state[name].abs() - 1
    file = tmp_path / "negative.pth"
    torch.save(state, file)
    with pytest.raises(ModelFileError, match=f"negative variances \\({name}\\)"):
        import_weights(SMALL, file)
    assert weights_status(SMALL) == "missing"
