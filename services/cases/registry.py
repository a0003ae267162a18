"""Every kind of help the centre gives, one line each, in the order the API lists them.

Adding a kind of help is a package under services/ that declares its ``TRACK`` (see
services/cases/tracks.py and docs/architecture.md) and a line here.
"""

from __future__ import annotations

from typing import Any

from services.cases.tracks import StepRule, TrackSpec
from services.fee_relief.track import TRACK as FEE_RELIEF
from services.hardship_aid.track import TRACK as HARDSHIP_AID
from services.job_referral.track import TRACK as JOB_REFERRAL
from services.legal_aid.track import TRACK as LEGAL_AID
from services.startup_aid.track import TRACK as STARTUP_AID
from services.training.track import TRACK as TRAINING

TRACKS: tuple[TrackSpec[Any], ...] = (
    TRAINING,
    JOB_REFERRAL,
    STARTUP_AID,
    FEE_RELIEF,
    LEGAL_AID,
    HARDSHIP_AID,
)

TRACK_OF_NEED: dict[str, TrackSpec[Any]] = {track.need: track for track in TRACKS}
STEP_RULES: dict[type, StepRule] = {rule.step: rule for track in TRACKS for rule in track.steps}
