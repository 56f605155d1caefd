"""The learned role model's plumbing: features per actor, scoring, and its use by the extraction."""

from __future__ import annotations

import json
from datetime import date

from presswatch.reports import roles
from presswatch.reports.extract import extract

TEXT = ("The Ministry of Information of Kyrgyzstan ordered the news site Kok Zhar to delete the interview. "
        "The editor, Aibek Tokonov, said the site would appeal.")


def _draft(**kw):
    return extract(TEXT, language="en", report_date=date(2026, 5, 20), **kw)


def test_features_describe_each_actor_and_the_rules_pick() -> None:
    draft = _draft(keep_features=True)
    feats = {a.name: f for a, f in draft.role_features}
    assert feats["Kok Zhar"]["k:outlet"] == 1.0 and feats["Kok Zhar"]["rule:recipient"] == 1.0
    assert feats["Kok Zhar"]["press&after&demand"] == 1.0
    body = next(f for n, f in feats.items() if n.startswith("Ministry of Information"))
    assert body["rule:sender"] == 1.0 and body["state&before&demand"] == 1.0
    assert not _draft().role_features  # kept only when asked for


def test_a_given_model_decides_the_roles_and_the_json_shape_stays() -> None:
    flip = roles.RoleModel({"sender": {"bias": -5.0, "k:outlet": 10.0},
                            "recipient": {"bias": -5.0, "k:government": 10.0}})
    doc = _draft(role_model=flip).as_dict()
    by_name = {a["name"]: a["role"] for a in doc["actors"]}
    assert by_name["Kok Zhar"] == "sender"
    assert any(r == "recipient" and n.startswith("Ministry") for n, r in by_name.items())
    assert set(doc) == set(_draft().as_dict())


def test_a_model_gives_no_roles_in_a_text_without_an_action() -> None:
    everyone = roles.RoleModel({"sender": {"bias": 10.0}})
    doc = extract("The news site Kok Zhar published an interview with the minister of culture.", language="en",
                  role_model=everyone).as_dict()
    assert all(a["role"] == "third-party" for a in doc["actors"])


def test_the_model_round_trips_and_a_missing_or_bad_file_means_the_rules(tmp_path, monkeypatch) -> None:
    m = roles.RoleModel({"sender": {"bias": 0.5, "k:court": 1.25}}, threshold=0.6, meta={"reports": 3})
    again = roles.RoleModel.from_dict(json.loads(json.dumps(m.as_dict())))
    assert again == m and again.probability("sender", {"k:court": 1.0}) > again.probability("sender", {})
    for content in (None, "{not json", '{"weights": 3}'):
        path = tmp_path / "roles.json"
        if content is not None:
            path.write_text(content, encoding="utf-8")
        monkeypatch.setattr(roles, "MODEL_PATH", path)
        roles.default_model.cache_clear()
        try:
            assert roles.default_model() is None
            rules = {a["name"]: a["role"] for a in _draft().as_dict()["actors"]}
            assert {a["name"]: a["role"] for a in _draft(role_model=True).as_dict()["actors"]} == rules
        finally:
            roles.default_model.cache_clear()
