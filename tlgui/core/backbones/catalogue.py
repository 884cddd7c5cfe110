"""The one list of backbones tlgui offers, and the single way to build one.

Like timm's ``create_model`` + ``pretrained_cfg``: every entry knows its preprocessing and where its
weights come from. The default, EfficientNet-Lite0, ships with the app; the others are torchvision
models whose weights (URL, size, preprocessing, as torchvision's weights API gives them) are
downloaded once into the torch hub cache, or imported by hand on an offline computer.

Listing the catalogue imports neither torch nor torchvision (seconds each): the window shows it at
start, before either has loaded. Building a backbone imports what that backbone needs, and only then.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tlgui.core.backbones import bundled, weights
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.errors import ModelFileError, TlguiError
from tlgui.core.i18n import N_, _
from tlgui.core.progress import CancelToken, ProgressFn

if TYPE_CHECKING:
    from torch import nn

    from tlgui.core.backbones.staged import StagedNetwork

DEFAULT_BACKBONE = bundled.DEFAULT_BACKBONE


@dataclass(frozen=True)
class BackboneSpec:
    """One catalogue entry: what the GUI lists and what ``create_backbone`` builds."""

    id: str
    english_title: str  # a proper name; the built-in one says so in words, translated by ``title``
    params: int
    download_mb: float  # 0 for the bundled backbone
    preprocessing: Preprocessing
    bundled: bool
    weights_name: str  # identifies the weights, e.g. "ResNet18_Weights.IMAGENET1K_V1"; part of cache keys
    weights_url: str | None
    weights_filename: str | None
    summary: str  # one line for the picker, in English: drivers show it through i18n._()

    @property
    def title(self) -> str:
        """The network's name as people read it, in the current language."""
        return _(self.english_title)


# (torchvision id, title, summary); order is the order shown, smallest and fastest first per family.
_TORCHVISION: list[tuple[str, str, str]] = [
    ("mobilenet_v3_small", "MobileNetV3 Small", N_("The lightest: quick on any laptop, a little less accurate.")),
    ("mobilenet_v3_large", "MobileNetV3 Large", N_("Light and fast with better accuracy than the small one.")),
    ("efficientnet_b0", "EfficientNet-B0", N_("Small and accurate; a good step up from the default.")),
    ("efficientnet_b1", "EfficientNet-B1", N_("EfficientNet-B0 scaled up, at 240 px input.")),
    ("efficientnet_b2", "EfficientNet-B2", N_("More accurate again, at 288 px input; slower on CPU.")),
    (
        "efficientnet_b3",
        "EfficientNet-B3",
        N_("The most accurate EfficientNet here, at 300 px input; wants a GPU to fine-tune."),
    ),
    ("regnet_y_800mf", "RegNetY-800MF", N_("Compact network with strong accuracy for its cost.")),
    ("resnet18", "ResNet-18", N_("Classic residual network; simple, fast and a solid baseline.")),
    ("resnet34", "ResNet-34", N_("Deeper classic ResNet; a little more accurate than ResNet-18.")),
    ("resnet50", "ResNet-50", N_("The standard workhorse; accurate, heavier on CPU.")),
    ("convnext_tiny", "ConvNeXt Tiny", N_("Modern convolutional network; very accurate, best with a GPU.")),
    ("swin_t", "Swin Transformer Tiny", N_("Windowed vision transformer; very accurate, best with a GPU.")),
    ("vit_b_16", "ViT-B/16", N_("Vision Transformer Base; large (330 MB), needs a GPU to fine-tune.")),
]

