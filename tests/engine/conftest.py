import pytest

from studio.engine import registry


@pytest.fixture
def scoped_registry():
    """Operations a test declares are forgotten afterwards (the generic all-ops test must
    not see them)."""
    with registry.scoped():
        yield registry
