"""What the user reads when weights cannot be had: words, not errno numbers or unpickler internals."""

from __future__ import annotations

import pickle
import socket
from email.message import Message
from urllib.error import HTTPError, URLError

import pytest

from tlgui.core.backbones import weights
from tlgui.core.errors import ModelFileError

URL = "https://download.pytorch.org/models/resnet18-f37072fd.pth"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (URLError(socket.gaierror(-2, "Name or service not known")), "cannot reach download.pytorch.org"),
        (URLError("[Errno -3] Temporary failure in name resolution"), "no internet connection"),
        (URLError(TimeoutError("timed out")), "did not answer in time"),
        (ConnectionRefusedError(111, "Connection refused"), "was refused"),
        (HTTPError(URL, 404, "Not Found", Message(), None), "answered “404 Not Found”"),
        (OSError(28, "No space left on device"), "failed (no space left on device)"),
    ],
)
def test_a_failed_download_is_said_in_words(error, words):
    text = weights.download_failure(error, URL)
    assert words in text
    assert "Errno" not in text and "[" not in text


def test_the_offline_error_carries_its_reason_for_the_window(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*_args, **_kwargs):
        raise URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(weights, "urlopen", offline)
    with pytest.raises(weights.WeightsUnavailableError) as info:
        weights.ensure_weights(URL, title="ResNet-18")
    assert info.value.reason.startswith("this computer cannot reach download.pytorch.org")
    assert "Name or service not known" not in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"not a pickle", pickle.dumps({"w": 101}, protocol=2)[:-3], bytes(range(256)) * 4, b"PK\x03\x04broken zip"],
    ids=["text", "cut-pickle", "noise", "broken-zip"],
)
def test_a_file_that_is_not_weights_is_refused_in_one_plain_sentence(tmp_path, content):
    file = tmp_path / "mine.pth"
    file.write_bytes(content)
    with pytest.raises(ModelFileError) as info:
        weights.load_state_dict_file(file)
    message = str(info.value)
    assert message.startswith("mine.pth is not a PyTorch weights file tlgui can read")
    for internal in ("weights_only", "Unsupported operand", "(101)", "PytorchStreamReader", "Traceback"):
        assert internal not in message
