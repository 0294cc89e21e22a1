"""标准答复口径: seeded, edited by administrators, offered for the suggested categories."""
import sqlalchemy as sa

from ticketing.models import StandardAnswer
from ticketing.services import intake_assist


def test_reference_data_seeds_answers_and_assist_ranks_them_by_suggestion(db, reference):
    assert db.session.scalar(sa.select(sa.func.count(StandardAnswer.id))) > 0
    answers = intake_assist.standard_answers(db.session, "", ["YD", "DY"])
    assert answers and answers[0]["category"] == "YD"
    assert {a["category"] for a in answers} <= {"YD", "DY"} and any(a["category"] == "DY" for a in answers)


def test_admin_adds_and_disables_an_answer(db, client, users, auth):
    auth.login("admin")
    seeded = [a["title"] for a in intake_assist.standard_answers(db.session, "", ["CH"])]
    response = client.post("/admin/answers", data={"category": "CH", "title": "本市长护险试点范围",
                                                   "content": "本市长期护理保险试点覆盖职工医保参保人员。"})
    assert response.status_code == 302
    answer = db.session.scalar(sa.select(StandardAnswer).where(StandardAnswer.title == "本市长护险试点范围"))
    assert [a["title"] for a in intake_assist.standard_answers(db.session, "", ["CH"])] == seeded + ["本市长护险试点范围"]
    client.post(f"/admin/answers/{answer.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert [a["title"] for a in intake_assist.standard_answers(db.session, "", ["CH"])] == seeded
    bad = client.post("/admin/answers", data={"category": "", "title": "", "content": "留着的内容"})
    assert bad.status_code == 400 and "请选择业务分类" in bad.get_data(as_text=True) and "留着的内容" in bad.get_data(as_text=True)


def test_a_switched_off_category_is_not_suggested_on_the_call_form(db, users, now):
    """An administrator review: with 长期护理保险 switched off, the form still suggested CH ≥99% with its department,
    Alt+7 "adopted" it into an empty select, and the call was dispatched to 长护险经办科 with no category."""
    from classifiers.model import Prediction
    from ticketing.models import Category

    class Sure:
        version, threshold = "test", 0.6

        def predict(self, text):
            return Prediction("CH", 0.99, [("CH", 0.99), ("DY", 0.006), ("MT", 0.004)], ["长护险"], "consult",
                              0.9, "test")

    db.session.scalar(sa.select(Category).where(Category.code == "CH")).active = False
    db.session.flush()
    shown = intake_assist.assist(db.session, text="长护险怎么申请", phone="", classifier=Sure(), now=now,
                                 min_similarity=0.6, viewer=users["agent"])
    assert [s["code"] for s in shown["suggestions"]] == ["DY", "MT"]
    assert shown["department"] is None and shown["confident"] is False and shown["reasons"] == []
    assert all(a["category"] != "CH" for a in shown["answers"])


def test_admin_corrects_an_answers_wording_in_place(db, client, users, auth):
    """An administrator review: the README said administrators edit the answers; only add and 停用 existed."""
    from ticketing.models import AdminEvent

    auth.login("admin")
    answer = db.session.scalar(sa.select(StandardAnswer).order_by(StandardAnswer.id))
    page = client.get(f"/admin/answers/{answer.id}").get_data(as_text=True)
    assert answer.title in page and "修改答复口径" in page
    response = client.post(f"/admin/answers/{answer.id}", data={"category": answer.category.code,
                                                               "title": "新的口径标题", "content": "改过的答复内容。"})
    assert response.status_code == 302
    db.session.expire_all()
    answer = db.session.get(StandardAnswer, answer.id)
    assert (answer.title, answer.content) == ("新的口径标题", "改过的答复内容。")
    assert db.session.scalars(sa.select(AdminEvent).order_by(AdminEvent.id.desc())).first().action == \
        "standard answer changed"
    refused = client.post(f"/admin/answers/{answer.id}", data={"category": answer.category.code, "title": "",
                                                              "content": "留着的内容"})
    assert refused.status_code == 400 and "请填写口径标题" in refused.get_data(as_text=True)
    assert "留着的内容" in refused.get_data(as_text=True)
