"""What bulk grading writes for people: the gradebook, each student's feedback, the class report.

A *record* is one gradebook row: ``{"student": id, "names": (entry names,),
"late": bool, "data": results dict}`` where ``data`` is what grade() returns
(``status`` "graded" or why not) plus ``extra_data``.
"""
import base64
import csv
import html as htmlmod
import io
import re
import statistics
from collections import defaultdict
from urllib.parse import quote

from .checks.collect import FUNCTIONS, first_failure, function_of, function_points

# Rows with no grade decided yet: their score cells stay empty, and a bulk rerun retries them.
UNDECIDED = ("duplicate", "grader-error", "not-graded-yet")


def points(x):
    """A number of points as text: 5, 3.3333."""
    return f"{round(float(x), 4):g}"


# ------------------------------------------------------------ gradebook.csv

def gradebook(records, max_score):
    """gradebook.csv as text (the caller writes it as UTF-8 with BOM): one row per student,
    sorted as given; no times or dates, so the same class always gives the same file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", "score", "max_score", "status", *FUNCTIONS])
    for record in records:
        data = record["data"]
        status = data.get("status", "graded")
        student = _cell(record["student"])
        if status in UNDECIDED:
            writer.writerow([student, "", points(max_score), status, *[""] * len(FUNCTIONS)])
            continue
        per = function_points(data["tests"])
        writer.writerow([student, points(data["score"]), points(max_score), status,
                         *(points(per.get(f, (0, 0))[0]) for f in FUNCTIONS)])
    return buffer.getvalue()


def _cell(text):
    """A student id as a CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def one_line(student, data, max_score):
    """The progress line of one finished student."""
    status = data.get("status", "graded")
    if status == "graded":
        return f"  {student:<28} {points(data['score']):>6} / {points(max_score)}"
    return f"  {student:<28} {'-':>6}   未评分 / not graded: {status}"


# ------------------------------------------------------------ feedback.md

def _fence(text):
    """``text`` in a fenced code block whose fence no backtick run inside can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


WHAT_TO_DO = {
    "duplicate": ("助教会确认使用哪一份提交。", "The course staff will confirm which submission counts."),
    "grader-error": ("这是评分器的问题，不是你的问题；助教会重新评分。",
                     "This is a fault of the grader, not yours; the course staff will grade it again."),
    "not-graded-yet": ("还没有评分。", "Not graded yet."),
}


def feedback(student, data, max_score):
    """The bilingual (Chinese first) feedback for one student, as Markdown."""
    status = data.get("status", "graded")
    lines = [f"# 作业反馈 / Feedback: {student}", ""]
    if status != "graded":
        zh, en = WHAT_TO_DO.get(status, (
            "请按作业要求重新提交 two_layer_net.py（.py、.ipynb 或 .zip 文件）。",
            "Please resubmit two_layer_net.py as the assignment asks (a .py, .ipynb or .zip file)."))
        return "\n".join(lines + [f"**未评分 / Not graded** ({status})", "", _fence(data.get("output", "")), "",
                                  f"怎么办：{zh}", "", f"What to do: {en}", ""])
    tests = data["tests"]
    failed = [t for t in tests if t["score"] < t["max_score"]]
    lines += [f"**得分 / Score: {points(data['score'])} / {points(max_score)}**", ""]
    first = first_failure(tests)
    if first:
        lines += [f"先修这个 / Fix this first: **{first['name']}**", ""]
    if "could not be imported" in data.get("output", ""):
        lines += [_fence(data["output"]), ""]
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
                      _fence(test["output"]), ""]
    else:
        lines += ["全部检查都通过了，做得好！ / Every check passed, well done!", ""]
    notes = [t for t in tests if t["max_score"] == 0 and t["score"] == 0]   # information only
    if notes:
        lines += ["## 说明（不计分）/ Notes (no points)", ""]
        for test in notes:
            lines += [f"### {test['name']}", "", _fence(test["output"]), ""]
    passed = [t for t in tests if t["score"] >= t["max_score"] and t["max_score"] > 0]
    if passed:
        lines += ["## 通过的检查 / Passed checks", ""]
        for t in passed:   # a passed check's output past its first line is a note (an accuracy...)
            lines.append(f"- {t['name']} ({points(t['max_score'])} / {points(t['max_score'])})")
            lines += [f"  - {note}" for note in t["output"].split("\n")[1:] if note.strip()]
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------ report.html

def hint_of(output):
    """The hint of a failing check's output ("提示：..." and "Hint: ..."), else its first two lines."""
    lines = output.splitlines()
    hint = [l for l in lines if l.startswith(("提示：", "Hint: "))]
    return "\n".join(hint or lines[:2])


