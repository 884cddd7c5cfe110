"""The backbone catalogue: which pretrained networks tlgui offers and how each is built.

``catalogue`` is the public face; ``bundled`` (the offline default), ``torchvision_zoo`` (torchvision adapters) and
``weights`` (cache, download, import) are its parts.
"""

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
