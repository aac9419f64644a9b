"""Shared helpers for the core tests."""
import numpy as np
import pytest

from studio.core import blocks


@pytest.fixture
def small_blocks():
    """Blocks of 16 samples: every edit in a test splits and re-blocks."""
    with blocks.block_size(16):
        yield 16
