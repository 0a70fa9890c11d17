"""What the pinned sign-in tests share: the moment the clock stands at, the messages people
read, and two helpers. Their fixtures (session, tomorrow, leaving, farmer, learner) are in
tests/attendance/conftest.py.
"""

import datetime

import pytest

from attendance import sign_in
from attendance.exceptions import (
    SignInRefused,
)
from attendance.models import (
    AttendanceRecord,
)
from attendance.services import attendance_sign_in
from tests.conftest import beijing

NOW = beijing(2026, 3, 5, 9, 0, 10)
TOMORROW = beijing(2026, 3, 6, 9, 0, 10)  # tomorrow's session is open then, not now
SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
Method = AttendanceRecord.Method
Status = AttendanceRecord.Status
SignInGrant = sign_in.SignInGrant

# What people read (Chinese, the site's language).
CANCELLED = "本期培训已取消。"
SIGN_IN_ENDED = "本期培训已结束，签到已关闭。请联系组织者为您登记。"
SIGN_OUT_CLOSED = "本期培训的签退已结束。"
NOT_A_TOKEN = "签到码无效，请重新扫描屏幕上的二维码。"
CODE_LENGTH = "请输入屏幕上显示的6位签到码。"
CODE_NOT_VALID = "签到码无效或已过期。请输入现场屏幕上的签到码，签到码每30秒更新一次。"
CODE_FITS_TWO = "该签到码同时对应多期培训，请改为扫描二维码。"
NOTHING_TO_SIGN_OUT = "您还没有签到本期培训，无法签退。"
ENTER_NAME = "请输入您的姓名。"
TOWNSHIP_VILLAGE = "请选择本乡镇的村。"
NO_SIGN_IN_FOUND = "没有找到您本期培训的签到记录，请到签到台找工作人员。"
CHOOSE_LISTED = "请从列出的人员中选择，或选择“新人员”。"
WALK_IN_DEALT_WITH = "这位现场登记人员已经处理过了。"
RATING_RANGE = "请选择1到5分。"
ALREADY_RATED = "您已经评价过本期培训，谢谢！"
ONLY_ATTENDEES = "只有参加了本期培训的人才能评价。"
PERSON_CODE_INVALID = "这不是有效的个人签到码，请核对号码。"

# A session with 签退, 08:00–10:00 today: signing out stays open until 10:30.
END = beijing(2026, 3, 5, 10, 0)


def sign_in_early(session, person):
    record, _ = attendance_sign_in(
        session=session, person=person, method=Method.QR, at=session.starts_at
    )
    return record


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(SignInRefused) as error:
        call(*args, **kwargs)
    return str(error.value)
