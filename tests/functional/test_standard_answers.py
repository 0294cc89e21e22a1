"""标准答复口径: seeded, edited by administrators, offered for the suggested categories."""
import sqlalchemy as sa

from ticketing.models import StandardAnswer
from ticketing.services import intake_assist


def test_reference_data_seeds_answers_and_assist_ranks_them_by_suggestion(db, reference):
    assert db.session.scalar(sa.select(sa.func.count(StandardAnswer.id))) > 0
    answers = intake_assist.standard_answers(db.session, ["YD", "DY"])
    assert answers and answers[0]["category"] == "YD"
    assert {a["category"] for a in answers} <= {"YD", "DY"} and any(a["category"] == "DY" for a in answers)


def test_admin_adds_and_disables_an_answer(db, client, users, auth):
    auth.login("admin")
    seeded = [a["title"] for a in intake_assist.standard_answers(db.session, ["CH"])]
    response = client.post("/admin/answers", data={"category": "CH", "title": "本市长护险试点范围",
                                                   "content": "本市长期护理保险试点覆盖职工医保参保人员。"})
    assert response.status_code == 302
    answer = db.session.scalar(sa.select(StandardAnswer).where(StandardAnswer.title == "本市长护险试点范围"))
    assert [a["title"] for a in intake_assist.standard_answers(db.session, ["CH"])] == seeded + ["本市长护险试点范围"]
    client.post(f"/admin/answers/{answer.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert [a["title"] for a in intake_assist.standard_answers(db.session, ["CH"])] == seeded
    bad = client.post("/admin/answers", data={"category": "", "title": "", "content": "留着的内容"})
    assert bad.status_code == 400 and "请选择业务分类" in bad.get_data(as_text=True) and "留着的内容" in bad.get_data(as_text=True)
