"""A time-skipping test server of its own for the long-life tests.

The three-year case ends by resolving legal matters whose child workflows were started by
runs of the case that have since continued-as-new. When such a child completes, the
time-skipping test server leaks a time-skipping lock (temporalio/sdk-java#1540, #2392):
from then on, ``sleep`` on that server hangs. So these tests get their own server instead
of the session's, and leave the session's server sound for the tests that run after
them. ``case_worker`` and ``temporal_client`` from tests/conftest.py use this one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.support import time_skipping_server


@pytest.fixture(scope="module")
async def workflow_env() -> AsyncIterator[WorkflowEnvironment]:
    """Like the session's (tests/conftest.py), but for this module only."""
    async with time_skipping_server(pydantic_data_converter) as env:
        yield env
