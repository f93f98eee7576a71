"""Open an exported EPUB for inspection with the standard library's XML parser."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def tag(name: str) -> str:
    return f"{{{NS['x']}}}{name}"


@dataclass
class Epub:
    files: dict[str, bytes]
    opf: ET.Element
    folder: str

    @classmethod
    def open(cls, data: bytes) -> Epub:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        container = ET.fromstring(files["META-INF/container.xml"])
        rootfile = container.find(".//c:rootfile", NS)
        assert rootfile is not None
        opf_path = rootfile.get("full-path", "")
        folder = opf_path.rpartition("/")[0]
        return cls(files, ET.fromstring(files[opf_path]), folder)

    def meta(self, name: str) -> list[str]:
        return [e.text or "" for e in self.opf.findall(f".//dc:{name}", NS)]

    def modified(self) -> str:
        metas = self.opf.findall(".//opf:meta[@property='dcterms:modified']", NS)
        return metas[0].text or ""

    def manifest(self) -> dict[str, ET.Element]:
        items = self.opf.findall(".//opf:manifest/opf:item", NS)
        return {item.get("id", ""): item for item in items}

    def spine(self) -> list[ET.Element]:
        return self.opf.findall(".//opf:spine/opf:itemref", NS)

    def file(self, href: str) -> bytes:
        return self.files[f"{self.folder}/{href}"]

    def document(self, href: str) -> ET.Element:
        return ET.fromstring(self.file(href))

    def spine_documents(self) -> list[ET.Element]:
        items = self.manifest()
        return [
            self.document(items[ref.get("idref", "")].get("href", ""))
            for ref in self.spine()
        ]

    def toc(self) -> list[str]:
        navs = [i for i in self.manifest().values() if i.get("properties") == "nav"]
        doc = self.document(navs[0].get("href", ""))
        toc = next(n for n in doc.iter(tag("nav")) if n.get(EPUB_TYPE) == "toc")
        return ["".join(a.itertext()) for a in toc.iter(tag("a"))]


def text_of(doc: ET.Element) -> str:
    body = doc.find("x:body", NS)
    assert body is not None
    return "".join(body.itertext())


def headings(doc: ET.Element, level: int) -> list[str]:
    return ["".join(h.itertext()) for h in doc.iter(tag(f"h{level}"))]
