"""Chinese text for full-text search: jieba segmentation and Traditional -> Simplified folding.

jieba loads its dictionary (~1 s) on first use, so it is imported lazily, once, and kept quiet.
"""

import logging
import re
import threading
from pathlib import Path

_jieba = None
PARTY_WORDS = Path(__file__).resolve().parent / "data" / "words.txt"
_lock = threading.Lock()
WORD_RE = re.compile(r"\w+")
# Characters and words that carry no meaning in a query (stop characters).
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 是 在 有 吗 呢 吧 啊 呀 之 其 把 被 对 于 为 以 而 也 都 就 要 中 上 下 "
    "什么 怎么 怎样 如何 哪些 哪个 哪里 多少 关于 有关 规定 一下 请问 我 我们 你 他 她 它 这 那 这个 那个".split()
)


def jieba():
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba as module

                module.setLogLevel(logging.WARNING)
                module.initialize()
                for line in PARTY_WORDS.read_text(encoding="utf-8").splitlines():
                    if line.strip() and not line.startswith("#"):
                        module.add_word(line.strip())
                _jieba = module
    return _jieba


def to_simplified(text):
    """黨員 -> 党员 (zhconv: a small pure-Python table, kept as a dependency)."""
    import zhconv

    return zhconv.convert(text, "zh-cn")


def words(tokens):
    return [token for token in tokens if WORD_RE.fullmatch(token)]


def cut_for_index(text):
    """Text for the index: jieba cut_for_search (words and their sub-words), space-joined."""
    return " ".join(words(jieba().cut_for_search(to_simplified(text or ""))))


def cut_query(text):
    """A query cut into words (jieba cut), space-joined, stop words kept."""
    return " ".join(words(jieba().cut(to_simplified(text or ""))))


def query_terms(text):
    """Distinct meaningful words of a query, in order: no stop words, no punctuation. A long word
    also brings its dictionary sub-words (入党介绍人 -> 介绍人 …), as the index has them too: the
    text may say 作介绍人 where the query says 入党介绍人."""
    seen = []
    for token in cut_query(text).split():
        token = token.lower()
        if token in STOP_WORDS:
            continue
        parts = [token]
        if len(token) > 2 and not token.isascii():
            parts += [word for word in jieba().cut_for_search(token) if len(word) > 1]
        for part in parts:
            if part not in seen and part not in STOP_WORDS:
                seen.append(part)
    return seen
