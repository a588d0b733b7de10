"""The buffer world (emulated queues, topic and table with the real buffer function) for the ops command."""

from tests.buffer.conftest import world  # noqa: F401 - the fixture
