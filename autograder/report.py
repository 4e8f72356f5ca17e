"""What bulk grading writes for people to read: each student's feedback and the class report.

Records are gradebook.py's. ``report.html`` is rendered from the Jinja2 templates in
``templates/`` into one self-contained page (inline CSS and script, plots as
embedded PNG).
"""
from __future__ import annotations

import base64
import io
import statistics
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from .checks.runner import function_of, function_points
from .checks.verdict import render_fix_first
from .gradebook import note, points, status_of
from .grade import is_sandbox_entry
from .settings import graded_functions
from .text import MAX_CODE, MAX_FEEDBACK, cut, html_value, md_block, md_code, md_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from markupsafe import Markup

    from .similarity import Pair

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PAIRS = 10          # pairs listed in the report (all of them are in similarity.csv)

def one_line(student: str, data: dict[str, Any], max_score: float) -> str:
    """The progress line of one finished student."""
    status = data.get("status", "graded")
    if status == "graded":
        return f"  {student:<28} {points(data['score']):>6} / {points(max_score)}"
    return f"  {student:<28} {'-':>6}   未评分 / not graded: {status}"


# ------------------------------------------------------------ feedback.md

WHAT_TO_DO = {
    "duplicate": ("助教会确认使用哪一份提交。", "The course staff will confirm which submission counts."),
    "grader-error": ("这是评分器的问题，不是你的问题；助教会重新评分。",
                     "This is a fault of the grader, not yours; the course staff will grade it again."),
    "not-graded-yet": ("还没有评分。", "Not graded yet."),
}


def feedback(record: dict[str, Any], max_score: float) -> str:
    """The bilingual (Chinese first) feedback for one student, as Markdown of at most
    MAX_FEEDBACK bytes. Every text from the submission or its file names goes through
    text.md_code, md_text or md_block: it is shown, never rendered."""
    student, data, final, entry = record["student"], record["data"], record["final"], record["entry"]
    status = status_of(record)
    lines = [f"# 作业反馈 / Feedback: {md_code(student)}", ""]
    if entry.superseded:
        lines += ["评分使用的是你最新的提交；以下较早的提交未评分 / Your newest submission was graded; "
                  "these earlier ones were not: " + ", ".join(map(md_code, entry.superseded)), ""]
    if entry.skipped:
        lines += ["班级 zip 中以下文件无法读取，未评分 / These files of the class zip could not be read and were "
                  "not graded: " + ", ".join(f"{md_code(name)} ({status})" for name, status in entry.skipped), ""]
    if final is None:
        zh, en = WHAT_TO_DO.get(status, (
            "请按作业要求重新提交 two_layer_net.py（.py、.ipynb 或 .zip 文件）。",
            "Please resubmit two_layer_net.py as the assignment asks (a .py, .ipynb or .zip file)."))
        return cut("\n".join(lines + [f"**未评分 / Not graded** ({md_text(status)})", "",
                                      md_block(data.get("output", "")), "", f"怎么办：{zh}", "", f"What to do: {en}", ""]),
                   MAX_FEEDBACK)
    tests = data["tests"]
    failed = [t for t in tests if t["score"] < t["max_score"]]
    lines += [f"**得分 / Score: {points(final['score'])} / {points(max_score)}**", ""]
    if final["late_penalty"] or final["overrides"]:
        lines += [f"- 评分器给分 / points from the checks: {points(final['raw'])}"]
        if final["late_penalty"]:
            lines += [f"- 迟交扣分 / late penalty: -{points(final['late_penalty'])}"]
        for override, change in final["overrides"]:
            what = "总分调整 / adjustment" if override.item == "adjust" else \
                f"`{override.item}` 改为 / set to {points(override.points)}"
            lines += [f"- {what} ({'+' if change >= 0 else ''}{points(change)}): {md_text(override.reason)}"]
        lines.append("")
    elif entry.late:
        lines += ["迟交 / Submitted late.", ""]
    first = data.get("fix_first")
    if first:       # it may quote the submission's import error
        lines += [md_block(render_fix_first(first)), ""]
    lines += ["## 各函数得分 / Points per function", "",
              "| 函数 / function | 得分 / points | 结果 / result |", "|---|---:|---|"]
    for function, (score, total) in function_points(tests).items():
        mark = "通过 / passed" if score >= total else "**未通过 / failed**"
        lines.append(f"| `{function}` | {points(score)} / {points(total)} | {mark} |")
    lines.append("")
    if failed:
        lines += ["## 没有通过的检查与修改方法 / Failed checks and what to fix", ""]
        for test in failed:
            lines += [f"### {test['name']} ({points(test['score'])} / {points(test['max_score'])})", "",
                      md_block(test["output"]), ""]
    else:
        lines += ["全部检查都通过了，做得好！ / Every check passed, well done!", ""]
    notes = [t for t in tests if t["max_score"] == 0 and t["score"] == 0   # information only
             and not is_sandbox_entry(t)]                                # the instructor's
    if notes:
        lines += ["## 说明（不计分）/ Notes (no points)", ""]
        for test in notes:
            lines += [f"### {test['name']}", "", md_block(test["output"]), ""]
    passed = [t for t in tests if t["score"] >= t["max_score"] and t["max_score"] > 0]
    if passed:
        lines += ["## 通过的检查 / Passed checks", ""]
        for t in passed:   # a passed check's output past its first line is a note (an accuracy...)
            lines.append(f"- {t['name']} ({points(t['max_score'])} / {points(t['max_score'])})")
            lines += [f"  - {md_text(note)}" for note in t["output"].split("\n")[1:] if note.strip()]
        lines.append("")
    return cut("\n".join(lines), MAX_FEEDBACK)