# What torchvision's weights API says of each one's recommended weights (``get_model_weights(id).DEFAULT``:
# its name, file, ``num_params``, ``_file_size`` in MB, and ``transforms()``' crop, resize and
# interpolation), written out so that listing them needs no torchvision; all use ImageNet's mean and
# std. tests/test_startup.py checks every row against the torchvision installed.
_TORCHVISION_WEIGHTS_URL = "https://download.pytorch.org/models/"
_TORCHVISION_WEIGHTS: dict[str, tuple[str, str, int, float, tuple[int, int, str]]] = {
    "mobilenet_v3_small": ("MobileNet_V3_Small_Weights.IMAGENET1K_V1", "mobilenet_v3_small-047dcff4.pth",
                           2_542_856, 9.8, (224, 256, "bilinear")),
    "mobilenet_v3_large": ("MobileNet_V3_Large_Weights.IMAGENET1K_V2", "mobilenet_v3_large-5c1a4163.pth",
                           5_483_032, 21.1, (224, 232, "bilinear")),
    "efficientnet_b0": ("EfficientNet_B0_Weights.IMAGENET1K_V1", "efficientnet_b0_rwightman-7f5810bc.pth",
                        5_288_548, 20.5, (224, 256, "bicubic")),
    "efficientnet_b1": ("EfficientNet_B1_Weights.IMAGENET1K_V2", "efficientnet_b1-c27df63c.pth",
                        7_794_184, 30.1, (240, 255, "bilinear")),
    "efficientnet_b2": ("EfficientNet_B2_Weights.IMAGENET1K_V1", "efficientnet_b2_rwightman-c35c1473.pth",
                        9_109_994, 35.2, (288, 288, "bicubic")),
    "efficientnet_b3": ("EfficientNet_B3_Weights.IMAGENET1K_V1", "efficientnet_b3_rwightman-b3899882.pth",
                        12_233_232, 47.2, (300, 320, "bicubic")),
    "regnet_y_800mf": ("RegNet_Y_800MF_Weights.IMAGENET1K_V2", "regnet_y_800mf-58fc7688.pth",
                       6_432_512, 24.8, (224, 232, "bilinear")),
    "resnet18": ("ResNet18_Weights.IMAGENET1K_V1", "resnet18-f37072fd.pth", 11_689_512, 44.7, (224, 256, "bilinear")),
    "resnet34": ("ResNet34_Weights.IMAGENET1K_V1", "resnet34-b627a593.pth", 21_797_672, 83.3, (224, 256, "bilinear")),
    "resnet50": ("ResNet50_Weights.IMAGENET1K_V2", "resnet50-11ad3fa6.pth", 25_557_032, 97.8, (224, 232, "bilinear")),
    "convnext_tiny": ("ConvNeXt_Tiny_Weights.IMAGENET1K_V1", "convnext_tiny-983f1562.pth",
                      28_589_128, 109.1, (224, 236, "bilinear")),
    "swin_t": ("Swin_T_Weights.IMAGENET1K_V1", "swin_t-704ceda3.pth", 28_288_354, 108.2, (224, 232, "bicubic")),
    "vit_b_16": ("ViT_B_16_Weights.IMAGENET1K_V1", "vit_b_16-c867db91.pth", 86_567_656, 330.3, (224, 256, "bilinear")),
}

_BUNDLED_SUMMARY = N_("Ships with tlgui, works offline; fast and accurate enough for most photo sets.")


@functools.cache
def _bundled_spec() -> BackboneSpec:
    return BackboneSpec(
        id=bundled.BACKBONE_ID,
        english_title=N_("EfficientNet-Lite0 (built in)"),
        params=bundled.NUM_PARAMS,
        download_mb=0.0,
        preprocessing=bundled.PREPROCESSING,
        bundled=True,
        weights_name=Path(bundled.WEIGHTS_FILENAME).stem,
        weights_url=None,
        weights_filename=bundled.WEIGHTS_FILENAME,
        summary=_BUNDLED_SUMMARY,
    )


@functools.cache
def _catalogue() -> tuple[BackboneSpec, ...]:
    return (_bundled_spec(), *(_torchvision_spec(*entry) for entry in _TORCHVISION))


def _torchvision_spec(model_id: str, title: str, summary: str) -> BackboneSpec:
    weights_name, filename, params, download_mb, (crop, resize, interpolation) = _TORCHVISION_WEIGHTS[model_id]
    return BackboneSpec(
        id=model_id,
        english_title=title,
        params=params,
        download_mb=download_mb,
        preprocessing=Preprocessing(input_size=crop, resize_size=resize, interpolation=interpolation),
        bundled=False,
        weights_name=weights_name,
        weights_url=_TORCHVISION_WEIGHTS_URL + filename,
        weights_filename=filename,
        summary=summary,
    )


def list_backbones() -> list[BackboneSpec]:
    """Every backbone on offer, the built-in default first."""
    return list(_catalogue())


def get_spec(backbone_id: str) -> BackboneSpec:
    """The catalogue entry for ``backbone_id``; TlguiError if there is none."""
    if backbone_id == bundled.BACKBONE_ID:
        return _bundled_spec()
    for spec in _catalogue():
        if spec.id == backbone_id:
            return spec
    known = ", ".join(spec.id for spec in _catalogue())
    raise TlguiError(_(
        "There is no backbone called {backbone_id!r}; the choices are {known}."
    ).format(backbone_id=backbone_id, known=known))


