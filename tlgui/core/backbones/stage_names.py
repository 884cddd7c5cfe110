"""How stages are named in every StagedNetwork: kept apart from the network so that reading them
imports no torch (the window's freeze dial and layer paths are read before torch has loaded)."""

from __future__ import annotations

PRE_LOGITS = "pre_logits"
HEAD = "head"


def stage_key(name: str) -> str:
    """The ModuleDict key of the stage displayed as ``name`` (dots become underscores)."""
    return name.replace(".", "_")