def common_mistakes(records):
    """[(hint, sorted students, check names in order)], most students first.

    Failing checks are grouped by their hint, which names the mistake (a hint
    such as "fill in YOUR CODE HERE" gathers every function it applies to).
    """
    groups = defaultdict(lambda: (set(), set()))
    for record in records:
        for test in record["data"].get("tests", []):
            if test["score"] < test["max_score"]:
                students, checks = groups[hint_of(test["output"])]
                students.add(record["student"])
                checks.add(test["name"])
    found = [(hint, sorted(who), sorted(checks, key=_check_order)) for hint, (who, checks) in groups.items()]
    return sorted(found, key=lambda g: (-len(g[1]), _check_order(g[2][0]), g[0]))


def _check_order(name):
    function = function_of({"name": name})
    return (FUNCTIONS.index(function) if function in FUNCTIONS else len(FUNCTIONS)), name


def check_pass_rates(graded):
    """[(check name, passed, total)] over the graded records, in the contract's order
    (within a function, as the checks come)."""
    rates = {}
    for record in graded:
        for test in record["data"]["tests"]:
            if test["max_score"] == 0:          # information-only lines are not checks
                continue
            passed, total = rates.get(test["name"], (0, 0))
            rates[test["name"]] = (passed + (test["score"] >= test["max_score"]), total + 1)
    return [(name, *rates[name]) for name in sorted(rates, key=lambda name: _check_order(name)[0])]


def _png(fig):
    """A matplotlib figure as a data: URL."""
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def score_histogram(scores, max_score):
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


def pass_rate_chart(rates):
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


