"""The administrator's forms (Flask-WTF: every POST carries the CSRF token)."""
from __future__ import annotations

from wtforms import DateField as _DateField
from wtforms import DecimalField as _DecimalField
from wtforms import IntegerField as _IntegerField
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ticketing.models import Channel, Role, TicketType, Urgency
from ticketing.services.administration import UNIT_TITLES
from ticketing.services.sign_in import PASSWORD_RULE
from ticketing.views.forms import ChineseForm



class _ChineseMessage:
    """WTForms' own "Not a valid … value." replaced by a Chinese message."""

    message = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None


class IntegerField(_ChineseMessage, _IntegerField):
    message = "请填写整数"


class DecimalField(_ChineseMessage, _DecimalField):
    message = "请填写数字"

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():  # NaN, sNaN, Infinity: sNaN was a 500 (a review)
            self.data = None
            raise ValueError(self.message)


class DateField(_ChineseMessage, _DateField):
    message = "日期格式应为 2027-10-01"


ANY = [("", "（任意）")]
UNITS = list(UNIT_TITLES.items())
NUMBER = "请填写整数"


class RoutingRuleForm(ChineseForm):
    name = StringField("规则名称", validators=[DataRequired("请填写规则名称"), Length(max=100, message="最多 100 字")])
    priority = IntegerField("优先级（越大越优先）", default=100,
                            validators=[InputRequired(NUMBER)])
    category = SelectField("业务分类", choices=[], validate_choice=False)
    region = StringField("区县", validators=[Optional(), Length(max=50, message="最多 50 字")])
    channel = SelectField("来源渠道", choices=ANY + Channel.choices())
    ticket_type = SelectField("诉求类型", choices=ANY + TicketType.choices())
    department = SelectField("承办单位", choices=[], validate_choice=False)


