from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, EqualTo, Length


class ChineseForm(FlaskForm):
    """Every page form: WTForms' own messages (a field too long, a number expected) in Chinese, from the
    translations WTForms ships (Flask-WTF would look for Flask-Babel, which the project does not use)."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)


class LoginForm(ChineseForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])
    remember = BooleanField("保持登录")


class ChangePasswordForm(ChineseForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    password = PasswordField("新密码", validators=[DataRequired("请填写新密码")])
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("password", message="两次输入的新密码不一致")])


from wtforms import RadioField, SelectField, TextAreaField  # noqa: E402
from wtforms.validators import Optional  # noqa: E402

from ticketing.models.enums import Channel, TicketType, Urgency  # noqa: E402

AGENT_CHANNELS = [(c.value, c.title) for c in (Channel.HOTLINE_12393, Channel.TRANSFER_12345, Channel.VISIT, Channel.LETTER)]


class CallForm(ChineseForm):
    """来电登记: the agent's form, in the order the conversation goes."""

    caller_phone = StringField("来电号码", validators=[Optional(), Length(max=20)])
    caller_name = StringField("姓名", validators=[Optional(), Length(max=50, message="姓名过长")])
    caller_id_number = StringField("身份证号", validators=[Optional(), Length(max=24, message="身份证号应为 18 位")])
    region = StringField("所属区县", validators=[Optional(), Length(max=50)])
    channel = SelectField("来源", choices=AGENT_CHANNELS, default=Channel.HOTLINE_12393.value)
    transfer_reference = StringField("12345 转办编号", validators=[Optional(), Length(max=100)])
    call_reference = StringField("来电流水号", validators=[Optional(), Length(max=64, message="来电流水号最多 64 个字符")])
    type = RadioField("诉求类型", choices=TicketType.choices(), default=TicketType.CONSULT.value)
    urgency = RadioField("紧急程度", choices=Urgency.choices(), default=Urgency.NORMAL.value)
    title = StringField("标题", validators=[Optional(), Length(max=200, message="标题最多 200 字")])
    content = TextAreaField("诉求内容", validators=[DataRequired("请填写诉求内容"), Length(max=20000)])
    category = SelectField("业务分类", choices=[], validate_choice=False)
    department = SelectField("承办单位", choices=[], validate_choice=False)
    answer = TextAreaField("当场答复内容", validators=[Optional(), Length(max=5000)])