CSS = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.sub { color: #666; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5em 1em; min-width: 7em; }
.card b { display: block; font-size: 1.5em; }
.card span { color: #666; font-size: .85em; }
table { border-collapse: collapse; font-size: .9em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.status { white-space: nowrap; }
td.full { background: #e3f2e1; } td.part { background: #fdf3d0; } td.zero { background: #f9dcdc; }
.students th.fn { font-size: .8em; }
.hint { white-space: pre-line; }
.who { color: #555; font-size: .85em; }
.badge { background: #eee; border-radius: 3px; padding: 0 .3em; font-size: .8em; color: #a33; }
img { max-width: 100%; }
.muted { color: #888; }
"""


def _e(text):
    return htmlmod.escape(str(text))


def _table(head, rows, classes=None):
    """An HTML table; ``rows`` hold already escaped HTML cells."""
    classes = classes or {}
    out = ["<table><tr>" + "".join(f'<th class="{classes.get(i, "")}">{h}</th>' for i, h in enumerate(head)) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(c if c.startswith("<td") else f'<td class="{classes.get(i, "")}">{c}</td>'
                                    for i, c in enumerate(row)) + "</tr>")
    return "\n".join(out + ["</table>"])


def _who(students, limit=8):
    shown = ", ".join(_e(s) for s in students[:limit])
    return shown + (f" … (+{len(students) - limit})" if len(students) > limit else "")


def html(records, max_score, title="", source=""):
    """report.html: one self-contained page (inline CSS, plots as embedded PNG)."""
    graded = [r for r in records if r["data"].get("status") == "graded"]
    refused = [r for r in records if r["data"].get("status") != "graded"]
    scores = [r["data"]["score"] for r in graded]
    parts = [f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
             f"<title>批量评分报告 / Class report</title><style>{CSS}</style></head><body>",
             "<h1>批量评分报告 / Class report</h1>",
             f"<p class=\"sub\">{_e(title)}<br>提交 / submissions: <code>{_e(source)}</code></p>"]

    cards = [("学生 / students", len(records)), ("已评分 / graded", len(graded)),
             ("未评分 / not graded", len(refused))]
    if scores:
        cards += [("平均分 / mean", points(round(statistics.mean(scores), 1))),
                  ("中位数 / median", points(statistics.median(scores))),
                  ("满分 / full marks", sum(s >= max_score for s in scores))]
    parts.append("<div class=\"cards\">" + "".join(f"<div class=\"card\"><b>{_e(v)}</b><span>{_e(k)}</span></div>"
                                                   for k, v in cards) + "</div>")

    parts.append("<h2>分数分布 / Score distribution</h2>")
    if scores:
        parts.append(f"<img alt=\"score histogram\" src=\"{score_histogram(scores, max_score)}\">")
    else:
        parts.append("<p class=\"muted\">没有已评分的提交 / no graded submissions</p>")

    rates = check_pass_rates(graded)
    parts.append(f"<h2>各检查通过率 / Pass rate of each check</h2>"
                 f"<p class=\"sub\">在 {len(graded)} 份已评分提交中 / among the {len(graded)} graded submissions</p>")
    if rates:
        parts.append(f"<img alt=\"pass rate of each check\" src=\"{pass_rate_chart(rates)}\">")

    mistakes = common_mistakes(graded)
    parts.append("<h2>常见错误 / Most common mistakes</h2>")
    if mistakes:
        rows = [[str(len(who)), f"<div class=\"hint\">{_e(hint)}</div>",
                 f"<span title=\"{_e(chr(10).join(checks))}\">"
                 + ", ".join(f"<code>{_e(f)}</code>" for f in dict.fromkeys(function_of({"name": c}) for c in checks))
                 + f"</span> <span class=\"who\">({len(checks)} {'check' if len(checks) == 1 else 'checks'})</span>",
                 _who(who)] for hint, who, checks in mistakes[:10]]
        parts.append(_table(["学生数 / students", "提示 / hint", "函数 / functions", "学生 / who"], rows, {0: "num"}))
    else:
        parts.append("<p class=\"muted\">没有 / none</p>")

    slow = sorted(records, key=lambda r: (-r["data"].get("execution_time", 0), r["student"]))[:5]
    parts.append("<h2>最慢的提交 / Slowest submissions</h2>")
    parts.append(_table(["学生 / student", "用时 / seconds", "得分 / score", "状态 / status"],
                        [[_e(r["student"]), f"{r['data'].get('execution_time', 0):.1f}", _score_text(r, max_score),
                          _e(r["data"].get("status", ""))] for r in slow], {1: "num", 2: "num"}))

    parts.append("<h2>未评分的提交 / Submissions not graded</h2>")
    if refused:
        parts.append(_table(["学生 / student", "状态 / status", "原因 / reason", "提交的文件 / submitted"],
                            [[_e(r["student"]), f"<code>{_e(r['data'].get('status'))}</code>",
                              _e(_reason(r["data"])), _e(", ".join(r["names"]))] for r in refused]))
    else:
        parts.append("<p class=\"muted\">没有 / none</p>")

    parts.append("<h2>全部学生 / All students</h2>"
                 "<p class=\"sub\">点击学生查看发给他的反馈 / click a student to open their feedback</p>")
    parts.append(_students_table(records, max_score))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _reason(data):
    output = data.get("output", "")
    return output.split(": ", 1)[1] if output.startswith("未评分") and ": " in output else output


def _score_text(record, max_score):
    data = record["data"]
    if data.get("status") in UNDECIDED:
        return "–"
    return f"{points(data['score'])} / {points(max_score)}"


def _students_table(records, max_score):
    head = ["学生 / student", "得分 / score", "状态 / status"]
    head += [f"<span title=\"{_e(f)}\">{_e(f).replace('.', '.<wbr>').replace('_', '_<wbr>')}</span>"
             for f in FUNCTIONS]
    rows = []
    for record in records:
        data = record["data"]
        link = f"<a href=\"{quote(record['student'])}/feedback.md\">{_e(record['student'])}</a>"
        if record.get("late"):
            link += " <span class=\"badge\">late</span>"
        row = [link, _score_text(record, max_score), _e(data.get("status", ""))]
        per = function_points(data.get("tests", []))
        for function in FUNCTIONS:
            if function not in per:
                row.append("<td class=\"num muted\">–</td>")
                continue
            score, total = per[function]
            kind = "full" if score >= total else "part" if score > 0 else "zero"
            row.append(f"<td class=\"num {kind}\">{points(score)}</td>")
        rows.append(row)
    classes = {1: "num", 2: "status", **{3 + i: "fn" for i in range(len(FUNCTIONS))}}
    return _table(head, rows, classes).replace("<table>", "<table class=\"students\">", 1)
