"""Shared fixtures: the shipped library, the tiny test-only content, a detector."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import paths
from simulator.encoder import SignalEncoder, read_encoder
from simulator.loader import Library, load_library
from simulator.models import Rubric, Scenario, SignalCatalogue
from simulator.session import PracticeSession
from simulator.signals import SignalDetector, build_detector

TESTS = Path(__file__).parent
CONTENT = TESTS / "content"
DATA = TESTS / "data"


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped signal catalogue, rubrics and scenarios."""
    return load_library()


@pytest.fixture(scope="session")
def tiny_library() -> Library:
    """The shipped catalogue and rubrics plus the tiny test-only rubric and scenario."""
    return load_library([CONTENT])


@pytest.fixture(scope="session")
def catalogue(library: Library) -> SignalCatalogue:
    assert library.catalogue is not None, [str(e) for e in library.errors]
    return library.catalogue


@pytest.fixture(scope="session")
def detector(catalogue: SignalCatalogue) -> SignalDetector:
    return SignalDetector(catalogue)


@pytest.fixture(scope="session")
def shipped_detector(catalogue: SignalCatalogue) -> SignalDetector:
    """What trainees get: the rules plus the learned model the catalogue names."""
    built, problems = build_detector(catalogue)
    assert built.model is not None and not problems, problems
    return built


@pytest.fixture(scope="session")
def shipped_encoder(catalogue: SignalCatalogue) -> SignalEncoder:
    """The opt-in fine-tuned encoder the catalogue names."""
    assert catalogue.encoder is not None
    return read_encoder(paths.rubrics_dir() / catalogue.encoder)


@pytest.fixture(scope="session")
def encoder_detector(catalogue: SignalCatalogue, shipped_detector: SignalDetector,
                     shipped_encoder: SignalEncoder) -> SignalDetector:
    """The most accurate detector: rules, learned model and encoder."""
    return SignalDetector(catalogue, shipped_detector.model, shipped_encoder)


@pytest.fixture(params=["rules", "shipped", "encoder"])
def any_detector(request: pytest.FixtureRequest) -> SignalDetector:
    """Each of the three detectors in turn, for behaviour all must show."""
    name = {"rules": "detector", "shipped": "shipped_detector", "encoder": "encoder_detector"}
    found: SignalDetector = request.getfixturevalue(name[request.param])
    return found


@pytest.fixture(scope="session")
def tiny_scenario(tiny_library: Library) -> Scenario:
    return tiny_library.scenarios["tiny_parcel"]


@pytest.fixture(scope="session")
def tiny_rubric(tiny_library: Library) -> Rubric:
    return tiny_library.rubrics["tiny"]


@pytest.fixture
def tiny_session(
    tiny_scenario: Scenario, tiny_rubric: Rubric, catalogue: SignalCatalogue,
    detector: SignalDetector,
) -> PracticeSession:
    """A fresh session on the tiny scenario (no jitter), seed 0."""
    return PracticeSession(tiny_scenario, [tiny_rubric], catalogue, detector, seed=0)
