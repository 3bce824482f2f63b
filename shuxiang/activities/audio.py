"""Recordings: transcode with ffmpeg to Ogg/Opus mono and check them (length, silence).

``inspect`` returns the duration and the loudest level (ffmpeg's volumedetect) and how much of
the recording is silence (silencedetect at -45 dB); a recording that is empty, too short,
too long or mostly silent is refused with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed

SILENT_DB = -45.0
MOST_SILENT = 0.9  # a recording silent for more than 90 % of its length is refused


@dataclass(frozen=True)
class Checked:
    data: bytes
    seconds: float
    max_volume: float
    silent_seconds: float


def _refuse(reason: str, code: str) -> ValidationFailed:
    return ValidationFailed(reason, [FieldError("recording", reason, code)])


def _ffmpeg() -> str:
    tool = shutil.which("ffmpeg")
    if not tool:
        raise _refuse(_("Recordings cannot be processed here (ffmpeg is missing)."), "no_tool")
    return tool


def transcode(raw: bytes) -> bytes:
    """Any audio ffmpeg reads → Ogg/Opus, mono, 48 kbit/s."""
    if not raw:
        raise _refuse(_("The recording is empty."), "empty")
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in", Path(folder) / "out.ogg"
        source.write_bytes(raw)
        command = [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-vn",
            "-ac",
            "1",
            "-c:a",
            "libopus",
            "-b:a",
            "48k",
            str(target),
        ]
        result = subprocess.run(command, capture_output=True, timeout=300, check=False)
        if result.returncode or not target.exists() or not target.stat().st_size:
            raise _refuse(_("This file is not a recording we can read."), "unreadable")
        return target.read_bytes()


def _measure(data: bytes) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile(suffix=".ogg") as handle:
        handle.write(data)
        handle.flush()
        command = [
            _ffmpeg(),
            "-hide_banner",
            "-nostats",
            "-i",
            handle.name,
            "-af",
            f"volumedetect,silencedetect=noise={SILENT_DB}dB:d=0.5",
            "-f",
            "null",
            "-",
        ]
        log = subprocess.run(command, capture_output=True, timeout=300, check=False).stderr
    text = log.decode("utf-8", "replace")
    times = re.findall(r"time=(\d+):(\d+):(\d+\.\d+)", text)
    duration = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", text)
    h, m, s = times[-1] if times else (duration.groups() if duration else ("0", "0", "0"))
    seconds = int(h) * 3600 + int(m) * 60 + float(s)
    loudest = re.search(r"max_volume: (-?[\d.]+|-inf) dB", text)
    max_volume = float(loudest.group(1)) if loudest and loudest.group(1) != "-inf" else -999.0
    silent = sum(float(x) for x in re.findall(r"silence_duration: ([\d.]+)", text))
    open_silence = re.findall(r"silence_start: ([\d.]+)", text)
    ends = re.findall(r"silence_end: ", text)
    if len(open_silence) > len(ends):  # silence running to the end is never closed
        silent += max(0.0, seconds - float(open_silence[-1]))
    return seconds, max_volume, silent


def check(raw: bytes, *, min_seconds: int, max_seconds: int) -> Checked:
    """Transcode ``raw`` and refuse it, saying why, unless it is a usable recording."""
    data = transcode(raw)
    seconds, max_volume, silent = _measure(data)
    if seconds < min_seconds:
        reason = _("The recording lasts %(seconds).1f s; at least %(min)d s are needed.")
        raise _refuse(reason % {"seconds": seconds, "min": min_seconds}, "too_short")
    if seconds > max_seconds:
        reason = _("The recording lasts %(seconds).0f s; at most %(max)d s are allowed.")
        raise _refuse(reason % {"seconds": seconds, "max": max_seconds}, "too_long")
    if max_volume <= SILENT_DB or silent >= MOST_SILENT * seconds:
        reason = _("The recording is silent: we hear no voice in it.")
        raise _refuse(reason, "silent")
    return Checked(data, seconds, max_volume, silent)


def spoken(text: str) -> bytes | None:
    """``text`` read by espeak-ng's Mandarin voice, as Ogg/Opus (model readings in the demo)."""
    espeak = shutil.which("espeak-ng")
    if not espeak:
        return None
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "reading.wav"
        command = [espeak, "-v", "cmn", "-s", "120", "-w", str(wav), text]
        if subprocess.run(command, capture_output=True, timeout=60, check=False).returncode:
            return None
        return transcode(wav.read_bytes())
