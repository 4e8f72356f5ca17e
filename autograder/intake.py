"""Find and read the student's ``two_layer_net.py`` in what they handed in.

A submission is a ``.py`` file, a notebook (its code cells), a folder or a
``.zip`` holding one (possibly nested a level, with other files beside it).
A virtual environment or conda environment in the folder or zip (a folder holding
``pyvenv.cfg`` or ``conda-meta``, e.g. the ``.venv`` of the student's set-up) is
skipped, as are hidden folders and caches: they count towards no limit.
Zips are read in memory after their sizes are checked: nothing is extracted,
so no entry can land outside a private folder, and links are never followed.
Source text may be UTF-8 (with or without BOM) or GBK/GB18030, with any line ends.
Which of the module-level code is graded is decided later, the same way for
``.py`` files and notebooks (``checks.program``).
"""
from __future__ import annotations

import codecs
import json
import lzma
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

WANTED = "two_layer_net"
MAX_SOURCE = 1 << 20          # 1 MiB of source is far more than any real answer
MAX_NOTEBOOK = 32 << 20       # a notebook handed in with its outputs (pictures): only its code is graded
MAX_ZIP_TOTAL = 64 << 20      # uncompressed bytes over all entries
MAX_ZIP_ENTRIES = 2000
MAX_RATIO = 200               # uncompressed / compressed, per entry: zip bombs go far beyond
# What reading a damaged or crafted zip raises (corrupt deflate, LZMA or bzip2 data,
# a bad CRC, a password, an unknown method, a truncated file): the student's, never the grader's.
BROKEN_ZIP = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error,
              lzma.LZMAError)
JUNK = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")
JUNK_FILES = ("thumbs.db", "desktop.ini")
ENV_MARKERS = ("pyvenv.cfg", "conda-meta")   # what makes a folder a (conda) virtual environment
WHAT_TO_SUBMIT = ("请只提交 two_layer_net.py 这一个文件（或只装着它的文件夹或 .zip，不要包含 .venv、data/）。"
                  " / Submit only two_layer_net.py (or a folder or .zip holding it, without .venv or data/).")


class Refused(Exception):
    """The submission cannot be graded. ``status`` is a short code for the gradebook."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def junk(name: str) -> bool:
    """Whether a file or folder name is operating-system clutter, never a submission."""
    return name in JUNK or name.startswith(".") or name.lower() in JUNK_FILES


def _junk(parts):
    return any(map(junk, parts))


def zip_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's name as its author saw it, with / separators: zips without
    the UTF-8 flag are usually GBK on Chinese Windows, which zipfile reads as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        raw = name.encode("cp437", "replace")
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return name.replace("\\", "/")


def unsafe_path(name: str) -> bool:
    """Whether a zip entry's name (``zip_name``'s) could land outside the folder it belongs
    in: empty, absolute, with ``..``, a drive (``C:``) or a NUL. Both zip readers skip or
    refuse these (this module's and roster.extract_class)."""
    parts = PurePosixPath(name).parts
    return not parts or parts[0] == "/" or ".." in parts or ":" in parts[0] or "\0" in name


def _pick(names):
    """The one candidate among relative paths (tuples of parts) at depth 0 or 1:
    two_layer_net.py, else the one *two_layer_net*.py/.ipynb, else the one .py/.ipynb."""
    names = [n for n in names if len(n) <= 2 and not _junk(n)]
    tiers = (lambda s: s == f"{WANTED}.py",
             lambda s: WANTED in s and s.endswith((".py", ".ipynb")),
             lambda s: s.endswith((".py", ".ipynb")))
    for test in tiers:
        found = [n for n in names if test(n[-1].lower())]
        if found:
            depth = min(len(n) for n in found)
            shallow = sorted(n for n in found if len(n) == depth)
            if len(shallow) == 1:
                return shallow[0]
            raise Refused("ambiguous", "找到多个候选文件 / several candidate files: "
                          + ", ".join("/".join(n) for n in shallow) + f". {WHAT_TO_SUBMIT}")
    raise Refused("no-file", f"没有找到 {WANTED}.py / no {WANTED}.py found in the submission. {WHAT_TO_SUBMIT}")


# PEP 263: a "# -*- coding: NAME -*-" comment on line 1 or 2
CODING = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)([-\w.]+)")


