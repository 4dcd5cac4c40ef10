"""How a cycle's subject — a task (nhiệm vụ) or an indicator (chỉ tiêu) of a plan — is named to people.

One wording everywhere: "Nhiệm vụ 12" / "Chỉ tiêu 8.1" in full, "NV12" / "CT8.1" where room is short
(SMS, Zalo parameters), and titles cut at a word with "…" rather than mid-word.
"""

TASK_NAME = "Nhiệm vụ"
INDICATOR_NAME = "Chỉ tiêu"
TITLE_LIMIT = 200


def subject_name(*, task: str | None = None, indicator: str | None = None) -> str:
    """ "Nhiệm vụ 12" for task number 12, "Chỉ tiêu 8.1" for indicator code 8.1."""
    return f"{TASK_NAME} {task}" if task is not None else f"{INDICATOR_NAME} {indicator}"


def subject_short(*, task: str | None = None, indicator: str | None = None) -> str:
    """ "NV12" / "CT8.1": the short form for SMS and template parameters."""
    return f"NV{task}" if task is not None else f"CT{indicator}"


def shorten(text: str, limit: int = TITLE_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when cut (at a word where one is near)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"
