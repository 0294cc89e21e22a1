import pytest

from classifiers.corpus import read_csv
from classifiers.registry import ModelRegistry
from classifiers.train import fit_classifier, train_model
from tests.classifier_files import FIXTURE



@pytest.fixture(scope="session")
def examples():
    return read_csv(FIXTURE)


@pytest.fixture(scope="session")
def classifier(examples):
    return fit_classifier(examples)


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory, examples):
    """A registry holding one version trained (with CV) on the fixture."""
    registry = ModelRegistry(tmp_path_factory.mktemp("registry"))
    steps = []
    metadata = train_model(examples, registry, progress=lambda step, fraction: steps.append((step, fraction)))
    return registry, metadata, steps
