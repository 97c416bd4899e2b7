"""The core's tests run on both engines (see `tests.conftest.engine_fixture`)."""

from tests.conftest import engine_fixture

engine = engine_fixture()