class RoutePreviewForm(ChineseForm):
    """GET form: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    category = SelectField("业务分类", choices=[], validate_choice=False)
    region = StringField("区县", validators=[Optional(), Length(max=50)])
    channel = SelectField("来源渠道", choices=ANY + Channel.choices())
    ticket_type = SelectField("诉求类型", choices=ANY + TicketType.choices())


class DeadlinePolicyForm(ChineseForm):
    ticket_type = SelectField("诉求类型", choices=ANY + TicketType.choices())
    urgency = SelectField("紧急程度", choices=ANY + Urgency.choices())
    channel = SelectField("来源渠道", choices=ANY + Channel.choices())
    accept_amount = IntegerField("签收时限", validators=[InputRequired(NUMBER),
                                                      NumberRange(min=1, message="签收时限必须是正整数")])
    accept_unit = SelectField("签收时限单位", choices=UNITS)
    reply_amount = IntegerField("答复时限", validators=[InputRequired(NUMBER),
                                                     NumberRange(min=1, message="答复时限必须是正整数")])
    reply_unit = SelectField("答复时限单位", choices=UNITS)
    max_extension_days = IntegerField("最长延期（日，可空）", validators=[
        Optional(), NumberRange(min=1, max=365, message="最长延期天数应为 1–365 的整数，不限制请留空（至多一年）")])


class HolidayForm(ChineseForm):
    day = DateField("日期", validators=[InputRequired("请填写日期，格式 2027-10-01")])
    last_day = DateField("至", validators=[Optional()])
    kind = SelectField("类别", choices=[("holiday", "放假"), ("workday", "调休上班")])
    name = StringField("名称", validators=[Optional(), Length(max=50, message="最多 50 字")])


class CalendarYearForm(ChineseForm):
    year = IntegerField("年份", validators=[InputRequired(NUMBER), NumberRange(min=2000, max=2100,
                                                                            message="年份应在 2000 到 2100 之间")])
    confirmed = SelectField("状态", choices=[("1", "已确认（节假日已录入完整）"), ("0", "未确认")], default="1")


# places=None: a value is shown as it is kept. Rounded for the page (0.999 shown as 1.00, 33.3 % as 33), the next save
# of anything else on it wrote the rounded value back, unasked, in the administrator's name (an administrator's week)
def _percent(label: str):
    return DecimalField(label, places=None, validators=[
        InputRequired("请填写 0 到 100 的百分比"), NumberRange(min=0, max=100, message="应在 0 到 100 之间")])


class SettingsForm(ChineseForm):
    share_consult = _percent("咨询回访比例（%）")
    share_help = _percent("求助回访比例（%）")
    share_complaint = _percent("投诉回访比例（%）")
    share_report = _percent("举报回访比例（%）")
    share_suggestion = _percent("建议回访比例（%）")
    share_praise = _percent("表扬回访比例（%）")
    return_window_working_days = IntegerField("退回时限（派发后工作日）", validators=[
        InputRequired(NUMBER), NumberRange(min=1, max=60, message="应为 1 到 60 个工作日")])
    classifier_threshold = DecimalField("自动派发置信度阈值（0–1，留空用模型阈值）", places=None, validators=[
        Optional(), NumberRange(min=0.01, max=1, message="应在 0.01 到 1 之间")])
    near_deadline_hours = IntegerField("临近到期提醒（小时）", validators=[
        InputRequired(NUMBER), NumberRange(min=1, max=720, message="应为 1 到 720 小时")])
    callback_attempts = IntegerField("回访未接通时最多尝试（次）", validators=[
        InputRequired(NUMBER), NumberRange(min=1, max=10, message="应为 1 到 10 次")])
    callback_retry_minutes = IntegerField("未接通后再次回访间隔（分钟）", validators=[
        InputRequired(NUMBER), NumberRange(min=0, max=1440, message="应为 0 到 1440 分钟")])
    assist_working_days = IntegerField("协办反馈时限（工作日）", validators=[
        InputRequired(NUMBER), NumberRange(min=1, max=30, message="应为 1 到 30 个工作日")])
    hotspot_similarity = DecimalField("热点诉求相似度（0.3–0.9）", places=None, validators=[
        InputRequired("请填写相似度，如 0.5"), NumberRange(min=0.3, max=0.9, message="应在 0.3 到 0.9 之间")])


class UserForm(ChineseForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=50, message="最多 50 个字符")])
    display_name = StringField("姓名", validators=[Optional(), Length(max=50, message="最多 50 字")])
    role = SelectField("角色", choices=[(r.value, r.title) for r in Role])
    department = SelectField("所属承办单位（承办人员必填）", choices=[], validate_choice=False)
    password = PasswordField("初始密码", validators=[DataRequired("请填写密码"), Length(min=8, message="密码至少 8 位")])


class UserEditForm(ChineseForm):
    display_name = StringField("姓名", validators=[Optional(), Length(max=50, message="最多 50 字")])
    role = SelectField("角色", choices=[(r.value, r.title) for r in Role])
    department = SelectField("所属承办单位（承办人员必填）", choices=[], validate_choice=False)


class PasswordResetForm(ChineseForm):
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码"), Length(min=8, message="密码至少 8 位")],
                             description=f"{PASSWORD_RULE}；对方下次登录须修改")
    confirm = PasswordField("再次输入", validators=[EqualTo("password", message="两次输入的密码不一致")])


class ConfirmForm(ChineseForm):
    """An empty form for one-button actions (enable/disable/delete): only the CSRF token."""


class DepartmentForm(ChineseForm):
    code = StringField("编码", validators=[Optional(), Length(max=20)])
    # the name is checked by the service with the code, so an empty form hears of both at once
    name = StringField("单位名称", validators=[Optional(), Length(max=100)])
    region = StringField("所辖区县（县区医保局填写）", validators=[Optional(), Length(max=50)])
    parent = SelectField("上级单位", choices=[], validate_choice=False)
    duty_phone = StringField("值班手机（紧急工单短信提醒）", validators=[Optional(), Length(max=20)])


class ReviewItemForm(ChineseForm):
    title = StringField("检查内容", validators=[DataRequired("请填写检查内容"), Length(max=100, message="最多 100 字")])
    applies_to = SelectField("适用工单", choices=[], validate_choice=False)


class CategoryForm(ChineseForm):
    code = StringField("编码", validators=[Optional(), Length(max=10)])
    name = StringField("分类名称", validators=[Optional(), Length(max=50)])  # checked with the code, as above
    default_department = SelectField("默认承办单位", choices=[], validate_choice=False)
    description = StringField("典型内容", validators=[Optional(), Length(max=500)])


class StandardAnswerForm(ChineseForm):
    category = SelectField("业务分类", choices=[], validate_choice=False, validators=[DataRequired("请选择业务分类")])
    title = StringField("口径标题", validators=[DataRequired("请填写口径标题"), Length(max=100)])
    content = TextAreaField("答复内容", validators=[DataRequired("请填写答复内容"), Length(max=5000)])


class AnnouncementForm(ChineseForm):
    """通知公告, by a supervisor or an administrator."""

    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=100, message="标题最多 100 字")])
    content = TextAreaField("内容", validators=[DataRequired("请填写内容"), Length(max=5000, message="内容最多 5000 字")])
    roles = SelectMultipleField("发给", choices=[(role.value, role.title) for role in Role],
                                default=[Role.AGENT.value], option_widget=CheckboxInput(), widget=ListWidget(),
                                validators=[DataRequired("请选择发给哪些人员")],
                                invalid_choice_message="“%(value)s”不是可选的人员类别")  # WTForms' zh is fuzzy
    departments = SelectMultipleField("只发给这些单位的承办人员（不选则发给全部承办单位）", choices=[],
                                      option_widget=CheckboxInput(), widget=ListWidget(), validate_choice=False)
    important = BooleanField("重要：在对方每个页面顶部提示，直到其标为已阅")
    expires_on = DateField("显示至（含当天；不填则显示 30 天）", validators=[Optional()])


class RiskPhrasesForm(ChineseForm):
    """风险提示词: the centre's own phrases, in the shipped file's format."""

    phrases = TextAreaField("本中心补充的风险提示词", validators=[Length(max=20000, message="最多 20000 字")])
