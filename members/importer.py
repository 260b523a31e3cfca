"""Import members (and the organisations they belong to) from a CSV or XLSX sheet.

Columns (Chinese or English headings): 党员编号/number, 姓名/name, 手机号/phone,
所在党组织/organisation ("示范县委/河西村党总支/河西村第一党支部", missing levels are created),
流动党员/migrant, 年老体弱/housebound, 预备党员/probationary (是/否), 初始密码/password (optional:
without it the member signs in first with a code from the branch's printed list), and optionally
性别/gender (男/女), 出生日期/birth_date, 入党日期/joined_on, 转正日期/full_member_on (2020-07-01).

All or nothing: every row is checked first; with any error nothing is written, and the errors
are listed by row number (the spreadsheet's own row numbers, heading = row 1). A member whose
organisation changes is transferred (the transfer is kept, as the register's own transfers);
members transferred out of the county are read-only and refused.
"""

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from members import register, scoping
from members.models import Member, Organisation

COLUMNS = {
    "number": ("党员编号", "number", "编号"),
    "name": ("姓名", "name"),
    "phone": ("手机号", "phone", "手机"),
    "organisation": ("所在党组织", "organisation", "党组织", "所在支部"),
    "is_migrant": ("流动党员", "migrant"),
    "is_housebound": ("年老体弱", "housebound"),
    "is_probationary": ("预备党员", "probationary"),
    "password": ("初始密码", "password"),
    "gender": ("性别", "gender"),
    "birth_date": ("出生日期", "birth_date"),
    "joined_on": ("入党日期", "joined_on"),
    "full_member_on": ("转正日期", "full_member_on"),
}
GENDERS = {"男": Member.Gender.MALE, "女": Member.Gender.FEMALE, "male": Member.Gender.MALE,
           "female": Member.Gender.FEMALE, "m": Member.Gender.MALE, "f": Member.Gender.FEMALE}
DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")
PHONE = re.compile(r"^1\d{10}$")
TRUE = {"是", "1", "true", "yes", "y", "√", "✓"}
FALSE = {"否", "0", "false", "no", "n", ""}
MAX_ROWS = 50_000


@dataclass
class ImportResult:
    dry_run: bool
    errors: list = field(default_factory=list)  # [(row number, message)]
    valid_rows: int = 0
    created: int = 0
    updated: int = 0
    organisations_created: int = 0


