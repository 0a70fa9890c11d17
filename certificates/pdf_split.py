"""After WeasyPrint: a smaller font stream, and one complete PDF per page of a document.

`finish_pdf` stores the embedded CJK font with a PNG "Up" predictor: WeasyPrint keeps glyph
ids in its subset, so a Noto CJK subset still holds a table of ~65,000 increasing offsets
that plain Flate compresses to ~150 KB; after the predictor it is ~20 KB. This is standard
PDF (ISO 32000-1, 7.4.4.4) that every reader decodes.

`split_pdf` cuts WeasyPrint's own PDF objects into one PDF per page before the combined
file is written (pypdf took ~114 ms and ~750 KB a page; this takes ~0.4 ms).
"""

import re
import struct
import zlib

# --- After WeasyPrint: the font stream, and one PDF per page ----------------------------------


def finish_pdf(document, pdf) -> None:
    """Store each embedded CFF font with the PNG Up predictor (see the module docstring)."""
    import pydyf

    for descriptor in pdf.objects:
        if (
            not isinstance(descriptor, pydyf.Dictionary)
            or descriptor.get("Type") != "/FontDescriptor"
        ):
            continue
        reference = descriptor.get("FontFile3")
        if reference is None:
            continue
        stream = pdf.objects[int(_REFERENCE.fullmatch(pydyf._to_bytes(reference))[1])]
        font = b"\n".join(pydyf._to_bytes(item) for item in stream.stream)  # as pydyf joins
        try:
            columns = _cff_charstrings_offset_size(font)
        except (IndexError, ValueError, struct.error):
            columns = None
        if columns is None:
            continue
        stream.stream = [_flate_with_up_predictor(font, columns)]
        stream.compress = False  # already compressed: pydyf must not do it again
        stream.extra["Filter"] = "/FlateDecode"
        stream.extra["DecodeParms"] = pydyf.Dictionary({"Predictor": 12, "Columns": columns})


def _flate_with_up_predictor(data: bytes, columns: int) -> bytes:
    """Flate data filtered by PNG "Up" rows of `columns` bytes (Predictor 12)."""
    from PIL import Image, ImageChops  # Pillow does the row arithmetic in C

    padding = -len(data) % columns  # the last row is whole; trailing zeros after a font are inert
    rows = (len(data) + padding) // columns
    image = Image.frombytes("L", (columns, rows), data + bytes(padding))
    difference = ImageChops.subtract_modulo(image, ImageChops.offset(image, 0, 1))
    difference.paste(image.crop((0, 0, columns, 1)), (0, 0))  # the first row has none above
    filtered = Image.new("L", (columns + 1, rows), 2)  # each row starts with its filter type: 2, Up
    filtered.paste(difference, (1, 0))
    return zlib.compress(filtered.tobytes(), 6)