def decode(data: bytes, name: str = "two_layer_net.py") -> str:
    """Source bytes -> text with \\n line ends. The encoding its coding comment
    declares, else UTF-8 (BOM or not), else GB18030 (covers GBK). The text is
    graded as UTF-8, so a coding comment is rewritten to say utf-8."""
    if len(data) > size_limit(name):
        raise Refused("too-large", f"{name} 超过 {size_limit(name) >> 20} MiB / is larger than {size_limit(name) >> 20} MiB")
    if b"\0" in data:
        raise Refused("binary", f"{name} 不是文本文件 / is not a text file")
    found = source_text(data)
    if found is None:
        raise Refused("encoding", f"{name}: 无法识别编码，请保存为 UTF-8 / unknown encoding, save it as UTF-8")
    _, text = found
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines[:2] = [CODING.sub(r"\1utf-8", line) for line in lines[:2]]
    text = "\n".join(lines)
    if name.lower().endswith(".ipynb"):
        text = notebook_code(text, name)
        if len(text.encode("utf-8")) > MAX_SOURCE:
            raise Refused("too-large", f"{name}: 代码超过 1 MiB / its code is larger than 1 MiB")
    return text


def size_limit(name: str) -> int:
    """The most bytes a submitted file ``name`` may have: MAX_NOTEBOOK for a notebook, else MAX_SOURCE."""
    return MAX_NOTEBOOK if name.lower().endswith(".ipynb") else MAX_SOURCE


def source_text(data: bytes) -> tuple[str, str] | None:
    """(the encoding ``data`` is read with, its text): its coding comment's encoding, else
    UTF-8 (BOM or not), else GB18030 (covers GBK); None when none of them fits."""
    head = data.decode("latin-1").splitlines()[:2]
    declared = [m.group(2) for m in map(CODING.match, head) if m][:1]
    for encoding in (*declared, "utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            text.encode("utf-8")        # a lone surrogate (utf-7 can make one) is no source text
            return encoding, text
        except (UnicodeError, LookupError):
            continue
    return None


def encoding_note(path: str | Path) -> str | None:
    """A note for the student when the .py or .ipynb file at ``path`` is not UTF-8 (it is
    read all the same, as the grader reads it), else None."""
    try:
        data = Path(path).read_bytes()[:size_limit(str(path)) + 1]
    except OSError:
        return None
    encoding, _ = source_text(data) or (None, None)
    if Path(path).suffix.lower() not in (".py", ".ipynb") or encoding is None \
            or codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") or data.isascii():
        return None
    return (f"注意：{Path(path).name} 不是 UTF-8 编码（按 {encoding} 读取，评分时也这样读取）。"
            "但 Python 自己导入它（import two_layer_net、粘贴的重现代码）需要 UTF-8：请在编辑器里另存为 UTF-8。\n"
            f"Note: {Path(path).name} is not saved as UTF-8 (it was read as {encoding}, as the grader "
            "reads it). Python itself needs UTF-8 to import it (import two_layer_net, the code to paste): "
            "save it as UTF-8 in your editor.")


def notebook_code(text: str, name: str) -> str:
    """A notebook's code cells joined into one source text; IPython magics and
    shell lines (% and !) are commented out. Which of it is graded is decided
    afterwards, as for a .py file (cells that load data, train or plot are left out)."""
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError):
        notebook = None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise Refused("bad-notebook", f"{name} 不是有效的 notebook / is not a valid notebook")
    sources = [c.get("source") for c in cells if c.get("cell_type") == "code"]
    sources = ["".join(s) if isinstance(s, list) and all(isinstance(x, str) for x in s) else s for s in sources]
    if not all(isinstance(s, str) for s in sources):
        raise Refused("bad-notebook", f"{name}: 代码单元的 source 不是文本 / a code cell's source is not text")
    lines = [("# " + line if line.lstrip().startswith(("%", "!")) else line)
             for source in sources for line in source.splitlines()]
    return "\n".join(lines) + "\n"


