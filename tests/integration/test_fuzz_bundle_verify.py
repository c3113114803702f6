"""Property-based tests of the bundle verifier: one real bundle, built from the demo's submitted
case, mutated by hypothesis (flipped bits, cut short, entries dropped, doubled, renamed,
rewritten, entries added with climbing or absolute names or as symlinks, the tag files edited,
the signature swapped, the bag re-sealed under another key) is reported "not valid" with a
reason whenever what it holds changed, never with an exception, by the service and by
``flask bundle verify`` alike; and the verifier writes nothing anywhere.

Reproducible: see :mod:`tests.support.fuzz`. A failure found once is kept as an explicit case in
:data:`FOUND`.
"""

from __future__ import annotations

import base64
import io
import os
import stat
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from cli.bundle import bundle as bundle_cli
from services.bundle import bag, keys
from services.bundle.verify import verify_bundle
from tests.integration.test_bundle import _read_members, _reseal, _zip
from tests.integration.test_bundle import good_bundle as good_bundle  # the fixture, built once
from tests.support.fuzz import fuzz
from tests.support.watched import deep_folder, snapshot

#: names an attacker would put in a zip
HOSTILE_NAMES = (
    "../../evil.txt",
    "{top}/../../evil.txt",
    "{top}/data/../../evil.txt",
    "/etc/evil.txt",
    "/{top}/data/evil.txt",
    "C:/evil.txt",
    "C:\\evil.txt",
    "{top}\\data\\evil.txt",
    "{top}/data/evidence/../../../evil.txt",
    "{top}//data/evil.txt",
    "{top}/data/./evil.txt",
    "{top}/./bag-info.txt",
    "evil.txt",
    "{top}/",
    "{top}/data/",
)


