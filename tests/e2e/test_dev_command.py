"""`casework dev` (what `make run` serves): cases survive a restart of the whole thing."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from tests.e2e.stack import BIN, Stack, wait_until_ready
from workflows.ids import case_workflow_id

pytestmark = pytest.mark.e2e


def _start_dev(stack: Stack) -> None:
    stack.start("dev", str(BIN / "casework"), "dev")
    wait_until_ready(stack.api_url, timeout=90)


def _demo_staff(stack: Stack) -> dict[str, str]:
    """Signed in as the demo staff user that `casework dev` creates (password "demo")."""
    response = httpx.post(
        f"{stack.api_url}/auth/token", data={"username": "staff", "password": "demo"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_case_survives_a_restart_of_casework_dev(tmp_path: Path) -> None:
    stack = Stack(workdir=tmp_path, database_url=f"sqlite:///{tmp_path / 'casework.db'}")
    body = {"claimant": {"name": "Li Wei", "category": "veteran"}, "needs": ["job_referral"]}
    _start_dev(stack)
    try:
        async with httpx.AsyncClient(
            base_url=stack.api_url, timeout=30, headers=_demo_staff(stack)
        ) as api:
            case_id = (await api.post("/cases", json=body)).json()["id"]
            _assert_ui_uses_the_codec_server(stack)
        assert stack.stop("dev", signal.SIGINT) == 0, stack.log_of("dev")[-2000:]
        assert "demo users: sign in at POST /auth/token" in stack.log_of("dev")

        _start_dev(stack)
        client = await Client.connect(stack.temporal_address)
        handle = client.get_workflow_handle(case_workflow_id(case_id))
        assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
        async with httpx.AsyncClient(
            base_url=stack.api_url, timeout=30, headers=_demo_staff(stack)
        ) as api:
            assert (await api.get(f"/cases/{case_id}")).json()["stage"] == "intake"
            closed = await api.post(f"/cases/{case_id}/close", json={"reason": "done"})
        assert closed.status_code == 200
        assert closed.json()["stage"] == "closed"
    finally:
        stack.stop_all()
    assert (tmp_path / "temporal.db").exists()


def _assert_ui_uses_the_codec_server(stack: Stack) -> None:
    """The dev server's web UI asks our codec routes to open payloads, and may call them."""
    ui = f"http://127.0.0.1:{stack.ui_port}"
    settings = httpx.get(f"{ui}/api/v1/settings", timeout=10).json()
    preflight = httpx.options(
        f"{stack.api_url}/codec/decode",
        headers={"origin": ui, "access-control-request-method": "POST"},
    )

    assert settings["Codec"]["Endpoint"] == f"{stack.api_url}/codec"
    assert preflight.headers.get("access-control-allow-origin") == ui