def _cff_charstrings_offset_size(font: bytes) -> int | None:
    """The offset size of the CharStrings INDEX of an OpenType/CFF font, or None if not CFF."""
    if font[:4] != b"OTTO":
        return None
    (table_count,) = struct.unpack_from(">H", font, 4)
    for i in range(table_count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", font, 12 + 16 * i)
        if tag == b"CFF ":
            break
    else:
        return None
    cff = font[offset : offset + length]
    name_index = cff[2]  # after the header, whose size is its third byte
    top_dict_index = _index_end(cff, name_index)
    charstrings = _dict_operand(_index_first_item(cff, top_dict_index), operator=17)
    if charstrings is None:
        return None
    offset_size = cff[charstrings + 2]
    return offset_size if 1 <= offset_size <= 4 else None


def _index_bounds(cff: bytes, position: int) -> tuple[int, int, int, int]:
    count = int.from_bytes(cff[position : position + 2], "big")
    if count == 0:
        return count, 0, position + 2, position + 2
    offset_size = cff[position + 2]
    data_start = position + 3 + (count + 1) * offset_size - 1  # offsets count from 1
    return count, offset_size, position + 3, data_start


def _index_end(cff: bytes, position: int) -> int:
    count, offset_size, offsets, data_start = _index_bounds(cff, position)
    if count == 0:
        return data_start
    last = offsets + count * offset_size
    return data_start + int.from_bytes(cff[last : last + offset_size], "big")


def _index_first_item(cff: bytes, position: int) -> bytes:
    count, offset_size, offsets, data_start = _index_bounds(cff, position)
    if count == 0:
        raise ValueError("empty CFF INDEX")
    first = int.from_bytes(cff[offsets : offsets + offset_size], "big")
    second = int.from_bytes(cff[offsets + offset_size : offsets + 2 * offset_size], "big")
    return cff[data_start + first : data_start + second]


def _dict_operand(data: bytes, *, operator: int) -> int | None:
    """The last operand of `operator` in a CFF DICT (integers only; reals are skipped)."""
    operands: list[int] = []
    i = 0
    while i < len(data):
        byte = data[i]
        if byte <= 21:
            found = 1200 + data[i + 1] if byte == 12 else byte
            i += 2 if byte == 12 else 1
            if found == operator:
                return operands[-1] if operands else None
            operands = []
        elif byte == 28:
            operands.append(int.from_bytes(data[i + 1 : i + 3], "big", signed=True))
            i += 3
        elif byte == 29:
            operands.append(int.from_bytes(data[i + 1 : i + 5], "big", signed=True))
            i += 5
        elif byte == 30:  # a real: nibbles up to an 0xf
            i += 1
            while (data[i] >> 4) != 0xF and (data[i] & 0xF) != 0xF:
                i += 1
            i += 1
            operands.append(0)
        elif 32 <= byte <= 246:
            operands.append(byte - 139)
            i += 1
        elif 247 <= byte <= 250:
            operands.append((byte - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= byte <= 254:
            operands.append(-(byte - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError(f"reserved CFF DICT byte {byte}")
    return None


_REFERENCE = re.compile(rb"(?<![\d.])(\d+) 0 R\b")  # pydyf writes every reference so
_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]+)")
_RESOURCE_KINDS = ("Font", "XObject", "ExtGState", "Pattern", "Shading", "ColorSpace", "Properties")


def split_pdf(pdf, *, titles: list[str], page_counts: list[int] | None = None) -> list[bytes]:
    """One complete PDF per page of a pydyf PDF that WeasyPrint has just built, or, with
    `page_counts`, per run of that many pages (a study record of several pages).

    WeasyPrint gives all pages one resource dictionary; each page here gets only the
    resources its content names (and so only its own QR code), and everything they
    reach. Shared objects (the font, the background, the seal) are serialised once and
    copied as bytes into every file that uses them.
    """
    return _Splitter(pdf).split(titles, page_counts)


class _Splitter:
    def __init__(self, pdf):
        import pydyf

        self.pydyf = pydyf
        self.objects = pdf.objects
        self.lang = pdf.catalog.get("Lang")
        self.serialised: dict[int, tuple[bytes, bytes]] = {}
        self.page_numbers = [int(number) for number in pdf.pages["Kids"][::3]]

    def split(self, titles: list[str], page_counts: list[int] | None = None) -> list[bytes]:
        counts = [1] * len(titles) if page_counts is None else page_counts
        if sum(counts) != len(self.page_numbers):
            raise ValueError(f"{sum(counts)} pages asked for, {len(self.page_numbers)} laid out")
        files, start = [], 0
        for count, title in zip(counts, titles, strict=True):
            files.append(self._pages_pdf(self.page_numbers[start : start + count], title))
            start += count
        return files

    # Serialisation: (dictionary part, stream part), references still the old numbers.
    def _parts(self, number: int) -> tuple[bytes, bytes]:
        if number not in self.serialised:
            self.serialised[number] = self._serialise(self.objects[number])
        return self.serialised[number]

    def _serialise(self, obj) -> tuple[bytes, bytes]:
        pydyf = self.pydyf
        if isinstance(obj, pydyf.Stream) and "Resources" in obj.extra:
            extra = dict(obj.extra)
            extra["Resources"] = self._pruned_resources(obj.extra["Resources"], self._content(obj))
            obj = pydyf.Stream(obj.stream, extra, obj.compress)
        data = obj.data
        if isinstance(obj, pydyf.Stream):
            head, _, stream = data.partition(b"\nstream\n")
            return head, b"\nstream\n" + stream
        return data, b""

    def _resolve(self, value):
        if isinstance(value, bytes | str):
            match = _REFERENCE.fullmatch(self.pydyf._to_bytes(value))
            if match:
                return self.objects[int(match[1])]
        return value

    def _content(self, stream) -> bytes:
        return b"\n".join(self.pydyf._to_bytes(item) for item in stream.stream)

    def _pruned_resources(self, resources, content: bytes):
        """Only the resources whose names the content uses (as an inline dictionary)."""
        pydyf = self.pydyf
        used = set(_NAME.findall(content))
        pruned = pydyf.Dictionary()
        for kind, entries in self._resolve(resources).items():
            entries = self._resolve(entries)
            if kind in _RESOURCE_KINDS and isinstance(entries, dict):
                kept = {key: value for key, value in entries.items() if key.encode() in used}
                if kept:
                    pruned[kind] = pydyf.Dictionary(kept)
            elif kind not in _RESOURCE_KINDS:
                pruned[kind] = entries  # ProcSet and the like: kept as they are
        return pruned

    def _pages_pdf(self, page_numbers: list[int], title: str) -> bytes:
        pydyf = self.pydyf
        catalog = pydyf.Dictionary({"Type": "/Catalog", "Pages": b"2 0 R"})
        if self.lang is not None:
            catalog["Lang"] = self.lang
        kids = [b"%d 0 R" % (4 + index) for index in range(len(page_numbers))]
        pages = pydyf.Dictionary(
            {"Type": "/Pages", "Kids": pydyf.Array(kids), "Count": len(page_numbers)}
        )
        info = pydyf.Dictionary(
            {
                "Title": pydyf.String(title),
                "Producer": pydyf.String("WeasyPrint, split by shuangyu"),
            }
        )

        # New numbers: 1 catalog, 2 pages, 3 info, 4… the pages, then what they reach.
        numbers = {old: 4 + index for index, old in enumerate(page_numbers)}
        bodies: list[tuple[bytes, bytes] | None] = [
            (catalog.data, b""),
            (pages.data, b""),
            (info.data, b""),
            *[None] * len(page_numbers),
        ]

        def renumber(match):
            old = int(match[1])
            if old not in numbers:
                numbers[old] = len(numbers) + 4
                bodies.append(None)  # filled when reached
                pending.append(old)
            return b"%d 0 R" % numbers[old]

        pending: list[int] = []
        for index, page_number in enumerate(page_numbers):
            page = self.objects[page_number]
            contents = self._resolve(page["Contents"])
            new_page = pydyf.Dictionary(
                {key: value for key, value in page.items() if key != "Parent"}
            )
            new_page["Resources"] = self._pruned_resources(
                page["Resources"], self._content(contents)
            )
            head = _REFERENCE.sub(renumber, new_page.data)
            bodies[3 + index] = (b"<</Parent 2 0 R" + head.removeprefix(b"<<"), b"")  # new parent
        while pending:
            old = pending.pop(0)
            head, tail = self._parts(old)
            bodies[numbers[old] - 1] = (_REFERENCE.sub(renumber, head), tail)

        output = [b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n"]
        position = len(output[0])
        offsets = []
        for number, (head, tail) in enumerate(bodies, start=1):
            chunk = b"%d 0 obj\n%s%s\nendobj\n" % (number, head, tail)
            offsets.append(position)
            output.append(chunk)
            position += len(chunk)
        xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)]
        xref.extend(b"%010d 00000 n \n" % offset for offset in offsets)
        output.extend(xref)
        output.append(
            b"trailer\n<</Size %d /Root 1 0 R /Info 3 0 R>>\nstartxref\n%d\n%%%%EOF\n"
            % (len(bodies) + 1, position)
        )
        return b"".join(output)
