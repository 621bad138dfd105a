"""A report's bytes and the one parser that reads them: the file opened (errors as
BadInputError naming it), read in chunks, gunzipped when it is gzip (refusing a decompression
bomb), and `hardened_parser`, the lxml target parser every reader uses (see `junit.reader`'s
docstring, Security).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from lxml import etree

from paratest_split.core.errors import BadInputError

CHUNK: Final = 1 << 20


class RejectError(Exception):
    """Raised inside parser callbacks; becomes BadInputError with this message."""


def hardened_parser(target: object) -> etree.XMLParser:
    """lxml's parser feeding `target`, with the options of `junit.reader`'s docstring (Security):
    no network, no DTD, libxml2's size limits on, only the predefined entities resolved (a
    DOCTYPE is refused by the targets themselves). The one place these options are set."""
    # Typed as Any: lxml-stubs lag behind lxml (partial targets, resolve_entities="internal").
    options: dict[str, Any] = {
        "target": target,
        "resolve_entities": "internal",  # see junit.reader's docstring: no entity can be declared
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "dtd_validation": False,
        "recover": False,
    }
    return etree.XMLParser(**options)


def _open(path: Path) -> IO[bytes]:
    if path.is_dir():
        raise BadInputError(path, "is a directory, expected a JUnit XML file")
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise BadInputError(path, "no such file") from None
    except PermissionError:
        raise BadInputError(path, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise BadInputError(path, f"cannot read the file: {exc.strerror or exc}") from None


# A gzip'd report expands about 4-15x (measured: our JUnit fixtures 4x, a 34 MB pytest-like
# report from benchmarks/gen_junit.py 12x). Past 16 MiB of XML, more than 200x is a
# decompression bomb or a generator gone wild: 1.8 MB of gzip that expands to 600 MB of cases
# took `split` 51 s on every executor. Refused (exit 10, or left out with --skip-bad-reports).
GZIP_CHECK_AFTER: Final = 16 << 20
GZIP_MAX_RATIO: Final = 200


def _check_expansion(path: Path, produced: int, consumed: int) -> None:
    if produced > GZIP_MAX_RATIO * max(consumed, 1):
        raise BadInputError(
            path,
            f"gzip data expands more than {GZIP_MAX_RATIO}x ({produced >> 20} MiB of XML from "
            f"{consumed >> 10} KiB so far): not a plausible JUnit report, refused",
        )


def read_chunks(path: Path, size: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes in chunks, gunzipped when it starts with the gzip magic number."""
    with _open(path) as raw:
        try:
            magic = raw.read(2)
            raw.seek(0)
            if magic != b"\x1f\x8b":
                while chunk := raw.read(size):
                    yield chunk
                return
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                produced = 0
                while chunk := unzipped.read(size):
                    produced += len(chunk)
                    if produced > GZIP_CHECK_AFTER:
                        _check_expansion(path, produced, raw.tell())
                    yield chunk
        except EOFError:
            problem = "truncated gzip data (the compressed stream ends early)"
            raise BadInputError(path, problem) from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise BadInputError(path, f"corrupt gzip data ({exc})") from None
        except OSError as exc:
            raise BadInputError(path, f"cannot read the file: {exc.strerror or exc}") from None