# ------------------------------------------------------------ report.html

def hint_of(test: dict[str, Any]) -> str:
    """What names a failed check's mistake: its hint (Chinese, English), else what went
    wrong, else the kind of failure (the entry's ``failure`` data, never its text)."""
    failure = test.get("failure") or {}
    if failure.get("hint"):
        return f"提示：{failure['hint'][0]}\nHint: {failure['hint'][1]}"
    if failure.get("what"):
        return "\n".join(failure["what"])
    return KIND_NAMES.get(failure.get("kind"), "未通过 / failed")


KIND_NAMES = {"grader": "检查本身出错 / the check itself failed",
              "timeout": "超时 / ran out of time", "crash": "进程崩溃 / the process died"}


def common_mistakes(records: list[dict[str, Any]],
                    functions: Sequence[str] | None = None) -> list[tuple[str, list[str], list[str]]]:
    """[(hint, sorted students, check names in order)], most students first.
    ``functions``: the graded functions in order (default: course.toml's).

    Failing checks are grouped by their hint, which names the mistake (a hint
    such as "fill in YOUR CODE HERE" gathers every function it applies to).
    """
    groups = defaultdict(lambda: (set(), set()))
    for record in records:
        for test in record["data"].get("tests", []):
            if test["score"] < test["max_score"]:
                students, checks = groups[hint_of(test)]
                students.add(record["student"])
                checks.add(test["name"])
    order = _check_order(functions or graded_functions())
    found = [(hint, sorted(who), sorted(checks, key=order)) for hint, (who, checks) in groups.items()]
    return sorted(found, key=lambda g: (-len(g[1]), order(g[2][0]), g[0]))


def _check_order(functions):
    """The sort key of check names: by function (``functions``' order), then by name."""
    def key(name):
        function = function_of({"name": name})
        return (functions.index(function) if function in functions else len(functions)), name
    return key


