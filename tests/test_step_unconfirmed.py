"""A step the case engine did not confirm in time is not a server error: the client is told
to repeat it with its Idempotency-Key, which answers the first outcome."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from api.problems import install_problem_handlers


def test_an_unconfirmed_step_answers_503_with_a_code_and_retry_after() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/step")
    def step() -> None:
        raise WorkflowUpdateRPCTimeoutOrCancelledError()

    response = TestClient(app).post("/step")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "step_unconfirmed"
    assert "Idempotency-Key" in response.json()["detail"]
