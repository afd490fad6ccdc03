"""The offline verifier's progress bar passes every line through as it is."""

from __future__ import annotations

import io

import pytest

from app.cli import progress
from app.cli.progress import lines_with_progress


def test_lines_pass_through_with_and_without_a_bar(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "EVERY", 2)
    body = b"".join(b'{"seq":%d}\n' % i for i in range(7)) + b"tail without newline"
    with lines_with_progress(io.BytesIO(body), len(body), "verifying", show=True) as lines:
        assert b"".join(lines) == body
    with lines_with_progress(io.BytesIO(body), len(body), "verifying", show=False) as lines:
        assert isinstance(lines, io.BytesIO)  # not a terminal: the file itself, no cost
        assert b"".join(lines) == body
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "verifying" in captured.err
