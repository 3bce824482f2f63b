"""Small real files for tests (images, PDF, EPUB) and a shortcut to create resources."""

from __future__ import annotations

import io

from shuxiang.core.actors import SYSTEM
from shuxiang.resources import services
from shuxiang.resources.services import Upload


def png_bytes(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 2) -> bytes:
    from PIL import Image

    images = [Image.new("RGB", (200, 280), c) for c in ("white", "gray", "blue")[:pages]]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def epub_bytes(chapters: list[tuple[str, str]]) -> bytes:
    from shuxiang.resources.epub import build_epub

    return build_epub("测试之书", "佚名", chapters, identifier="test-book")


def upload(name: str, data: bytes, content_type: str = "") -> Upload:
    return Upload(name, io.BytesIO(data), content_type)


def make_resource(collection, by=SYSTEM, files=None, **fields):
    data = {"type": "image", "subtype": "old_photograph", "title": "老照片", **fields}
    if files is None:
        files = [upload("photo.png", png_bytes())]
    return services.create_resource(data, collection=collection, by=by, files=files)


def published(collection, **fields):
    resource = make_resource(collection, **fields)
    services.submit(resource, by=SYSTEM)
    return services.publish(resource, by=SYSTEM)