def _from_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except BROKEN_ZIP as error:
        raise Refused("bad-zip", f"zip 文件损坏 / corrupt zip: {error}") from None
    with archive:
        named = [(PurePosixPath(zip_name(info)).parts, info) for info in archive.infolist()]
        envs = {parts[:-1] for parts, _ in named if parts and parts[-1] in ENV_MARKERS} | \
               {parts[:-2] for parts, _ in named if len(parts) > 1 and parts[-2] == "conda-meta"}
        envs.discard(())                 # the zip itself is never skipped as a whole
        infos = [(parts, info) for parts, info in named
                 if not _junk(parts[:-1]) and not any(parts[:i] in envs for i in range(len(parts)))]
        if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for _, i in infos) > MAX_ZIP_TOTAL:
            raise Refused("zip-too-large", f"zip 解压后过大 / the zip is too large once uncompressed. {WHAT_TO_SUBMIT}")
        files = {}
        for parts, info in infos:
            if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16) or unsafe_path("/".join(parts)):
                continue
            files[parts] = info
        chosen = files[_pick(list(files))]
        if chosen.file_size > size_limit(chosen.filename) or chosen.file_size > MAX_RATIO * max(chosen.compress_size, 1):
            raise Refused("zip-too-large", "zip 中的文件过大 / the file in the zip is too large")
        try:
            data = archive.read(chosen)
        except BROKEN_ZIP as error:
            raise Refused("bad-zip", f"无法读取 zip 中的文件 / cannot read the file in the zip: {error}") from None
        return decode(data[:size_limit(chosen.filename) + 1], chosen.filename)


def _folder_files(top, depth=2):
    """The relative paths (tuples of parts) of the files in ``top`` down to ``depth`` levels,
    not following links and not entering hidden folders, caches or virtual environments."""
    found, todo = [], [()]
    while todo:
        rel = todo.pop()
        try:
            entries = list(top.joinpath(*rel).iterdir())
        except OSError:
            continue
        if rel and any(entry.name in ENV_MARKERS for entry in entries):
            continue                                        # a virtual environment
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_file():
                found.append((*rel, entry.name))
            elif entry.is_dir() and len(rel) + 1 < depth and not junk(entry.name):
                todo.append((*rel, entry.name))
    return found


def read_submission(path: str | Path) -> str:
    """Return the submission's source text (UTF-8 str, \\n line ends) or raise Refused."""
    path = Path(path)
    if path.is_symlink():
        raise Refused("link", "提交是一个链接 / the submission is a symbolic link")
    if path.is_dir():
        found = _folder_files(path)
        zips = [p for p in found if p[-1].lower().endswith(".zip") and not _junk(p)]
        if not any(p[-1].lower().endswith((".py", ".ipynb")) for p in found) and len(zips) == 1:
            return _from_zip(path.joinpath(*zips[0]))
        chosen = path.joinpath(*_pick(found))
        return decode(chosen.read_bytes()[:size_limit(chosen.name) + 1], chosen.name)
    if not path.is_file():
        raise Refused("missing", f"找不到提交 / submission not found: {path}")
    if path.suffix.lower() == ".zip":
        return _from_zip(path)
    if path.suffix.lower() not in (".py", ".ipynb"):
        raise Refused("wrong-type", f"需要 .py、.ipynb 或 .zip 文件 / expected a .py, .ipynb or .zip file: {path.name}. "
                                    f"{WHAT_TO_SUBMIT}")
    return decode(path.read_bytes()[:size_limit(path.name) + 1], path.name)
