"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import DatabaseTemplates
from tests.e2e.whatsapp_driver import Running, whatsapp_service


@pytest.fixture
async def running(tmp_path: Path, database_templates: DatabaseTemplates) -> AsyncIterator[Running]:
    async with whatsapp_service(tmp_path, database_templates) as service:
        yield service