def _entries(data: bytes) -> list[tuple[str, bytes, bool]] | None:
    """What unzipping would create: the files' names, bytes and whether each is a symbolic
    link, in order (a directory entry creates nothing that matters); None when the zip cannot
    be read in full. The oracle for "did the bundle change"."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [
                (info.filename, archive.read(info), stat.S_ISLNK(info.external_attr >> 16))
                for info in archive.infolist()
                if not info.filename.endswith("/")
            ]
    except Exception:
        return None


def _write(members: list[tuple[str, bytes, int | None]]) -> bytes:
    """A zip of (name, data, unix mode or None) in this order."""
    out = io.BytesIO()
    with (
        warnings.catch_warnings(),  # "Duplicate name" is the point of some mutations
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore", UserWarning)
        for name, data, mode in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return out.getvalue()


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> tuple[str, bytes]:
    """(what was done, the mutated zip). Takes the bytes, not the fixture's dict: hypothesis
    caches strategies by their arguments, and an unhashable one made replays draw differently."""
    top, files = _read_members(original)
    names = list(files)
    how = draw(
        st.sampled_from(
            [
                "flip",
                "truncate",
                "drop",
                "duplicate",
                "rename",
                "hostile",
                "symlink",
                "as_symlink",
                "edit",
                "signature",
                "rekey",
                "reseal",
            ]
        )
    )
    members = [(f"{top}/{name}", data, None) for name, data in files.items()]
    if how == "flip":
        mutated = bytearray(original)
        for _ in range(draw(st.integers(1, 6))):
            position = draw(st.integers(0, len(mutated) - 1))
            mutated[position] ^= 1 << draw(st.integers(0, 7))
        return how, bytes(mutated)
    if how == "truncate":
        return how, original[: draw(st.integers(0, len(original) - 1))]
    index = draw(st.integers(0, len(members) - 1))
    if how == "drop":
        del members[index]
    elif how == "duplicate":
        members.insert(draw(st.integers(0, len(members))), members[index])
    elif how == "rename":
        name, data, mode = members[index]
        new = draw(st.sampled_from([*names, "data/x.txt", "x", "DATA/" + names[index], ""]))
        members[index] = (f"{top}/{new}", data, mode)
    elif how in ("hostile", "symlink"):
        name = draw(st.sampled_from(HOSTILE_NAMES)).format(top=top)
        content = draw(st.sampled_from([b"x", b"/etc/passwd", b"../../../../tmp/evil"]))
        mode = stat.S_IFLNK | 0o777 if how == "symlink" else None
        members.insert(draw(st.integers(0, len(members))), (name, content, mode))
    elif how == "as_symlink":  # the same bytes, but unzip would make a link to them
        name, data, _mode = members[index]
        members[index] = (name, data, stat.S_IFLNK | 0o777)
    elif how == "edit":
        name, data, mode = members[index]
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 8))
        insert = draw(st.binary(max_size=12) | st.sampled_from([b"\n", b"\xff", b"\r\n", b","]))
        edited = data[:at] + insert + data[at + cut :]
        members[index] = (name, edited, mode)
    elif how == "signature":
        signature = draw(
            st.sampled_from([b"", b"not base64!", base64.b64encode(b"\0" * 64), b"===="])
            | st.binary(max_size=100)
        )
        members = [m for m in members if not m[0].endswith(bag.SIGNATURE)]
        members.append((f"{top}/{bag.SIGNATURE}", signature, None))
    else:  # a careful forger: change a payload file, recompute everything, sign or not
        changed = dict(files)
        payload = [p for p in changed if p.startswith("data/")]
        target = draw(st.sampled_from(payload))
        changed[target] = changed[target] + draw(st.binary(min_size=1, max_size=8))
        key = Ed25519PrivateKey.generate() if how == "rekey" else None
        _reseal(changed, key)
        return how, _zip(top, changed)
    return how, _write(members)


def _platform_key(bundle: dict[str, Any]) -> bytes:
    return keys.pem_of(bundle["key"].public_key())


def test_the_unchanged_bundle_verifies(good_bundle: dict[str, Any]) -> None:
    assert verify_bundle(io.BytesIO(good_bundle["zip"])).ok
    report = verify_bundle(
        io.BytesIO(good_bundle["zip"]), trusted_public_key=_platform_key(good_bundle)
    )
    assert report.ok, report.problems


@fuzz(220)
@given(data=st.data())
def test_a_changed_bundle_is_refused_with_a_reason_and_nothing_is_written(
    good_bundle: dict[str, Any], tmp_path: Path, data: st.DataObject
) -> None:
    how, mutated = data.draw(mutations(good_bundle["zip"]), label="mutation")
    before, cwd_before = snapshot(tmp_path), set(os.listdir())
    original_entries = _entries(good_bundle["zip"])

    report = verify_bundle(io.BytesIO(mutated), trusted_public_key=_platform_key(good_bundle))

    assert snapshot(tmp_path) == before
    assert set(os.listdir()) == cwd_before
    if _entries(mutated) != original_entries:
        assert not report.ok, (how, report.checked)
        assert report.problems
        assert all(p.strip() for p in report.problems)
    else:  # bits that no reader looks at (a timestamp, an attribute): still the same bundle
        assert report.ok, (how, report.problems)


@fuzz(40)
@given(data=st.data())
def test_the_command_refuses_a_changed_bundle_without_a_traceback(
    good_bundle: dict[str, Any], tmp_path: Path, data: st.DataObject
) -> None:
    how, mutated = data.draw(mutations(good_bundle["zip"]), label="mutation")
    folder = Path(tempfile.mkdtemp(dir=deep_folder(tmp_path)))
    path = folder / "bundle.zip"
    path.write_bytes(mutated)
    trusted = folder / "chorus-bundle-key.pem"
    trusted.write_bytes(_platform_key(good_bundle))
    before = snapshot(tmp_path)

    result = CliRunner().invoke(bundle_cli, ["verify", str(path), "--public-key", str(trusted)])

    assert snapshot(tmp_path) == before
    assert result.exception is None or isinstance(result.exception, SystemExit), how
    if _entries(mutated) != _entries(good_bundle["zip"]):
        assert result.exit_code == 1, (how, result.output)
        assert "Bundle NOT OK" in result.output
        assert "FAIL: " in result.output


# -- what the fuzzing found once, kept as explicit cases ----------------------------------------
# (the mutations above are drawn against a bundle built at run time, so these are written as
# functions of it rather than as ``@example`` values)


def _members(bundle: dict[str, Any]) -> tuple[str, list[tuple[str, bytes, int | None]]]:
    top, files = _read_members(bundle["zip"])
    return top, [(f"{top}/{name}", data, None) for name, data in files.items()]


def _replace(bundle: dict[str, Any], path: str, data: bytes) -> bytes:
    top, members = _members(bundle)
    return _write([(n, data if n == f"{top}/{path}" else d, m) for n, d, m in members])


def _add(bundle: dict[str, Any], name: str, data: bytes, mode: int | None = None) -> bytes:
    top, members = _members(bundle)
    return _write([*members, (name.format(top=top), data, mode)])


def _signatories_with_blank_line(bundle: dict[str, Any]) -> bytes:
    _top, files = _read_members(bundle["zip"])
    return _replace(bundle, bag.SIGNATORIES, files[bag.SIGNATORIES] + b"\r\n\r\n")


def _log_with_infinite_seq(bundle: dict[str, Any]) -> bytes:
    _top, files = _read_members(bundle["zip"])
    log = files[bag.SIGNATURE_LOG].replace(b'"seq": 1,', b'"seq": Infinity,', 1)
    assert log != files[bag.SIGNATURE_LOG]
    return _replace(bundle, bag.SIGNATURE_LOG, log)


def _invalid_deflate(bundle: dict[str, Any], path: str) -> bytes:
    """The member at ``path`` with its first deflate block marked with the reserved block type
    (BTYPE 11): zlib, not zipfile, refuses it, whatever the bytes were."""
    top, _files = _read_members(bundle["zip"])
    data = bytearray(bundle["zip"])
    with zipfile.ZipFile(io.BytesIO(bundle["zip"])) as archive:
        info = archive.getinfo(f"{top}/{path}")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    offset = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[offset + 26 : offset + 30])
    data[offset + 30 + name_length + extra_length] |= 0b110
    return bytes(data)


def _flagged(
    bundle: dict[str, Any], path: str, *, method: int | None = None, flags: int = 0
) -> bytes:
    """The member at ``path`` with its compression method or flag bits changed in both its
    local and its central header."""
    top, _files = _read_members(bundle["zip"])
    data = bytearray(bundle["zip"])
    name = f"{top}/{path}".encode()
    for signature, method_at, flags_at, name_at in (
        (b"PK\x03\x04", 8, 6, 30),
        (b"PK\x01\x02", 10, 8, 46),
    ):
        position = 0
        while (position := data.find(signature, position)) >= 0:
            if data[position + name_at : position + name_at + len(name)] == name:
                if method is not None:
                    data[position + method_at : position + method_at + 2] = method.to_bytes(
                        2, "little"
                    )
                data[position + flags_at] |= flags
            position += 4
    return bytes(data)


FOUND = {
    # zlib.error, UnicodeDecodeError and IndexError escaped from the streamed members
    "deflate stream broken in the signature log": (
        lambda b: _invalid_deflate(b, bag.SIGNATURE_LOG),
        f"{bag.SIGNATURE_LOG}: unreadable",
    ),
    "deflate stream broken in the signatories": (
        lambda b: _invalid_deflate(b, bag.SIGNATORIES),
        f"{bag.SIGNATORIES}: unreadable",
    ),
    "deflate stream broken in a tag file": (
        lambda b: _invalid_deflate(b, bag.BAG_INFO),
        f"{bag.BAG_INFO}: unreadable",
    ),
    "signatories not UTF-8": (
        lambda b: _replace(b, bag.SIGNATORIES, b"\xef\xbb\xbfpseudonym,\xff\xfe\n"),
        f"{bag.SIGNATORIES}: unreadable",
    ),
    "signature log not UTF-8": (
        lambda b: _replace(b, bag.SIGNATURE_LOG, b'{"seq": 1}\n\x94\n'),
        f"{bag.SIGNATURE_LOG}: unreadable",
    ),
    "blank line in the signatories": (
        _signatories_with_blank_line,
        f"{bag.SIGNATORIES} line",
    ),
    "seq is Infinity": (_log_with_infinite_seq, f"{bag.SIGNATURE_LOG} line 1: not a valid entry"),
    "unknown compression method": (
        lambda b: _flagged(b, bag.BAG_INFO, method=99),
        "unreadable",
    ),
    "member flagged as encrypted": (lambda b: _flagged(b, bag.MANIFEST, flags=0x01), "unreadable"),
    # files that no check looked at, and links unzip would create
    "double slash": (lambda b: _add(b, "{top}//data/evil.txt", b"x"), "empty or '.' component"),
    "dot component": (lambda b: _add(b, "{top}/./bag-info.txt", b"x"), "empty or '.' component"),
    "tag directory": (
        lambda b: _add(b, "{top}/extra/evil.txt", b"x"),
        f"extra/evil.txt: tag file not covered by {bag.TAGMANIFEST}",
    ),
    "symlink added": (
        lambda b: _add(b, "{top}/data/link", b"/etc/passwd", stat.S_IFLNK | 0o777),
        "a symbolic link in the zip",
    ),
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_what_fuzzing_found_is_refused_by_name(
    good_bundle: dict[str, Any], tmp_path: Path, name: str
) -> None:
    mutate, expected = FOUND[name]
    mutated = mutate(good_bundle)
    before = snapshot(tmp_path)
    report = verify_bundle(io.BytesIO(mutated), trusted_public_key=_platform_key(good_bundle))
    assert not report.ok
    assert any(expected in problem for problem in report.problems), report.problems
    assert snapshot(tmp_path) == before
