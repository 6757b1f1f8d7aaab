"""A .zip a clerk attached to send several workbooks at once: opened one level deep, within
the limits of any package, each file inside taken in as if attached to the message.

Limits (the package's :class:`~addin.intake.package.Limits` where they apply): the .zip's
own size; at most :data:`MAX_FILES` files; each file's size and expansion ratio, and the
total; names read as the archive wrote them (UTF-8 when flagged, else the GBK that Chinese
Windows writes), and each name checked like an attachment's (no path, no device). A .zip
inside the .zip is not opened (one level only), an encrypted member is not read, and
folders and the files archivers add (``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``) are left
out. Each refusal is a problem naming the .zip and the member; the other files go on."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib

from addin.intake.attachment import system_file
from addin.intake.package import DEFAULT_LIMITS, Limits
from addin.problems import Problem

MAX_FILES = 50
"""Files a .zip may hold (a unit's tables and forms are a dozen)."""
ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/x-zip")


def is_bundle(name: str, data: bytes, content_type: str | None = None) -> bool:
    """A .zip of files (not a workbook, which is a zip too): named .zip, or declared a zip,
    with no ``[Content_Types].xml`` of its own."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    named = name.lower().endswith(".zip") or (content_type or "").lower() in ZIP_TYPES
    return named and b"[Content_Types].xml" not in data[:1 << 16]


def _name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:  # the archive says UTF-8
        return info.filename
    raw = info.filename.encode("cp437", "replace")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _problem(code: str, zh: str, en: str, file: str) -> Problem:
    return Problem(code, f"{zh} [{en}]", file=file)


def open_bundle(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS,
                name_problem=None) -> tuple[list[tuple[str, bytes]], list[Problem]]:
    """The files of the .zip ``name`` as (shown name, bytes), and the problems of the ones
    left out (``name_problem``: the attachment-name check, applied to each member)."""
    files: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    if len(data) > limits.max_file_bytes:
        return [], [_problem("bundle_too_large", f"压缩包 {name} 过大（超过 {limits.max_file_bytes // 1024 // 1024} MB），"
                                                 "未打开；请直接附上各个 .xlsx 文件", "the .zip is too large", name)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return [], [_problem("bundle_broken", f"压缩包 {name} 已损坏，无法打开；请重新压缩或直接附上各个 .xlsx 文件",
                             "the .zip is damaged", name)]
    infos = [i for i in infos if not (_name(i).startswith("__MACOSX/") or system_file(posixpath.basename(_name(i))))]
    if len(infos) > MAX_FILES:
        return [], [_problem("bundle_too_many", f"压缩包 {name} 中有 {len(infos)} 个文件，超过 {MAX_FILES} 个，未打开；"
                                                "请分几封邮件发送", f"more than {MAX_FILES} files in the .zip", name)]
    total = 0
    for info in infos:
        inner = posixpath.basename(_name(info).replace("\\", "/"))
        shown = f"{inner}（{name}）"
        total += info.file_size
        if info.flag_bits & 0x1:
            problems.append(_problem("bundle_encrypted", f"压缩包 {name} 中的 {inner} 设置了密码，未打开；请取消密码后重新发送",
                                     "an encrypted member", shown))
            continue
        unsafe = name_problem(inner, name) if name_problem else None
        if unsafe is not None or not inner:
            problems.append(_problem("bundle_name", f"压缩包 {name} 中的文件名“{_name(info)[:80]}”不安全，未打开；请改名后重新发送",
                                     "an unsafe name in the .zip", name))
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.max_file_bytes or total > limits.max_total_uncompressed or \
                (ratio > limits.max_ratio and info.file_size > 1 << 20):
            problems.append(_problem("bundle_bomb", f"压缩包 {name} 中的 {inner} 解压后体积异常，未打开",
                                     "a member expands abnormally (zip bomb)", shown))
            continue
        try:
            body = archive.read(info)
        except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, EOFError):
            problems.append(_problem("bundle_broken", f"压缩包 {name} 中的 {inner} 已损坏或无法解压，未打开；请重新发送",
                                     "a member of the .zip cannot be read", shown))
            continue
        if is_bundle(inner, body):
            problems.append(_problem("bundle_nested", f"压缩包 {name} 中又有压缩包 {inner}，只打开一层；请直接附上其中的 .xlsx 文件",
                                     "a .zip inside the .zip is not opened", shown))
            continue
        files.append((shown, body))
    if not files and not problems:
        problems.append(_problem("bundle_empty", f"压缩包 {name} 是空的；请附上填好的 .xlsx 模板", "the .zip is empty", name))
    return files, problems