def read_rows(fileobj, filename):
    """Yield (row number, {column: text}) from CSV (UTF-8 or GBK) or XLSX."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        workbook = load_workbook(fileobj, read_only=True, data_only=True)
        raw = (
            ["" if v is None else str(v).strip() for v in row]
            for row in workbook.worksheets[0].iter_rows(values_only=True)
        )
    else:
        data = fileobj.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError(_("无法识别文件编码，请另存为 UTF-8 的 CSV 或 XLSX。"))
        raw = ([c.strip() for c in row] for row in csv.reader(io.StringIO(text)))
    header = next(raw, None)
    if header is None:
        return
    index = {}
    for key, names in COLUMNS.items():
        for position, heading in enumerate(header):
            if heading.lower() in names:
                index[key] = position
    missing = [COLUMNS[k][0] for k in ("number", "name", "organisation") if k not in index]
    if missing:
        raise ValueError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    for number, row in enumerate(raw, start=2):
        if not any(row):
            continue
        yield number, {k: (row[i] if i < len(row) else "") for k, i in index.items()}


def _flag(value):
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(value)


class _Organisations:
    """Resolves "a/b/c" paths, creating missing levels (only inside the importer's scope)."""

    def __init__(self, user, dry_run):
        self.user = user
        self.dry_run = dry_run
        self.visible = set(scoping.managed_organisations(user).values_list("pk", flat=True))
        self.cache = {}
        self.created = 0

    def _find(self, parent, name):
        if parent is None:
            return Organisation.get_root_nodes().filter(name=name).first()
        if parent.pk is None:  # planned in a dry run
            return None
        return parent.get_children().filter(name=name).first()

    @staticmethod
    def kind_for(name):
        for suffix, kind in (
            ("党小组", Organisation.Kind.GROUP),
            ("党总支", Organisation.Kind.GENERAL_BRANCH),
            ("党委", Organisation.Kind.COMMITTEE),
            ("党工委", Organisation.Kind.COMMITTEE),
        ):
            if name.endswith(suffix):
                return kind
        return Organisation.Kind.BRANCH

    def resolve(self, text):
        names = [n.strip() for n in text.split("/") if n.strip()]
        if not names:
            raise ValueError(_("所在党组织为空。"))
        key, parent, in_scope = (), None, False
        for name in names:
            key = (*key, name)
            if key in self.cache:
                parent = self.cache[key]
            else:
                found = self._find(parent, name)
                if found is None:
                    if not (in_scope or scoping.is_administrator(self.user)):
                        raise ValueError(_("党组织“%(name)s”不存在或不在您的管理范围内。") % {"name": "/".join(key)})
                    found = Organisation(name=name, kind=self.kind_for(name))
                    if not self.dry_run:
                        if parent is None:
                            found = Organisation.add_root(name=name, kind=found.kind)
                        else:
                            found = Organisation.objects.get(pk=parent.pk).add_child(name=name, kind=found.kind)
                    self.created += 1
                self.cache[key] = found
                parent = found
            in_scope = in_scope or (parent.pk is not None and parent.pk in self.visible)
        if not in_scope:
            raise ValueError(_("党组织“%(name)s”不在您的管理范围内。") % {"name": text})
        return parent


def _date(value):
    match = DATE.match(value.strip())
    if match is None:
        raise ValueError(value)
    return dt.date(*(int(part) for part in match.groups()))


def _profile(row, errors):
    """The optional profile columns present and filled in the row."""
    fields = {}
    gender = (row.get("gender") or "").strip().lower()
    if gender:
        if gender not in GENDERS:
            errors.append(_("“性别”应填 男 或 女"))
        else:
            fields["gender"] = GENDERS[gender]
    for key in ("birth_date", "joined_on", "full_member_on"):
        if (row.get(key) or "").strip():
            try:
                fields[key] = _date(row[key])
            except ValueError:
                errors.append(_("“%(col)s”应为日期，如 2020-07-01") % {"col": COLUMNS[key][0]})
    return fields


def _check_row(row, seen_numbers, seen_phones, user, visible_member_ids):
    errors = []
    number, name, phone = row.get("number", ""), row.get("name", ""), row.get("phone", "")
    if not number:
        errors.append(_("党员编号为空"))
    elif len(number) > 40:
        errors.append(_("党员编号过长"))
    elif number in seen_numbers:
        errors.append(_("党员编号 %(n)s 与第 %(row)d 行重复") % {"n": number, "row": seen_numbers[number]})
    elif number in seen_phones:
        errors.append(_("党员编号 %(n)s 与第 %(row)d 行的手机号相同") % {"n": number, "row": seen_phones[number]})
    elif Member.objects.filter(phone=number).exclude(number=number).exists():
        # A login is a member number or a phone: one may not equal another member's other one.
        errors.append(_("党员编号 %(n)s 与其他党员的手机号相同，无法用于登录") % {"n": number})
    if not name:
        errors.append(_("姓名为空"))
    elif len(name) > 60:
        errors.append(_("姓名过长"))
    if phone:
        if not PHONE.match(phone):
            errors.append(_("手机号 %(p)s 格式不正确（应为11位数字）") % {"p": phone})
        elif phone in seen_phones:
            errors.append(_("手机号 %(p)s 与第 %(row)d 行重复") % {"p": phone, "row": seen_phones[phone]})
        elif phone in seen_numbers and phone != number:
            errors.append(_("手机号 %(p)s 与第 %(row)d 行的党员编号相同") % {"p": phone, "row": seen_numbers[phone]})
        elif Member.objects.filter(Q(phone=phone) | Q(number=phone)).exclude(number=number).exists():
            errors.append(_("手机号 %(p)s 已被其他党员使用") % {"p": phone})
    existing = Member.objects.filter(number=number).first() if number else None
    if existing is not None and existing.pk not in visible_member_ids:
        errors.append(_("党员编号 %(n)s 已存在，且不在您的管理范围内") % {"n": number})
    elif existing is not None and existing.is_read_only:
        errors.append(_("党员编号 %(n)s 已转出本县，记录只读") % {"n": number})
    flags = _profile(row, errors)
    for key in ("is_migrant", "is_housebound", "is_probationary"):
        try:
            flags[key] = _flag(row.get(key, ""))
        except ValueError:
            errors.append(_("“%(col)s”应填 是 或 否") % {"col": COLUMNS[key][0]})
    return errors, existing, flags


def import_file(fileobj, filename, *, user, dry_run=True):
    result = ImportResult(dry_run=dry_run)
    try:
        rows = list(read_rows(fileobj, filename))
    except (ValueError, KeyError, OSError) as error:
        result.errors.append((1, str(error)))
        return result
    except Exception as error:  # noqa: BLE001 - a broken XLSX raises zipfile/openpyxl errors
        result.errors.append((1, _("无法读取表格文件：%(e)s") % {"e": type(error).__name__}))
        return result
    if len(rows) > MAX_ROWS:
        result.errors.append((1, _("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}))
        return result
    # Imports change the register: only those who keep it there (members.scoping).
    visible_member_ids = set(scoping.managed_members(user).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            orgs = _Organisations(user, dry_run)
            seen_numbers, seen_phones, planned = {}, {}, []
            for row_number, row in rows:
                errors, existing, flags = _check_row(row, seen_numbers, seen_phones, user, visible_member_ids)
                try:
                    branch = orgs.resolve(row.get("organisation", ""))
                except ValueError as error:
                    errors.append(str(error))
                    branch = None
                seen_numbers.setdefault(row.get("number", ""), row_number)
                if row.get("phone"):
                    seen_phones.setdefault(row["phone"], row_number)
                if errors:
                    result.errors.extend((row_number, e) for e in errors)
                else:
                    planned.append((row, existing, flags, branch))
            result.valid_rows = len(planned)
            result.organisations_created = orgs.created
            if result.errors or dry_run:
                raise _Rollback()
            try:
                _write(planned, result, user)
            except ValidationError as error:  # a transfer the register refuses (another county …)
                result.errors.extend((1, message) for message in error.messages)
                result.created = result.updated = 0
                raise _Rollback() from None
    except _Rollback:
        pass
    return result


class _Rollback(Exception):
    pass


def _write(planned, result, by):
    User = get_user_model()
    touched = Counter()
    for row, existing, flags, branch in planned:
        fields = {"name": row["name"], "phone": row.get("phone") or None, **flags}
        if existing is not None:
            origin = existing.branch
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.save()
            if branch.pk != origin.pk:
                # Moved by the sheet: a transfer like any other, with its history.
                register.transfer(existing, branch, note=_("表格导入"), by=by)
            result.updated += 1
            touched[branch] += 1
            continue
        user = User(username=f"m-{row['number']}")
        if row.get("password"):
            user.set_password(row["password"])
        else:
            user.set_unusable_password()  # a first sign-in code (members.accounts) comes next
        user.save()
        Member.objects.create(user=user, number=row["number"], branch=branch, **fields)
        result.created += 1
        touched[branch] += 1
    for branch, count in touched.items():
        log(branch, "members.import", user=by, data={"organisation": branch.name, "count": count})
