"""Generated demo files: EPUB books, drawn images, a journal PDF, spoken audio, short videos.

Audio needs espeak-ng and video needs ffmpeg; when a tool is missing the maker returns None
and the demo says what it skipped.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from shuxiang.resources.epub import build_epub

DATA = Path(__file__).resolve().parent / "demo_data"
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
POEM = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"


@cache
def classics() -> dict[str, list[dict]]:
    return json.loads((DATA / "classics.json").read_text(encoding="utf-8"))


def book(key: str, title: str, author: str) -> bytes:
    chapters = [(c["title"], "\n".join(c["paragraphs"])) for c in classics()[key]]
    return build_epub(title, author, chapters, identifier=f"shuxiang-demo-{key}")


def _font(size: int):
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default()


def picture(title: str, colours: tuple[str, str], *, size=(900, 600), lines=()) -> bytes:
    """A drawn JPEG: a two-colour field with a border, a title and some lines of text."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(image)
    width, height = size
    for step in (12, 30):
        draw.rectangle([step, step, width - step, height - step], outline=colours[1], width=3)
    draw.text((width // 2, height // 3), title, fill=colours[1], font=_font(56), anchor="mm")
    for index, line in enumerate(lines):
        y = height // 3 + 90 + index * 44
        draw.text((width // 2, y), line, fill=colours[1], font=_font(30), anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def sepia_photo(title: str) -> bytes:
    """An "old photograph": a sepia gradient street scene with a caption."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 600))
    draw = ImageDraw.Draw(image)
    for y in range(600):
        tone = 200 - y // 6
        draw.line([(0, y), (900, y)], fill=(tone, int(tone * 0.85), int(tone * 0.65)))
    for x in range(60, 900, 140):
        draw.rectangle([x, 220, x + 90, 520], fill=(90, 70, 50), outline=(60, 45, 30))
    draw.text((450, 560), title, fill=(250, 240, 220), font=_font(32), anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def journal_pdf(title: str, pages: list[list[str]]) -> bytes:
    """A journal issue as a PDF of drawn pages (the page images are derived from it)."""
    from PIL import Image

    images = []
    for number, lines in enumerate(pages, start=1):
        data = picture(f"{title} · {number}", ("#fdfcf7", "#333333"), size=(850, 1100),
                       lines=lines)  # fmt: skip
        images.append(Image.open(io.BytesIO(data)).convert("RGB"))
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=100)
    return out.getvalue()


def government_record(title: str, body: str) -> bytes:
    """A captured government-information page (HTML)."""
    html = (
        "<!DOCTYPE html><html lang='zh-Hans'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{body}</p></body></html>"
    )
    return html.encode("utf-8")


def spoken_poem(text: str = POEM) -> tuple[bytes, str] | None:
    """The poem read by espeak-ng (Mandarin voice), as Ogg/Opus when ffmpeg exists, else WAV."""
    espeak = shutil.which("espeak-ng")
    if not espeak:
        return None
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "poem.wav"
        command = [espeak, "-v", "cmn", "-s", "120", "-w", str(wav), text]
        if subprocess.run(command, capture_output=True, timeout=60, check=False).returncode:
            return None
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg:
            ogg = Path(folder) / "poem.ogg"
            command = [ffmpeg, "-v", "error", "-y", "-i", str(wav), "-c:a", "libopus", str(ogg)]
            if not subprocess.run(command, capture_output=True, timeout=60).returncode:
                return ogg.read_bytes(), "poem.ogg"
        return wav.read_bytes(), "poem.wav"


def video(source: str, seconds: int = 4) -> bytes | None:
    """A short H.264 MP4 from one of ffmpeg's test sources, with a tone, or None."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "clip.mp4"
        command = [
            ffmpeg, "-v", "error", "-y",
            "-f", "lavfi", "-i", f"{source}=duration={seconds}:size=480x270:rate=15",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(target),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, timeout=120, check=False)
        return target.read_bytes() if result.returncode == 0 else None


def subtitles(lines: list[str], seconds_each: int = 2) -> bytes:
    """WebVTT subtitles, one line per cue."""
    cues = ["WEBVTT", ""]
    for index, line in enumerate(lines):
        start, end = index * seconds_each, (index + 1) * seconds_each
        cues += [f"00:00:{start:02d}.000 --> 00:00:{end:02d}.000", line, ""]
    return "\n".join(cues).encode("utf-8")