def check_pass_rates(graded: list[dict[str, Any]],
                     functions: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
    """[(check name, passed, total)] over the graded records, in the order of ``functions``
    (default: course.toml's; within a function, as the checks come)."""
    order = _check_order(functions or graded_functions())
    rates = {}
    for record in graded:
        for test in record["data"]["tests"]:
            if test["max_score"] == 0:          # information-only lines are not checks
                continue
            passed, total = rates.get(test["name"], (0, 0))
            rates[test["name"]] = (passed + (test["score"] >= test["max_score"]), total + 1)
    return [(name, *rates[name]) for name in sorted(rates, key=lambda name: order(name)[0])]


def _png(fig):
    """A matplotlib figure as a data: URL (Markup: the report's own, which text.html_value does not cap)."""
    import matplotlib.pyplot as plt
    from markupsafe import Markup
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Markup("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"))


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def score_histogram(scores: list[float], max_score: float) -> str:
    """The score distribution as a data: URL (bins of a tenth of the maximum)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    edges = [max_score * i / 10 for i in range(11)]
    counts, _, bars = ax.hist(scores, bins=edges, color="#4c78a8", edgecolor="white")
    ax.bar_label(bars, labels=[str(int(c)) if c else "" for c in counts], fontsize=9)
    ax.set_xlim(0, max_score)
    ax.set_xticks(edges)
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def pass_rate_chart(rates: list[tuple[str, int, int]]) -> str:
    """Each check's pass rate as a horizontal bar chart (data: URL)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rates) + 0.8))
    names = [name for name, _, _ in rates]
    values = [100 * passed / total for _, passed, total in rates]
    colors = ["#54a24b" if v >= 80 else "#eeca3b" if v >= 50 else "#e45756" for v in values]
    y = range(len(rates))
    ax.barh(y, values, color=colors)
    ax.set_yticks(list(y), [n if len(n) <= 72 else n[:69] + "..." for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("students passing (%)")
    for i, (_, passed, total) in enumerate(rates):
        ax.text(101, i, f"{passed}/{total}", va="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def html(records: list[dict[str, Any]], max_score: float, settings: dict[str, Any], source: str = "",
         pairs: Sequence[Pair] = (), prints: dict[str, Any] | None = None) -> str:
    """report.html as text. ``pairs``: similarity.compare's, most similar first;
    ``prints``: the fingerprints they came from (for the side-by-side code)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]),
                      keep_trailing_newline=True, finalize=html_value)   # every value printable and capped
    env.filters["wbr"] = lambda name: _wbr(name)
    graded = [r for r in records if r["final"] is not None]
    refused = [r for r in records if r["final"] is None]
    scores = [r["final"]["score"] for r in graded]
    threshold = settings["similarity"]["threshold"]
    cards = [("学生 / students", len(records)), ("已评分 / graded", len(graded)),
             ("未评分 / not graded", len(refused)), ("迟交 / late", sum(r["entry"].late for r in records))]
    if scores:
        cards += [("平均分 / mean", points(round(statistics.mean(scores), 1))),
                  ("中位数 / median", points(statistics.median(scores))),
                  ("满分 / full marks", sum(s >= max_score for s in scores))]
    from .similarity import flagged             # what a pair shares beyond the class's agreement
    flags = {(p.student_a, p.student_b) for p in flagged(prints or {}, threshold)}
    listed = [dict(p.__dict__, flagged=(p.student_a, p.student_b) in flags) for i, p in enumerate(pairs)
              if i < MAX_PAIRS or (p.student_a, p.student_b) in flags]
    shown = []
    for pair in [p for p in listed if p["flagged"]]:
        code_a, code_b = similarity_code(prints, pair)
        shown.append(dict(pair, code_a=code_a, code_b=code_b))
    functions = graded_functions(settings)
    rates = check_pass_rates(graded, functions)
    return env.get_template("report.html.j2").render(
        title=settings["assignment"]["title"], source=source, cards=cards, functions=functions,
        students=[_student_row(r, functions) for r in sorted(records, key=_by_score)],
        threshold=threshold, pairs=listed, shown=shown,
        overrides=[_override_row(r, o) for r in records for o in r["overrides"]],
        histogram=score_histogram(scores, max_score) if scores else None,
        graded=len(graded), pass_rates=pass_rate_chart(rates) if rates else None,
        mistakes=[{"hint": hint, "who": who, "checks": checks,
                   "functions": list(dict.fromkeys(function_of({"name": c}) for c in checks))}
                  for hint, who, checks in common_mistakes(graded, functions)[:10]],
        slow=[{"student": r["student"], "seconds": r["data"].get("execution_time", 0), "status": status_of(r),
               "score": _score_text(r, max_score)}
              for r in sorted(records, key=lambda r: (-r["data"].get("execution_time", 0), r["student"]))[:5]],
        refused=[{"student": r["student"], "status": status_of(r), "reason": _reason(r["data"]),
                  "names": ", ".join(r["entry"].names)} for r in refused])


def similarity_code(prints: dict[str, Any], pair: dict[str, Any]) -> tuple[Markup, Markup]:
    """The two students' code, HTML-escaped, with what they share in <mark>; each
    cut after MAX_CODE bytes (at a line end, its <mark> closed)."""
    from markupsafe import Markup
    from .similarity import side_by_side
    a, b = side_by_side(prints[pair["student_a"]], prints[pair["student_b"]])
    return Markup(_cut_code(a)), Markup(_cut_code(b))


def _cut_code(code):
    """Escaped code (copydetect's, with <mark> tags) cut after MAX_CODE bytes at a line end."""
    size = len(code.encode("utf-8"))
    if size <= MAX_CODE:
        return code
    kept = code.encode("utf-8")[:MAX_CODE].decode("utf-8", "ignore").rsplit("\n", 1)[0]
    closing = "</mark>" if kept.count("<mark>") > kept.count("</mark>") else ""
    return f"{kept}{closing}\n… ({size - len(kept.encode('utf-8'))} bytes more)"


def _wbr(name):
    """A function name that may break after its dots and underscores."""
    from markupsafe import Markup, escape
    return Markup(str(escape(name)).replace(".", ".<wbr>").replace("_", "_<wbr>"))


def _by_score(record):
    final = record["final"]
    return (final is None, final["score"] if final else 0, record["student"].casefold())


def _student_row(record, graded):
    final = record["final"]
    functions = []
    per = final["functions"] if final else {}
    for function in graded:
        if function not in per:
            functions.append({"kind": "muted", "text": "–", "sort": ""})
            continue
        score, total = per[function]
        functions.append({"kind": "full" if score >= total else "part" if score > 0 else "zero",
                          "text": points(score), "sort": score})
    return {"student": record["student"], "status": status_of(record), "late": record["entry"].late,
            "score": points(final["score"]) if final else "–", "score_sort": final["score"] if final else "",
            "raw": points(final["raw"]) if final else "–", "raw_sort": final["raw"] if final else "",
            "functions": functions, "note": note(record)}


def _override_row(record, override):
    changes = dict((o.line, change) for o, change in (record["final"] or {}).get("overrides", []))
    change = changes.get(override.line)
    return {"student": record["student"], "item": override.item, "points": points(override.points),
            "change": "未应用 / not applied (not graded)" if change is None else f"{change:+g}",
            "reason": override.reason, "line": override.line}


def _reason(data):
    output = data.get("output", "")
    return output.split(": ", 1)[1] if output.startswith("未评分") and ": " in output else output


def _score_text(record, max_score):
    final = record["final"]
    return f"{points(final['score'])} / {points(max_score)}" if final else "–"
