"""Fixtures the store tests share."""

import pytest
from support.recording import RecordingRunner


@pytest.fixture
def runner() -> RecordingRunner:
    """Answers each command by the rules a test gives it, and records every call."""
    return RecordingRunner()
