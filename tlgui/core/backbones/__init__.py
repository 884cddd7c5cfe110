"""The backbone catalogue: which pretrained networks tlgui offers and how each is built.

``catalogue`` is the public face; ``bundled`` (the offline default), ``torchvision_zoo`` (torchvision adapters) and
``weights`` (cache, download, import) are its parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tlgui.core.backbones.catalogue import (
        DEFAULT_BACKBONE,
        BackboneSpec,
        create_backbone,
        get_spec,
        import_weights,
        list_backbones,
        weights_status,
    )

__all__ = [
    "DEFAULT_BACKBONE",
    "BackboneSpec",
    "create_backbone",
    "get_spec",
    "import_weights",
    "list_backbones",
    "weights_status",
]


def __getattr__(name: str):
    # The catalogue is read when one of its names is: importing a part of the package
    # (``stage_names``, ``preprocess``), as the window does before its first paint, does not load it.
    if name in __all__:
        from tlgui.core.backbones import catalogue

        return getattr(catalogue, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