def weights_status(backbone_id: str) -> str:
    """Where the weights are: "bundled" (ships with tlgui), "cached" (in the torch hub cache) or "missing"."""
    spec = get_spec(backbone_id)
    if spec.bundled:
        return "bundled"
    assert spec.weights_filename is not None
    return "cached" if weights.cached_path(spec.weights_filename).is_file() else "missing"


def create_backbone(
    backbone_id: str,
    *,
    pretrained: bool = True,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    allow_download: bool = True,
) -> StagedNetwork:
    """Build ``backbone_id`` as a StagedNetwork, still with its 1000-class ImageNet head.

    With ``pretrained=False`` only the architecture is built (to load a saved model into). Otherwise
    the weights come from the package (bundled), the torch hub cache, or a download reported through
    ``progress``; when they cannot be had, WeightsUnavailableError says where to put the file.
    """
    spec = get_spec(backbone_id)
    if spec.bundled:
        return bundled.create_lite0(pretrained=pretrained)
    from tlgui.core.backbones import torchvision_zoo  # imports torch and torchvision.models

    if not pretrained:
        return torchvision_zoo.stage_model(backbone_id, torchvision_zoo.build_architecture(backbone_id))
    assert spec.weights_url is not None
    # Weights first: an offline failure should not wait for a large architecture to initialise.
    path = weights.ensure_weights(
        spec.weights_url, title=spec.title, progress=progress, cancel=cancel, allow_download=allow_download
    )
    model = torchvision_zoo.build_architecture(backbone_id)
    _load_cached(model, path, spec.title)
    return torchvision_zoo.stage_model(backbone_id, model)


def backbone_skeleton(backbone_id: str) -> StagedNetwork:
    """``backbone_id``'s network with its ImageNet head, for weights that will replace all of its own.

    Built on the meta device where the architecture allows (no memory, no random initialisation,
    no weights file read): every module, name and shape is there, ready for
    ``load_state_dict(..., assign=True)``. Whatever is left on the meta device cannot run.
    """
    spec = get_spec(backbone_id)
    if spec.bundled:
        return bundled.create_lite0(pretrained=False, device="meta")
    from tlgui.core.backbones import torchvision_zoo

    return torchvision_zoo.stage_model(backbone_id, torchvision_zoo.build_skeleton(backbone_id))


def _load_cached(model: nn.Module, path: Path, title: str) -> None:
    try:
        state = weights.load_state_dict_file(path)
        weights.check_state_dict(state, model.state_dict(), source=f"The cached file {path}", title=title)
    except ModelFileError as exc:
        # A damaged cache file would otherwise fail the same way forever.
        raise ModelFileError(
            _(
                "{exc} Delete that file so it is downloaded again, or import a good copy."
            ).format(exc=exc)
        ) from exc
    model.load_state_dict(state)


def import_weights(backbone_id: str, file: Path | str) -> Path:
    """Check a user-supplied weights file for ``backbone_id`` and store it in the cache.

    The file (``.pth`` or ``.safetensors``) is read without unpickling code and must match the
    architecture's keys and shapes; it is then written atomically under the name torchvision
    expects, so ``weights_status`` becomes "cached". Returns the cached path.
    """
    spec = get_spec(backbone_id)
    if spec.bundled:
        raise TlguiError(_(
            "{title} comes with tlgui; its weights need no importing."
        ).format(title=spec.title))
    assert spec.weights_filename is not None
    file = Path(file)
    state = weights.load_state_dict_file(file)
    from tlgui.core.backbones import torchvision_zoo

    # The skeleton costs no memory or time (on the meta device), yet has every key and shape.
    expected = torchvision_zoo.build_skeleton(backbone_id).state_dict()
    weights.check_state_dict(state, expected, source=file.name, title=spec.title)
    weights.check_trained(state, source=file.name, title=spec.title)
    # Written as a tensors-only state dict (even from .safetensors) so torchvision can read it too.
    return weights.save_state_dict(state, weights.cached_path(spec.weights_filename))


def missing_weights(backbone_id: str) -> str | None:
    """A sentence when ``backbone_id``'s pretrained weights are not on this computer (no network
    to measure, so no time estimate), else None. Asks only the file system: no torch."""
    try:
        status = weights_status(backbone_id)
    except TlguiError as exc:
        return str(exc)
    if status != "missing":
        return None
    spec = get_spec(backbone_id)
    return _(
        "The weights of {title} are not on this computer yet ({size} MB to download when training starts): there "
        "is no time estimate until they are."
    ).format(title=spec.title, size=f"{spec.download_mb:.0f}")
