"""Fixtures for /api/v1: bearer tokens per scope, a JSON client, and a stand-in classifier."""
from __future__ import annotations

import pytest

from classifiers.model import Prediction
from ticketing.services import api_tokens


class StubClassifier:
    """Says DY with the given confidence for texts about 住院, QT otherwise."""

    threshold = 0.5
    version = "stub-1"

    def __init__(self, confidence: float = 0.9):
        self.confidence = confidence
        self.calls = 0

    def predict(self, text: str) -> Prediction:
        self.calls += 1
        label = "DY" if "住院" in text or "报销" in text else "QT"
        return Prediction(label=label, confidence=self.confidence, top=[(label, self.confidence), ("MT", 0.05)],
                          reasons=["住院", "报销"] if label == "DY" else [], type="consult", type_confidence=0.8,
                          model_version=self.version, confident=self.confidence >= self.threshold)

    def predict_many(self, texts):
        return [self.predict(t) for t in texts]


class StubHolder:
    def __init__(self, classifier):
        self.classifier = classifier

    def current(self):
        return self.classifier


@pytest.fixture()
def use_classifier(app, monkeypatch):
    """Install a stub classifier for one test: use_classifier(confidence) → the stub."""

    def install(confidence: float = 0.9):
        stub = StubClassifier(confidence)
        monkeypatch.setitem(app.extensions, "classifier", StubHolder(stub))
        return stub

    return install


@pytest.fixture()
def no_classifier(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "classifier", StubHolder(None))


@pytest.fixture()
def tokens(db, users, now):
    made = {
        "mayor": api_tokens.issue_token(db.session, now=now, channel="mailbox_mayor").token,
        "transfer": api_tokens.issue_token(db.session, now=now, channel="transfer_12345").token,
    }
    for name in ("agent", "supervisor", "staff_dybz", "staff_cbzj", "admin"):
        made[name] = api_tokens.issue_token(db.session, now=now, user=users[name]).token
    db.session.commit()
    return made


class Api:
    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def _headers(self, as_):
        return {"Authorization": f"Bearer {self.tokens.get(as_, as_)}"} if as_ else {}

    def get(self, path, as_=None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(as_), **kwargs)

    def post(self, path, json=None, as_=None, **kwargs):
        return self.client.post("/api/v1" + path, json=json, headers=self._headers(as_), **kwargs)


@pytest.fixture()
def api(client, tokens, no_classifier):
    return Api(client, tokens)
