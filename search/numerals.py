"""Chinese numerals as used in article labels (第一百四十二条), both ways."""

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)


def cn_to_int(text):
    """'一百零五' -> 105, '十一' -> 11, '41' -> 41. Raises ValueError on anything else."""
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdigit():
        return int(text)
    total, current = 0, None
    for char in text:
        if char in DIGITS:
            current = DIGITS[char]
        elif char in UNITS:
            # A bare unit counts as one of it: 十一 is 11.
            total += (1 if current is None else current) * UNITS[char]
            current = None
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + (current or 0)


def int_to_cn(number):
    """105 -> '一百零五', 11 -> '十一', 20 -> '二十' (1..9999), the way articles are labelled."""
    if not 0 < number < 10000:
        raise ValueError(f"out of range: {number}")
    names = "零一二三四五六七八九"
    parts, zero_pending = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if not (unit == "十" and digit == 1 and not parts):
            parts.append(names[digit])
        parts.append(unit)
    return "".join(parts)
